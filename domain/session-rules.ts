// Pure rules of a session, shared by its workflow (deterministic code: no zod,
// no I/O here) and the API, which reads the state from the workflow's memo.
import type { ActionStatus, Tier } from './action.js';
import type { SessionAction, SessionState, SessionStatus, SessionTouch, StandingGrant } from './session.js';

/** Settled actions a session shows (its count keeps counting). */
export const RECENT_ACTIONS = 10;

/** `sessions.batchWindow` by default: how long a worker gathers the executed actions of a session far from its budget before telling it. */
export const SESSION_BATCH_WINDOW_MS = 30_000;
/** The longest `sessions.batchWindow`. */
export const MAX_SESSION_BATCH_WINDOW_MS = 60_000;

/**
 * How long an ended session still takes the outcomes its workers gathered
 * before it ended: longer than any batch is held, with room for the signal.
 * Without it, the last actions of a closed session would never count.
 */
export const SESSION_LINGER_MS = MAX_SESSION_BATCH_WINDOW_MS + 10_000;

/** What the action workflow tells its session when it settles. */
export interface SessionOutcome {
  actionId: string;
  tool: string;
  tier: Tier;
  score: number;
  outcome: ActionStatus;
  at: string;
  /** Set when the action executed: it counts for the budget and the sequence rules. */
  touch?: SessionTouch;
}

/** The session's status at `now`: an open session past its `expiresAt` is expired, whether or not its timer has fired yet. */
export function statusAt(state: SessionState, now: number): SessionStatus {
  return state.status === 'open' && Date.parse(state.expiresAt) <= now ? 'expired' : state.status;
}

/** The state after one of its actions settled. */
export function recordOutcome(state: SessionState, o: SessionOutcome): SessionState {
  // A retried signal must not count twice.
  if (state.actions.recent.some((a) => a.actionId === o.actionId)) return state;
  const entry: SessionAction = { actionId: o.actionId, tool: o.tool, tier: o.tier, score: o.score, outcome: o.outcome, at: o.at };
  const executed = o.outcome === 'succeeded';
  const touch = o.touch;
  const known = touch && state.touched.some((t) => sameTouch(t, touch));
  const pending = state.pending?.filter((p) => p.actionId !== o.actionId);
  return {
    ...state,
    ...(pending ? { pending } : {}),
    spent: executed ? state.spent + o.score : state.spent,
    actions: { count: state.actions.count + 1, recent: [...state.actions.recent, entry].slice(-RECENT_ACTIONS) },
    touched: executed && touch && !known ? [...state.touched, touch] : state.touched,
  };
}

function sameTouch(a: SessionTouch, b: SessionTouch): boolean {
  return a.tool === b.tool && a.sensitivity === b.sensitivity && a.egress === b.egress;
}

/** Records, before it runs, an action that may start a sequence; the same action again changes nothing. */
export function markPending(state: SessionState, actionId: string, touch: SessionTouch): SessionState {
  if (state.pending?.some((p) => p.actionId === actionId) || state.actions.recent.some((a) => a.actionId === actionId)) return state;
  return { ...state, pending: [...(state.pending ?? []), { actionId, touch }] };
}

/** What sequence rules see: the executed actions' touches, and those of actions recorded before running. */
export function touchesOf(state: SessionState): SessionTouch[] {
  const all = [...state.touched];
  for (const { touch } of state.pending ?? []) if (!all.some((t) => sameTouch(t, touch))) all.push(touch);
  return all;
}

/** Asks whether a standing approval covers an action about to wait for review. */
export interface StandingClaim {
  actionId: string;
  tool: string;
  tier: Tier;
  score: number;
  at: string;
}

/** The standing approval an action used, as its own approval records it. */
export interface StandingUse {
  grant: StandingGrant;
}

/**
 * Takes one use of a standing approval that covers the claim: same tool, review
 * tier (never critical), scoring no higher than the approved action, with uses
 * and time left. The same action claiming again gets the same answer (retries).
 */
export function claimStanding(state: SessionState, claim: StandingClaim): { state: SessionState; use?: StandingUse } {
  const already = state.standing.find((g) => g.covered.includes(claim.actionId));
  if (already) return { state, use: { grant: already } };
  if (claim.tier !== 'review' || statusAt(state, Date.parse(claim.at)) !== 'open') return { state };
  const index = state.standing.findIndex(
    (g) => g.tool === claim.tool && g.remaining > 0 && Date.parse(g.expiresAt) > Date.parse(claim.at) && claim.score <= g.maxScore,
  );
  if (index < 0) return { state };
  const grant = state.standing[index]!;
  const used: StandingGrant = { ...grant, remaining: grant.remaining - 1, covered: [...grant.covered, claim.actionId] };
  const standing = state.standing.map((g, i) => (i === index ? used : g));
  return { state: { ...state, standing }, use: { grant: used } };
}

/** Adds a standing approval; the same approved action granting again changes nothing. */
export function addStanding(state: SessionState, grant: StandingGrant): SessionState {
  if (state.standing.some((g) => g.actionId === grant.actionId)) return state;
  // Spent and expired grants drop off, so the state stays small however long the session lives.
  const live = state.standing.filter((g) => g.remaining > 0 && Date.parse(g.expiresAt) > Date.parse(grant.grantedAt));
  return { ...state, standing: [...live, grant] };
}
