import type { ActionState } from '../domain/action.js';
import type { ErrorBody } from '../api/error-body.js';
import type { FieldIssue } from '../lib/issues.js';

/** What the API said about an error, or what the client saw instead (a transport failure). */
interface ErrorFacts {
  code: string;
  /** The HTTP status of the answer; 0 when no answer came (transport failure). */
  status: number;
  state?: ActionState;
  details?: ErrorBody['error']['details'];
  cause?: unknown;
}

/**
 * Every error of the typed client. `code` is the API's error code (`agent_frozen`,
 * `invalid_request`…) or, for an action that ended otherwise than succeeded, its
 * outcome (`rejected`, `needs_approval`…); `state` is the action's state when there is one.
 */
export class AirlockError extends Error {
  readonly code: string;
  /** The HTTP status of the answer that settled it; 0 when no answer came. */
  readonly status: number;
  readonly state: ActionState | undefined;
  readonly details: ErrorBody['error']['details'] | undefined;

  constructor(message: string, facts: ErrorFacts) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.name = new.target.name;
    this.code = facts.code;
    this.status = facts.status;
    this.state = facts.state;
    this.details = facts.details;
  }
}

/**
 * Thrown by the client when the API refused a request with an error not given
 * a class of its own (`invalid_request`, `claim_mismatch`, `forbidden`, `not_found`,
 * `conflict`, `idempotency_conflict`, `loop_detected`, `session_closed`…).
 * On a 400, `fields` names every bad field (`parameters.amount`, `query.wait`).
 */
export class ApiRequestError extends AirlockError {
  /** The bad fields of a 400, as the API named them; empty otherwise. */
  get fields(): FieldIssue[] {
    return Array.isArray(this.details) ? this.details : [];
  }
}

/** Thrown by the client when the key is missing, unknown or revoked (401). */
export class Unauthorized extends AirlockError {}

/** Thrown by the client when the agent is frozen (423 `agent_frozen`): `details` say by whom and why. */
export class Frozen extends AirlockError {}

/**
 * Thrown by the client when a 429 (`rate_limited`, `too_many_pending`) was still
 * the answer after its bounded retries, or asked for a longer wait than the client accepts.
 */
export class RateLimited extends AirlockError {
  constructor(
    message: string,
    facts: ErrorFacts,
    /** What the last `Retry-After` said, in seconds. */
    readonly retryAfterS: number | undefined,
  ) {
    super(message, facts);
  }
}

/**
 * Thrown by the client when Airlock could not be reached, or answered 503
 * (`temporal_unavailable`, `worker_unavailable`), after its bounded retries.
 */
export class Unavailable extends AirlockError {}

/** Thrown by `run` when the action awaits a human decision past the caller's wait; `state` says who must decide. */
export class NeedsApproval extends AirlockError {}

/** Thrown by `run` when a person rejected the action; `reason` is theirs. */
export class Rejected extends AirlockError {
  get reason(): string | undefined {
    return this.state?.approvals.filter((a) => a.decision === 'reject').at(-1)?.reason;
  }
}

/** Thrown by `run` when the policy refused the action outright (tier `deny`). */
export class Denied extends AirlockError {}

/** Thrown by `run` when nobody decided within the approval timeout. */
export class Expired extends AirlockError {}

/** Thrown by `run` when the action was cancelled (by the agent, an operator, a freeze or its session's close). */
export class Cancelled extends AirlockError {}

/** Thrown by `run` when the action was approved but its execution failed (`state.error` says how). */
export class Failed extends AirlockError {}

/** Thrown by `run` when the action was still on its way (assessing, approved, executing) at the caller's timeout. */
export class TimedOut extends AirlockError {}

/** The error for an action that ended, or stopped waiting, otherwise than succeeded; undefined for a success. */
export function outcomeError(state: ActionState, status: number): AirlockError | undefined {
  const facts = { code: state.status as string, status, state };
  const id = `action ${state.id} (${state.tool})`;
  switch (state.status) {
    case 'succeeded':
      return undefined;
    case 'awaiting_approval':
      return new NeedsApproval(
        `${id} awaits approval (${state.risk.tier}, ${state.risk.approvalsRequired} approval(s) needed); wait for it with wait('${state.id}')`,
        { ...facts, code: 'needs_approval' },
      );
    case 'rejected': {
      const error = new Rejected('', facts);
      error.message = `${id} was rejected: ${error.reason ?? 'no reason given'}`;
      return error;
    }
    case 'denied':
      return new Denied(`${id} was denied by policy (score ${state.risk.score}, tier ${state.risk.tier})`, facts);
    case 'expired':
      return new Expired(`${id} expired: nobody decided in time`, facts);
    case 'cancelled':
      return new Cancelled(`${id} was cancelled by ${state.cancelledBy ?? 'someone'}${state.cancelReason ? `: ${state.cancelReason}` : ''}`, facts);
    case 'failed':
      return new Failed(`${id} failed: ${state.error?.message ?? 'no error recorded'}`, facts);
    default:
      return new TimedOut(`${id} is still ${state.status}`, { ...facts, code: 'timed_out' });
  }
}
