import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../../deps.js';
import * as approve from './approve.js';
import * as edit from './edit.js';
import * as openTemporal from './open-temporal.js';
import * as reject from './reject.js';

/** Button clicks on approval cards. */
export function register(app: App, deps: ListenerDeps): void {
  approve.register(app, deps);
  reject.register(app, deps);
  edit.register(app, deps);
  openTemporal.register(app);
}
