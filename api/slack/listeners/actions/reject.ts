import type { App, BlockButtonAction } from '@slack/bolt';
import { rejectModal } from '../../../../slack/blocks.js';
import { SLACK_IDS } from '../../../../slack/ids.js';
import type { ListenerDeps } from '../../deps.js';
import { openDecisionModal } from './open-modal.js';

/** Reject on the card opens a modal that asks for the (required) reason. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(SLACK_IDS.reject, (args) => openDecisionModal(deps, args, rejectModal));
}
