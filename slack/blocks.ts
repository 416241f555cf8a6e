import type { ActionsBlock, KnownBlock, MrkdwnElement, View } from '@slack/types';
import type { ActionState, Approval, Resource } from '../domain/action.js';
import type { StandingTerms } from '../domain/decision.js';
import { countedApprovals, currentVersion } from '../domain/approval-rules.js';
import { cutText, escapeMrkdwn, mention, neutralise, utf8Length, visibleJson } from './escape.js';
import { encodeCardRef, encodeModalMetadata, SLACK_IDS, type ModalMetadata } from './ids.js';

export type { ModalMetadata } from './ids.js';

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
  /** What the "Approve this and the next N like it" button offers (review-tier actions of a session). */
  standingOffer?: StandingTerms;
}

/** A message: fallback text plus blocks. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/**
 * Slack's Block Kit limits that every message and modal keeps to. Slack counts
 * characters; Airlock counts UTF-8 bytes ({@link utf8Length}), never fewer, so
 * what fits here fits there.
 */
export const SLACK_LIMITS = {
  /** A section's or context element's text. */
  text: 3000,
  /** One of a section's fields. */
  field: 2000,
  /** A header's plain text. */
  header: 150,
  /** Blocks in a message. */
  blocks: 50,
  buttonValue: 2000,
  privateMetadata: 3000,
  /** A plain-text input's `initial_value`. */
  inputValue: 3000,
} as const;

/** Longest piece of one listed item (a resource, a risk factor), so one long item cannot crowd out the rest. */
const ITEM_MAX = 300;

const TIER_BADGE = { auto: 'AUTO', review: 'REVIEW', critical: 'CRITICAL', deny: 'DENIED' } as const;

const md = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });

const cutNote = (link: string) => `\n_Cut to fit Slack: the full text is in the <${link}|Temporal UI>._`;

/**
 * mrkdwn of at most `max` bytes: `head`, then `body` (already escaped, inside a
 * code block when `code`), then `tail`. When it does not fit, only the body is
 * cut, and a note links to the whole.
 */
function fit(max: number, link: string, head: string, body: string, { tail = '', code = false } = {}): string {
  const fence = code ? '```' : '';
  const whole = `${head}${fence}${body}${fence}${tail}`;
  if (utf8Length(whole) <= max) return whole;
  const note = cutNote(link);
  const room = max - utf8Length(`${head}${fence}${fence}${tail}${note}`);
  return `${head}${fence}${cutText(body, room).text}${fence}${tail}${note}`;
}

/**
 * A list of at most `max` bytes: as many whole items as fit, then how many more
 * there are (`total` counts items not even given), and the note when anything
 * is missing or cut.
 */
function fitList(max: number, link: string, head: string, items: { text: string; cut: boolean }[], sep: string, total = items.length): string {
  const whole = head + items.map((i) => i.text).join(sep);
  if (total === items.length && !items.some((i) => i.cut) && utf8Length(whole) <= max) return whole;
  const note = cutNote(link);
  const room = max - utf8Length(`${sep}…and ${total} more${note}`);
  let text = head;
  let shown = 0;
  for (const item of items) {
    const next = `${text}${shown > 0 ? sep : ''}${item.text}`;
    if (utf8Length(next) > room) break;
    text = next;
    shown++;
  }
  return `${text}${shown < total ? `${shown > 0 ? sep : ''}…and ${total - shown} more` : ''}${note}`;
}

function slackDate(iso: string): string {
  const epoch = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${epoch}^{date_short_pretty} {time}|${iso}>`;
}

function resourcesText(resources: Resource[], link: string): string {
  const head = '*Resources*\n';
  if (resources.length === 0) return `${head}_none declared_`;
  const items = resources.slice(0, 10).map((r) => {
    const { text, cut } = cutText(`${escapeMrkdwn(r.type)}:${escapeMrkdwn(r.id)}`, ITEM_MAX);
    return { text: `\`${text}\`${r.sensitivity ? ` (${r.sensitivity})` : ''}`, cut };
  });
  return fitList(SLACK_LIMITS.text, link, head, items, ', ', resources.length);
}

