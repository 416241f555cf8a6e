import { z } from 'zod';
import { Impact, Parameters, type DecisionChannel } from './action.js';

/** An approver's change to what the action does; the impact replaces the agent's where given. */
export const ActionEdit = z.strictObject({
  parameters: Parameters,
  impact: Impact.optional(),
});
export type ActionEdit = z.infer<typeof ActionEdit>;

/** How far a standing approval reaches: the next `count` like actions, for `minutes`. */
export const StandingTerms = z.strictObject({
  count: z.number().int().min(1).max(100),
  minutes: z.number().int().min(1).max(24 * 60),
});
export type StandingTerms = z.infer<typeof StandingTerms>;

/** Why a decision was made; the agent and its owner read it. */
export const DecisionReason = z.string().trim().min(1).max(2000);

/** The body of `POST /v1/actions/:id/decision`. A rejection must say why. */
export const DecisionBody = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    /** The version decided, as the decider saw it: a decision on any other version is refused (`stale_version`). */
    version: z.number().int().min(1),
    /** Optionally, the hash of that version's parameters, checked too. */
    paramsSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits').optional(),
    reason: DecisionReason.optional(),
    /** Approve an edited version: what executes is exactly this, re-scored. */
    edit: ActionEdit.optional(),
    /**
     * A bounded standing approval (review tier only): it also covers the next
     * `count` actions of the same session and tool, for `minutes`, that score no higher.
     */
    standing: StandingTerms.optional(),
  })
  .refine((d) => d.decision === 'approve' || d.reason !== undefined, {
    message: 'a rejection needs a reason',
    path: ['reason'],
  })
  .refine((d) => d.decision === 'approve' || d.edit === undefined, {
    message: 'only an approval can carry an edit',
    path: ['edit'],
  })
  .refine((d) => d.decision === 'approve' || d.standing === undefined, {
    message: 'only an approval can be standing',
    path: ['standing'],
  });
export type DecisionBody = z.infer<typeof DecisionBody>;

/** Who decides: the id the decision counts as, and everything that person is known by. */
export interface Identity {
  /** The person the decision counts as (an operator's Slack user id when it has one). */
  by: string;
  /** Every personal id of this person (Slack user id, operator ids): two decisions sharing one are the same person's. */
  ids: string[];
  /** Slack user groups the person is in: count for eligibility, never for identity. */
  groups: string[];
}

/** A decision as the workflow receives it, after the caller has been authenticated. */
export interface DecisionInput extends DecisionBody, Identity {
  via: DecisionChannel;
}
