import type { App } from '@slack/bolt';
import { SLACK_IDS } from '../../../../slack/ids.js';
import { decideFromSlack, type ListenerDeps } from '../../deps.js';
import { EditSubmission, ModalMetadata } from '../../payloads.js';

const FIELD_BLOCKS = {
  parameters: SLACK_IDS.parametersBlock,
  records: SLACK_IDS.recordsBlock,
  amountUsd: SLACK_IDS.amountBlock,
  users: SLACK_IDS.usersBlock,
} as const;

/** The edit modal's submission: a valid JSON object (else the modal shows the error) is approved as a new version. */
export function register(app: App, deps: ListenerDeps): void {
  app.view(SLACK_IDS.editView, async ({ ack, view, body, client }) => {
    const values = view.state.values;
    const parsed = EditSubmission.safeParse({
      parameters: values[SLACK_IDS.parametersBlock]?.[SLACK_IDS.parametersInput]?.value ?? '',
      records: values[SLACK_IDS.recordsBlock]?.[SLACK_IDS.recordsInput]?.value,
      amountUsd: values[SLACK_IDS.amountBlock]?.[SLACK_IDS.amountInput]?.value,
      users: values[SLACK_IDS.usersBlock]?.[SLACK_IDS.usersInput]?.value,
    });
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const block = FIELD_BLOCKS[issue.path[0] as keyof typeof FIELD_BLOCKS] ?? SLACK_IDS.parametersBlock;
        errors[block] ??= issue.message;
      }
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const meta = ModalMetadata.parse(JSON.parse(view.private_metadata || '{}'));
    const { parameters, records, amountUsd, users } = parsed.data;
    const state = await deps.gateway.get(meta.actionId).catch(() => undefined);
    const previous = state?.versions[state.versions.length - 1]?.impact ?? {};
    const impact = {
      ...previous,
      ...(records === undefined ? {} : { records }),
      ...(amountUsd === undefined ? {} : { amountUsd }),
      ...(users === undefined ? {} : { users }),
    };
    await decideFromSlack(deps, client, { channel: meta.channel, user: body.user.id }, meta.actionId, {
      decision: 'approve',
      edit: { parameters, impact },
    });
  });
}
