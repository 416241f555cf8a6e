import type { KnownBlock, View } from '@slack/types';
import type { ActionState, Resource } from '../domain/action.js';
import { countedApprovals, currentVersion } from '../domain/approval-rules.js';
import { escapeMrkdwn, mention, truncate } from './escape.js';
import { SLACK_IDS } from './ids.js';

/** Everything an approval card shows; built by the workflow, rendered by the Slack activities. */
export interface CardContext {
  state: ActionState;
  owner: string;
  justification: string;
  resources: Resource[];
  /** Who may decide the current tier. */
  approvers: string[];
  expiresAt: string;
  /** True for the copy cross-posted to the escalation channel. */
  escalated?: boolean;
}

/** A message: fallback text plus blocks. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const TIER_BADGE = { auto: 'AUTO', review: 'REVIEW', critical: 'CRITICAL', deny: 'DENIED' } as const;
const PARAMETERS_MAX = 2500;

const md = (text: string) => ({ type: 'mrkdwn' as const, text });

function slackDate(iso: string): string {
  const epoch = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${epoch}^{date_short_pretty} {time}|${iso}>`;
}

function resourcesText(resources: Resource[]): string {
  if (resources.length === 0) return '_none declared_';
  return resources
    .slice(0, 10)
    .map((r) => `\`${escapeMrkdwn(r.type)}:${escapeMrkdwn(r.id)}\`${r.sensitivity ? ` (${r.sensitivity})` : ''}`)
    .concat(resources.length > 10 ? [`…and ${resources.length - 10} more`] : [])
    .join(', ');
}

/** The line that says where the decision stands. */
export function decisionLine(ctx: CardContext): string {
  const { state } = ctx;
  const counted = countedApprovals(state);
  const who = (list: { by: string }[]) => list.map((a) => mention(a.by)).join(', ');
  const last = state.approvals[state.approvals.length - 1];
  switch (state.status) {
    case 'awaiting_approval':
      return counted.length === 0
        ? `:hourglass_flowing_sand: Waiting for ${state.risk.approvalsRequired === 1 ? 'one approval' : `${state.risk.approvalsRequired} approvals from different people`}`
        : `:hourglass_flowing_sand: ${counted.length} of ${state.risk.approvalsRequired} approvals — ${who(counted)}`;
    case 'approved':
    case 'executing':
      return `:white_check_mark: Approved by ${who(counted)} — executing`;
    case 'succeeded':
      return `:white_check_mark: Approved by ${who(counted)} — executed`;
    case 'failed':
      return `:white_check_mark: Approved by ${who(counted)} — :x: execution failed`;
    case 'rejected':
      return `:no_entry: Rejected by ${last ? mention(last.by) : 'an approver'}${last?.reason ? `: ${escapeMrkdwn(last.reason)}` : ''}`;
    case 'expired':
      return ':alarm_clock: Expired: nobody decided in time. It was not executed.';
    case 'cancelled':
      return `:leftwards_arrow_with_hook: Cancelled by ${state.cancelledBy?.startsWith('agent:') ? 'the agent' : mention(state.cancelledBy ?? 'an operator')}. It was not executed.`;
    case 'denied':
      return ':no_entry_sign: Denied by policy. It was not executed.';
    default:
      return `Status: ${state.status}`;
  }
}

/** The approval card, for `chat.postMessage` and every later `chat.update`. */
export function approvalCard(ctx: CardContext): SlackMessage {
  const { state } = ctx;
  const version = currentVersion(state);
  const params = truncate(JSON.stringify(version.parameters, null, 2), PARAMETERS_MAX);
  const awaiting = state.status === 'awaiting_approval';
  const title = `${TIER_BADGE[state.risk.tier]} · risk ${state.risk.score} — ${state.tool} in ${state.environment}`;

  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${ctx.escalated ? 'Escalated: ' : ''}${title}`, 150).text } },
    {
      type: 'section',
      fields: [
        md(`*Agent*\n${escapeMrkdwn(state.agentId)} (owner ${mention(ctx.owner)})`),
        md(`*Session*\n${escapeMrkdwn(state.sessionId)}`),
        md(`*Tool*\n\`${escapeMrkdwn(state.tool)}\``),
        md(`*Operation · environment*\n${state.operation} · ${state.environment}`),
      ],
    },
    { type: 'section', text: md(`*Resources*\n${resourcesText(ctx.resources)}`) },
    { type: 'section', text: md(`*Justification*\n>${truncate(escapeMrkdwn(ctx.justification), 1500).text.replaceAll('\n', '\n>')}`) },
    {
      type: 'section',
      text: md(
        `*Parameters*${version.version > 1 ? ` (version ${version.version}, edited by ${mention(version.by)})` : ''}\n\`\`\`${escapeMrkdwn(params.text)}\`\`\`` +
          (params.truncated ? `\n_Truncated: the full call is in the <${state.links.temporalUi}|Temporal UI>._` : ''),
      ),
    },
    {
      type: 'section',
      text: md(
        `*Why ${state.risk.tier}* (policy ${escapeMrkdwn(state.risk.policyVersion)})\n` +
          (state.risk.factors.map((f) => `• ${f.points ? `+${f.points} ` : ''}${f.name}: ${escapeMrkdwn(f.detail)}`).join('\n') || '• nothing scored'),
      ),
    },
    {
      type: 'context',
      elements: [
        md(
          `Needs ${state.risk.approvalsRequired} approval${state.risk.approvalsRequired === 1 ? '' : 's'} from ${ctx.approvers.map(mention).join(', ') || '_nobody is configured_'}` +
            ` · expires ${slackDate(ctx.expiresAt)} · action \`${state.id}\``,
        ),
      ],
    },
    { type: 'section', text: md(`*${decisionLine(ctx)}*`) },
  ];

  const link = {
    type: 'button' as const,
    action_id: SLACK_IDS.openTemporal,
    text: { type: 'plain_text' as const, text: 'Open in Temporal' },
    url: state.links.temporalUi,
  };
  blocks.push({
    type: 'actions',
    block_id: 'airlock_decision',
    elements: awaiting
      ? [
          { type: 'button', action_id: SLACK_IDS.approve, style: 'primary', value: state.id, text: { type: 'plain_text', text: 'Approve' } },
          { type: 'button', action_id: SLACK_IDS.edit, value: state.id, text: { type: 'plain_text', text: 'Edit & approve' } },
          { type: 'button', action_id: SLACK_IDS.reject, style: 'danger', value: state.id, text: { type: 'plain_text', text: 'Reject' } },
          link,
        ]
      : [link],
  });

  return { text: `${title}: ${decisionLine(ctx).replace(/^:[a-z_]+: /, '')}`, blocks };
}

