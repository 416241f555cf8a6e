import { z } from 'zod';
import { ActionStatus, Operation, SessionId, Sensitivity, Tier } from './action.js';
import { Duration } from './duration.js';

/** The body of `POST /v1/sessions`: what the agent sets out to do, and the bounds it accepts for it. */
export const SessionBody = z.strictObject({
  sessionId: SessionId,
  intent: z.string().trim().min(1).max(2000),
  /** Tool globs, each within the agent's own; by default all of the agent's tools. */
  allowedTools: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  /** Points the session's executed actions may add up to before each further one needs review. */
  riskBudget: z.number().int().min(0).max(1_000_000).optional(),
  ttl: Duration.optional(),
});
export type SessionBody = z.infer<typeof SessionBody>;

export const SessionStatus = z.enum(['open', 'closed', 'expired']);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** One settled action of the session. */
export const SessionAction = z.object({
  actionId: z.string(),
  tool: z.string(),
  tier: Tier,
  score: z.number(),
  outcome: ActionStatus,
  at: z.string(),
});
export type SessionAction = z.infer<typeof SessionAction>;

/** What an executed action of the session did, as sequence rules see it. */
export const SessionTouch = z.object({
  tool: z.string(),
  operation: Operation,
  /** The highest sensitivity the action touched. */
  sensitivity: Sensitivity,
  egress: z.boolean(),
});
export type SessionTouch = z.infer<typeof SessionTouch>;

/** A standing approval: one approver's review-tier approval that also covers later like actions. */
export const StandingGrant = z.object({
  /** The approved action. */
  actionId: z.string(),
  tool: z.string(),
  /** Covered actions score no higher than the approved one. */
  maxScore: z.number(),
  count: z.number().int(),
  remaining: z.number().int(),
  expiresAt: z.string(),
  by: z.string(),
  ids: z.array(z.string()),
  grantedAt: z.string(),
  /** The actions it covered, in order. */
  covered: z.array(z.string()),
  /** The approved action's card: each use is noted in its thread. */
  card: z.object({ channel: z.string(), ts: z.string() }).optional(),
});
export type StandingGrant = z.infer<typeof StandingGrant>;

/** The state of a session: the same shape from the API, the session workflow's query and its memo. */
export const SessionState = z.object({
  sessionId: z.string(),
  agentId: z.string(),
  status: SessionStatus,
  intent: z.string(),
  allowedTools: z.array(z.string()),
  riskBudget: z.number(),
  /** The sum of the scores of the session's executed (succeeded) actions. */
  spent: z.number(),
  actions: z.object({ count: z.number().int(), recent: z.array(SessionAction) }),
  /** Opened by the agent's declaration, or by an action naming an undeclared session (`sessions.defaults`). */
  openedBy: z.enum(['agent', 'defaults']),
  openedAt: z.string(),
  expiresAt: z.string(),
  closedBy: z.string().optional(),
  closedAt: z.string().optional(),
  /** What the session's executed actions did, once per kind (sequence rules). */
  touched: z.array(SessionTouch),
  /**
   * Actions that may start a sequence, recorded before they run: counted as
   * touched until they settle, so the step after them cannot outrun the record.
   */
  pending: z.array(z.object({ actionId: z.string(), touch: SessionTouch })).optional(),
  standing: z.array(StandingGrant),
});
export type SessionState = z.infer<typeof SessionState>;