function factorsText(state: ActionState, link: string): string {
  const { risk } = state;
  const head = `*Why ${risk.tier}* (policy ${escapeMrkdwn(risk.policyVersion)})\n`;
  if (risk.factors.length === 0) return `${head}• nothing scored`;
  const items = risk.factors.map((f) => {
    const { text, cut } = cutText(escapeMrkdwn(f.detail), ITEM_MAX);
    return { text: `• ${f.points ? `+${f.points} ` : ''}${escapeMrkdwn(f.name)}: ${text}`, cut };
  });
  return fitList(SLACK_LIMITS.text, link, head, items, '\n');
}

function previewText(state: ActionState, link: string): string {
  const preview = state.risk.preview;
  if (preview?.summary) return fit(SLACK_LIMITS.text, link, '*Preview*\n', escapeMrkdwn(preview.summary));
  return fit(SLACK_LIMITS.text, link, '*Preview*\n_preview unavailable_', preview?.error ? `: ${escapeMrkdwn(preview.error)}` : '');
}

/** Says that an approval also stands for later like actions (their uses are noted in the card's thread). */
function standingNote(approvals: Approval[]): string {
  const standing = approvals.find((a) => a.standing)?.standing;
  return standing ? ` (standing: also the next ${standing.count} like actions of this session for ${standing.minutes} min; uses in the thread)` : '';
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
      return `:white_check_mark: Approved by ${who(counted)}${standingNote(counted)} — executing`;
    case 'succeeded':
      return `:white_check_mark: Approved by ${who(counted)}${standingNote(counted)} — executed`;
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

/** The card's buttons: the three decisions (naming the version shown) while awaiting approval, and the Temporal link. */
function decisionActions(state: ActionState, buttons: boolean, offer?: StandingTerms): ActionsBlock {
  const version = currentVersion(state);
  const ref = { actionId: state.id, version: version.version, paramsSha256: version.paramsSha256 };
  const value = encodeCardRef(ref);
  const standing =
    offer && offer.count > 0 && state.risk.tier === 'review'
      ? [
          {
            type: 'button' as const,
            action_id: SLACK_IDS.approveStanding,
            value: encodeCardRef({ ...ref, standing: offer }),
            text: { type: 'plain_text' as const, text: `Approve this and the next ${offer.count} like it` },
          },
        ]
      : [];
  const link = {
    type: 'button' as const,
    action_id: SLACK_IDS.openTemporal,
    text: { type: 'plain_text' as const, text: 'Open in Temporal' },
    url: state.links.temporalUi,
  };
  return {
    type: 'actions',
    block_id: 'airlock_decision',
    elements: buttons
      ? [
          { type: 'button', action_id: SLACK_IDS.approve, style: 'primary', value, text: { type: 'plain_text', text: 'Approve' } },
          ...standing,
          { type: 'button', action_id: SLACK_IDS.edit, value, text: { type: 'plain_text', text: 'Edit & approve' } },
          { type: 'button', action_id: SLACK_IDS.reject, style: 'danger', value, text: { type: 'plain_text', text: 'Reject' } },
          link,
        ]
      : [link],
  };
}

const cardTitle = (state: ActionState) => `${TIER_BADGE[state.risk.tier]} · risk ${state.risk.score} — ${state.tool} in ${state.environment}`;

/**
 * The approval card, for `chat.postMessage` and every later `chat.update`.
 * Agent text is escaped first and cut after, so every block keeps to
 * {@link SLACK_LIMITS} whatever the agent sent; what is cut says so and links
 * to the full call.
 */
export function approvalCard(ctx: CardContext): SlackMessage {
  const { state } = ctx;
  const link = state.links.temporalUi;
  const version = currentVersion(state);
  const title = cardTitle(state);
  const field = (head: string, body: string) => md(fit(SLACK_LIMITS.field, link, head, body));
  const section = (text: string): KnownBlock => ({ type: 'section', text: md(text) });
  const edited = version.version > 1 ? ` (version ${version.version}, edited by ${mention(version.by)})` : '';
  const approvers = ctx.approvers.map(mention).join(', ') || '_nobody is configured_';
  const plural = state.risk.approvalsRequired === 1 ? '' : 's';

  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cutText(neutralise(`${ctx.escalated ? 'Escalated: ' : ''}${title}`), SLACK_LIMITS.header).text } },
    {
      type: 'section',
      fields: [
        field('*Agent*\n', `${escapeMrkdwn(state.agentId)} (owner ${mention(ctx.owner)})`),
        field('*Session*\n', escapeMrkdwn(state.sessionId)),
        field('*Tool*\n', `\`${escapeMrkdwn(state.tool)}\``),
        field('*Operation · environment*\n', `${state.operation} · ${state.environment}`),
      ],
    },
    section(resourcesText(ctx.resources, link)),
    // Quoting comes before cutting, so a justification of newlines cannot multiply past the limit.
    section(fit(SLACK_LIMITS.text, link, '*Justification*\n>', escapeMrkdwn(ctx.justification).replaceAll('\n', '\n>'))),
    section(fit(SLACK_LIMITS.text, link, `*Parameters*${edited}\n`, escapeMrkdwn(JSON.stringify(version.parameters, null, 2)), { code: true })),
    section(previewText(state, link)),
    section(factorsText(state, link)),
    {
      type: 'context',
      elements: [
        md(
          fit(SLACK_LIMITS.text, link, `Needs ${state.risk.approvalsRequired} approval${plural} from `, approvers, {
            tail: ` · expires ${slackDate(ctx.expiresAt)} · action \`${state.id}\``,
          }),
        ),
      ],
    },
    section(fit(SLACK_LIMITS.text, link, '*', decisionLine(ctx), { tail: '*' })),
    decisionActions(state, state.status === 'awaiting_approval', ctx.standingOffer),
  ];

  return { text: cutText(`${title}: ${decisionLine(ctx).replace(/^:[a-z_]+: /, '')}`, SLACK_LIMITS.text).text, blocks };
}

