import { z } from 'zod';
import { Impact, type DecisionChannel } from './action.js';

/** An approver's change to what the action does; the impact replaces the agent's where given. */
export const ActionEdit = z.strictObject({
  parameters: z.record(z.string(), z.unknown()),
  impact: Impact.optional(),
});
export type ActionEdit = z.infer<typeof ActionEdit>;

/** The body of `POST /v1/actions/:id/decision`. A rejection must say why. */
export const DecisionBody = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    reason: z.string().trim().min(1).max(2000).optional(),
    /** Approve an edited version: what executes is exactly this, re-scored. */
    edit: ActionEdit.optional(),
  })
  .refine((d) => d.decision === 'approve' || d.reason !== undefined, {
    message: 'a rejection needs a reason',
    path: ['reason'],
  })
  .refine((d) => d.decision === 'approve' || d.edit === undefined, {
    message: 'only an approval can carry an edit',
    path: ['edit'],
  });
export type DecisionBody = z.infer<typeof DecisionBody>;

/** A decision as the workflow receives it, after the caller has been authenticated. */
export interface DecisionInput extends DecisionBody {
  /** The person the decision counts as (an operator's Slack user id when it has one). */
  by: string;
  /** Every id this person is known by, for matching the approver lists. */
  ids: string[];
  via: DecisionChannel;
}

