import type { App, BlockButtonAction } from '@slack/bolt';
import { SLACK_IDS } from '../../../../slack/ids.js';
import { cardRefOf, decideFromSlack, type ListenerDeps } from '../../deps.js';

/** Approve on the card: acknowledged at once, then sent, with the version the card showed, to the workflow's validated Update. */
export function register(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(SLACK_IDS.approve, async ({ ack, action, body, client }) => {
    await ack();
    const where = { channel: body.channel?.id, user: body.user.id };
    const ref = await cardRefOf(deps, client, where, action.value);
    if (ref) await decideFromSlack(deps, client, where, ref, { decision: 'approve' });
  });
  // The standing-approval button carries its terms; the workflow bounds them by approvals.standing again.
  app.action<BlockButtonAction>(SLACK_IDS.approveStanding, async ({ ack, action, body, client }) => {
    await ack();
    const where = { channel: body.channel?.id, user: body.user.id };
    const ref = await cardRefOf(deps, client, where, action.value);
    if (ref?.standing) await decideFromSlack(deps, client, where, ref, { decision: 'approve', standing: ref.standing });
  });
}
