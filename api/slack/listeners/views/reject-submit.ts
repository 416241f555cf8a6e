import type { App } from '@slack/bolt';
import { DecisionReason } from '../../../../domain/decision.js';
import { parseModalMetadata, SLACK_IDS } from '../../../../slack/ids.js';
import { decideFromSlack, NOT_OURS, type ListenerDeps } from '../../deps.js';

/**
 * The reject modal's submission: the reason goes through the API's own schema
 * (required, at most 2 000 characters), so a reason the API would refuse is
 * refused in the modal and nothing is stored.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.view(SLACK_IDS.rejectView, async ({ ack, view, body, client }) => {
    const meta = parseModalMetadata(view.private_metadata);
    const reason = DecisionReason.safeParse(view.state.values[SLACK_IDS.reasonBlock]?.[SLACK_IDS.reasonInput]?.value ?? '');
    if (!meta || !reason.success) {
      const error = !meta
        ? NOT_OURS
        : reason.error?.issues[0]?.code === 'too_big'
          ? 'At most 2 000 characters, please: the agent and its owner read it.'
          : 'Say why, so the agent and its owner know.';
      await ack({ response_action: 'errors', errors: { [SLACK_IDS.reasonBlock]: error } });
      return;
    }
    await ack();
    await decideFromSlack(deps, client, { channel: meta.channel, user: body.user.id }, meta, { decision: 'reject', reason: reason.data });
  });
}
