import type { App } from '@slack/bolt';
import { SLACK_IDS } from '../../../../slack/ids.js';
import { decideFromSlack, type ListenerDeps } from '../../deps.js';
import { ModalMetadata } from '../../payloads.js';

/** The reject modal's submission: the reason is required, and reaches the agent in the action state. */
export function register(app: App, deps: ListenerDeps): void {
  app.view(SLACK_IDS.rejectView, async ({ ack, view, body, client }) => {
    const reason = view.state.values[SLACK_IDS.reasonBlock]?.[SLACK_IDS.reasonInput]?.value?.trim();
    if (!reason) {
      await ack({ response_action: 'errors', errors: { [SLACK_IDS.reasonBlock]: 'Say why, so the agent and its owner know.' } });
      return;
    }
    await ack();
    const meta = ModalMetadata.parse(JSON.parse(view.private_metadata || '{}'));
    await decideFromSlack(deps, client, { channel: meta.channel, user: body.user.id }, meta.actionId, { decision: 'reject', reason });
  });
}