/**
 * The card reduced to what cannot be too long: id, tool, tier, score, status
 * and the link, with the decision buttons while awaiting approval (unless
 * `buttons` is false). Posted when Slack refuses the full card, so an action
 * never waits without one.
 */
export function minimalCard(ctx: CardContext, options: { note?: string; buttons?: boolean } = {}): SlackMessage {
  const { state } = ctx;
  const note = options.note ?? 'Slack could not show the full card; everything is in the Temporal UI.';
  const text =
    `*${TIER_BADGE[state.risk.tier]} · risk ${state.risk.score}* — \`${state.tool}\` in ${state.environment} · action \`${state.id}\` · ${state.status.replace('_', ' ')}\n` +
    `${note} <${state.links.temporalUi}|Open in Temporal>`;
  return {
    text: `${cardTitle(state)}: ${state.status.replace('_', ' ')}`,
    blocks: [
      { type: 'section', text: md(cutText(text, SLACK_LIMITS.text).text) },
      decisionActions(state, (options.buttons ?? true) && state.status === 'awaiting_approval'),
    ],
  };
}

/** The thread reply that reminds the approvers. */
export function reminderText(ctx: CardContext): string {
  return `:bell: Reminder: ${ctx.approvers.map(mention).join(' ')} — this action still needs ${
    ctx.state.risk.approvalsRequired - countedApprovals(ctx.state).length
  } approval(s); it expires ${slackDate(ctx.expiresAt)}.`;
}

// Thread replies and direct messages are plain text, where Slack allows far
// more; their agent-supplied parts are still cut, so they stay readable.
const brief = (text: string) => cutText(escapeMrkdwn(text), 2000).text;

/** The thread reply with the execution result. */
export function resultText(state: ActionState): string {
  if (state.status === 'succeeded') {
    return `:white_check_mark: Executed: succeeded after ${state.attempts} attempt${state.attempts === 1 ? '' : 's'} (HTTP ${state.result?.httpStatus}).`;
  }
  return `:x: Execution failed after ${state.attempts} attempt${state.attempts === 1 ? '' : 's'}: ${brief(state.error?.message ?? 'unknown error')}.`;
}