/** The thread reply that reminds the approvers. */
export function reminderText(ctx: CardContext): string {
  return `:bell: Reminder: ${ctx.approvers.map(mention).join(' ')} — this action still needs ${
    ctx.state.risk.approvalsRequired - countedApprovals(ctx.state).length
  } approval(s); it expires ${slackDate(ctx.expiresAt)}.`;
}

/** The thread reply with the execution result. */
export function resultText(state: ActionState): string {
  if (state.status === 'succeeded') {
    return `:white_check_mark: Executed: succeeded after ${state.attempts} attempt${state.attempts === 1 ? '' : 's'} (HTTP ${state.result?.httpStatus}).`;
  }
  return `:x: Execution failed after ${state.attempts} attempt${state.attempts === 1 ? '' : 's'}: ${escapeMrkdwn(state.error?.message ?? 'unknown error')}.`;
}

/** The direct message to the agent's owner when an action is rejected or fails. */
export function ownerNotice(state: ActionState): string {
  const what = `\`${escapeMrkdwn(state.tool)}\` by your agent *${escapeMrkdwn(state.agentId)}* in ${state.environment} (action \`${state.id}\`)`;
  if (state.status === 'rejected') {
    const last = state.approvals[state.approvals.length - 1];
    return `:no_entry: ${what} was rejected by ${last ? mention(last.by) : 'an approver'}${last?.reason ? `: ${escapeMrkdwn(last.reason)}` : ''}. <${state.links.temporalUi}|Details>`;
  }
  return `:x: ${what} failed after ${state.attempts} attempt(s): ${escapeMrkdwn(state.error?.message ?? 'unknown error')}. <${state.links.temporalUi}|Details>`;
}

/** What the modals carry between opening and submission. */
export interface ModalMetadata {
  actionId: string;
  channel?: string;
  ts?: string;
}

/** A modal that carries its action in `private_metadata`. */
function modal(callbackId: string, meta: ModalMetadata, title: string, submit: string, blocks: View['blocks']): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: title },
    submit: { type: 'plain_text', text: submit },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/** The modal that asks for the reason of a rejection (required). */
export function rejectModal(meta: ModalMetadata, state: ActionState): View {
  return modal(SLACK_IDS.rejectView, meta, 'Reject action', 'Reject', [
      { type: 'section', text: md(`Reject \`${escapeMrkdwn(state.tool)}\` by *${escapeMrkdwn(state.agentId)}* in ${state.environment}? The agent sees your reason.`) },
      {
        type: 'input',
        block_id: SLACK_IDS.reasonBlock,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: SLACK_IDS.reasonInput, multiline: true, min_length: 1, max_length: 2000 },
      },
  ]);
}

/** The modal to edit the parameters (and declared impact) before approving. */
export function editModal(meta: ModalMetadata, state: ActionState): View {
  const version = currentVersion(state);
  const numberInput = (block: string, action: string, label: string, value: number | undefined) => ({
    type: 'input' as const,
    block_id: block,
    optional: true,
    label: { type: 'plain_text' as const, text: label },
    element: {
      type: 'number_input' as const,
      action_id: action,
      is_decimal_allowed: block === SLACK_IDS.amountBlock,
      min_value: '0',
      ...(value === undefined ? {} : { initial_value: String(value) }),
    },
  });
  return modal(SLACK_IDS.editView, meta, 'Edit & approve', 'Approve edited', [
      {
        type: 'section',
        text: md('What executes is exactly what you approve here. The edit is re-scored: if its tier rises, it needs that tier’s approvals.'),
      },
      {
        type: 'input',
        block_id: SLACK_IDS.parametersBlock,
        label: { type: 'plain_text', text: 'Parameters (JSON object)' },
        element: {
          type: 'plain_text_input',
          action_id: SLACK_IDS.parametersInput,
          multiline: true,
          initial_value: truncate(JSON.stringify(version.parameters, null, 2), 3000).text,
        },
      },
      numberInput(SLACK_IDS.recordsBlock, SLACK_IDS.recordsInput, 'Records touched', version.impact.records),
      numberInput(SLACK_IDS.amountBlock, SLACK_IDS.amountInput, 'Money moved (USD)', version.impact.amountUsd),
      numberInput(SLACK_IDS.usersBlock, SLACK_IDS.usersInput, 'Users affected', version.impact.users),
  ]);
}
