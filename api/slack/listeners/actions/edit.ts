import type { App, BlockButtonAction } from '@slack/bolt';
import { editModal } from '../../../../slack/blocks.js';
import { SLACK_IDS } from '../../../../slack/ids.js';
import type { ListenerDeps } from '../../deps.js';
import { openDecisionModal } from './open-modal.js';

/** Edit & approve on the card opens the parameters (and declared impact) in a modal. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(SLACK_IDS.edit, (args) => openDecisionModal(deps, args, editModal));
}
