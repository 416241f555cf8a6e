import type { ActionState } from '../domain/action.js';
import { countedApprovals } from '../domain/approval-rules.js';
import type { SessionState } from '../domain/session.js';
import type { ToolRefusal } from './refusal.js';

/** The longest excerpt of the tool's answer the text carries; the whole (truncated) body is in `structuredContent`. */
const RESULT_EXCERPT = 300;

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > RESULT_EXCERPT ? `${flat.slice(0, RESULT_EXCERPT)}…` : flat;
}

/** How to wait, in the words of the tool an agent calls next. */
export function howToWait(id: string): string {
  return `call wait_for_action {"id":"${id}"} to wait (up to 50 s a call)`;
}

/**
 * One line an agent (or the model driving it) reads to know where its action
 * stands and what to do next. `approvers` are those of the configuration in
 * force, when the backend knows them (the in-process server does; a remote
 * client does not, and names the tier's role instead).
 */
export function actionSummary(state: ActionState, approvers?: readonly string[]): string {
  const { id, status, risk } = state;
  const head = `${id}: ${status} (${risk.tier}, ${risk.score})`;
  switch (status) {
    case 'awaiting_approval': {
      const missing = Math.max(1, risk.approvalsRequired - countedApprovals(state).length);
      const who = approvers && approvers.length > 0 ? approvers.join(', ') : risk.tier === 'critical' ? 'a critical approver' : 'a reviewer';
      const card = state.approvalCard?.ts ? ` (card in Slack channel ${state.approvalCard.channel})` : '';
      return `${head} — needs ${missing} approval${missing > 1 ? 's' : ''} from ${who}${card}; ${howToWait(id)}`;
    }
    case 'succeeded':
      return `${head} — the tool answered ${state.result?.httpStatus ?? '?'}: ${excerpt(state.result?.body ?? '')}`;
    case 'failed':
      return `${head} — ${state.error ? `${state.error.code}: ${state.error.message}` : 'the tool call failed'} (after ${state.attempts} attempt${state.attempts === 1 ? '' : 's'})`;
    case 'rejected': {
      const rejection = [...state.approvals].reverse().find((a) => a.decision === 'reject');
      return `${head} — rejected by ${rejection?.by ?? 'an approver'}${rejection?.reason ? `: ${rejection.reason}` : ''}; it will not run`;
    }
    case 'denied':
      return `${head} — the policy denies this action; it will not run`;
    case 'expired':
      return `${head} — nobody decided in time; it will not run`;
    case 'cancelled':
      return `${head} — cancelled by ${state.cancelledBy ?? 'someone'}${state.cancelReason ? `: ${state.cancelReason}` : ''}; it will not run`;
    default:
      // assessing, approved, executing: on its way, not settled yet.
      return `${head} — not settled yet${state.waitingFor === 'breaker' ? " (the tool's circuit breaker is open)" : ''}; ${howToWait(id)}`;
  }
}

/** One line about a session: open or not, how much of its budget is spent, until when. */
export function sessionSummary(state: SessionState): string {
  return `session ${state.sessionId}: ${state.status}, ${state.spent} of ${state.riskBudget} risk points spent, ${state.actions.count} action${
    state.actions.count === 1 ? '' : 's'
  }, expires ${state.expiresAt}; pass "sessionId":"${state.sessionId}" to request_action`;
}

/** The text of an `isError` result: the code first, so an agent can branch on it. */
export function refusalText(refusal: ToolRefusal): string {
  const retry = refusal.options.retryAfterS !== undefined ? ` (retry after ${refusal.options.retryAfterS} s)` : '';
  return `${refusal.code}: ${refusal.message}${retry}`;
}
