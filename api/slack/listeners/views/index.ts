import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../../deps.js';
import * as editSubmit from './edit-submit.js';
import * as rejectSubmit from './reject-submit.js';

/** Modal submissions. */
export function register(app: App, deps: ListenerDeps): void {
  rejectSubmit.register(app, deps);
  editSubmit.register(app, deps);
}
