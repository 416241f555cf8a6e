import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../../deps.js';
import * as airlock from './airlock.js';

/** Slash commands. */
export function register(app: App, deps: ListenerDeps): void {
  airlock.register(app, deps);
}