/** The direct message to the agent's owner when an action is rejected or fails. */
export function ownerNotice(state: ActionState): string {
  const what = `\`${escapeMrkdwn(state.tool)}\` by your agent *${escapeMrkdwn(state.agentId)}* in ${state.environment} (action \`${state.id}\`)`;
  if (state.status === 'rejected') {
    const last = state.approvals[state.approvals.length - 1];
    return `:no_entry: ${what} was rejected by ${last ? mention(last.by) : 'an approver'}${last?.reason ? `: ${brief(last.reason)}` : ''}. <${state.links.temporalUi}|Details>`;
  }
  return `:x: ${what} failed after ${state.attempts} attempt(s): ${brief(state.error?.message ?? 'unknown error')}. <${state.links.temporalUi}|Details>`;
}

/** A modal that carries its card's reference in `private_metadata`; without `submit` it only informs. */
function modal(callbackId: string, meta: ModalMetadata, title: string, submit: string | undefined, blocks: View['blocks']): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: encodeModalMetadata(meta),
    title: { type: 'plain_text', text: title },
    ...(submit ? { submit: { type: 'plain_text' as const, text: submit } } : {}),
    close: { type: 'plain_text', text: submit ? 'Cancel' : 'Close' },
    blocks,
  };
}

/** The modal that asks for the reason of a rejection (required, at most 2 000 characters). */
export function rejectModal(meta: ModalMetadata, state: ActionState): View {
  return modal(SLACK_IDS.rejectView, meta, 'Reject action', 'Reject', [
    {
      type: 'section',
      text: md(`Reject version ${meta.version} of \`${escapeMrkdwn(state.tool)}\` by *${escapeMrkdwn(state.agentId)}* in ${state.environment}? The agent sees your reason.`),
    },
    {
      type: 'input',
      block_id: SLACK_IDS.reasonBlock,
      label: { type: 'plain_text', text: 'Reason' },
      element: { type: 'plain_text_input', action_id: SLACK_IDS.reasonInput, multiline: true, min_length: 1, max_length: 2000 },
    },
  ]);
}

/**
 * The modal to edit the parameters (and declared impact) before approving. It
 * never prefills cut JSON: parameters too long for Slack's input get a modal
 * that says so and points to the API instead.
 */
export function editModal(meta: ModalMetadata, state: ActionState): View {
  const version = currentVersion(state);
  const json = visibleJson(version.parameters);
  if (utf8Length(json) > SLACK_LIMITS.inputValue) {
    return modal(SLACK_IDS.editView, meta, 'Edit & approve', undefined, [
      {
        type: 'section',
        text: md(
          `The parameters of version ${version.version} are ${utf8Length(json)} bytes: too large to edit in Slack, whose input holds ${SLACK_LIMITS.inputValue}. ` +
            `Approve or reject them on the card, or send the edit through the API: \`POST /v1/actions/${state.id}/decision\` with \`edit\` and \`"version": ${version.version}\`.`,
        ),
      },
    ]);
  }
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
      text: md(`What executes is exactly what you approve here (an edit of version ${version.version}). The edit is re-scored: if its tier rises, it needs that tier’s approvals.`),
    },
    {
      type: 'input',
      block_id: SLACK_IDS.parametersBlock,
      label: { type: 'plain_text', text: 'Parameters (JSON object)' },
      element: { type: 'plain_text_input', action_id: SLACK_IDS.parametersInput, multiline: true, initial_value: json },
    },
    numberInput(SLACK_IDS.recordsBlock, SLACK_IDS.recordsInput, 'Records touched', version.impact.records),
    numberInput(SLACK_IDS.amountBlock, SLACK_IDS.amountInput, 'Money moved (USD)', version.impact.amountUsd),
    numberInput(SLACK_IDS.usersBlock, SLACK_IDS.usersInput, 'Users affected', version.impact.users),
  ]);
}
