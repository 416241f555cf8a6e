import type { App } from '@slack/bolt';
import { perConfig } from '../../../../config/live.js';
import { parseModalMetadata, SLACK_IDS } from '../../../../slack/ids.js';
import { decideFromSlack, NOT_OURS, type ListenerDeps } from '../../deps.js';
import { editSubmission } from '../../payloads.js';

const FIELD_BLOCKS = {
  parameters: SLACK_IDS.parametersBlock,
  records: SLACK_IDS.recordsBlock,
  amountUsd: SLACK_IDS.amountBlock,
  users: SLACK_IDS.usersBlock,
} as const;

/**
 * The edit modal's submission: a JSON object within the API's size and depth
 * limits (else the modal shows the error, and nothing reaches Temporal) is
 * approved as a new version of the version the modal was opened on.
 */
export function register(app: App, deps: ListenerDeps): void {
  const editSubmissionOf = perConfig(deps.config, ({ file }) => editSubmission(file.limits));
  app.view(SLACK_IDS.editView, async ({ ack, view, body, client }) => {
    const values = view.state.values;
    const meta = parseModalMetadata(view.private_metadata);
    const parsed = editSubmissionOf().safeParse({
      parameters: values[SLACK_IDS.parametersBlock]?.[SLACK_IDS.parametersInput]?.value ?? '',
      records: values[SLACK_IDS.recordsBlock]?.[SLACK_IDS.recordsInput]?.value,
      amountUsd: values[SLACK_IDS.amountBlock]?.[SLACK_IDS.amountInput]?.value,
      users: values[SLACK_IDS.usersBlock]?.[SLACK_IDS.usersInput]?.value,
    });
    if (!meta || !parsed.success) {
      const errors: Record<string, string> = meta ? {} : { [SLACK_IDS.parametersBlock]: NOT_OURS };
      for (const issue of parsed.error?.issues ?? []) {
        const block = FIELD_BLOCKS[issue.path[0] as keyof typeof FIELD_BLOCKS] ?? SLACK_IDS.parametersBlock;
        errors[block] ??= issue.message;
      }
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const { parameters, records, amountUsd, users } = parsed.data;
    const state = await deps.gateway.get(meta.actionId).catch(() => undefined);
    // The numbers left empty keep the edited version's; the version is the one the modal showed.
    const previous = state?.versions.find((v) => v.version === meta.version)?.impact ?? {};
    const impact = {
      ...previous,
      ...(records === undefined ? {} : { records }),
      ...(amountUsd === undefined ? {} : { amountUsd }),
      ...(users === undefined ? {} : { users }),
    };
    await decideFromSlack(deps, client, { channel: meta.channel, user: body.user.id }, meta, { decision: 'approve', edit: { parameters, impact } });
  });
}
