import type { App, BlockButtonAction } from '@slack/bolt';
import { SLACK_IDS } from '../../../../slack/ids.js';
import { decideFromSlack, type ListenerDeps } from '../../deps.js';

/** Approve on the card: acknowledged at once, then sent to the workflow's validated Update. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(SLACK_IDS.approve, async ({ ack, action, body, client }) => {
    await ack();
    await decideFromSlack(deps, client, { channel: body.channel?.id, user: body.user.id }, action.value ?? '', { decision: 'approve' });
  });
}
