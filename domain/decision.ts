import { z } from 'zod';
import type { DecisionChannel } from './action.js';

/** The body of `POST /v1/actions/:id/decision`. A rejection must say why. */
export const DecisionBody = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    reason: z.string().trim().min(1).max(2000).optional(),
  })
  .refine((d) => d.decision === 'approve' || d.reason !== undefined, {
    message: 'a rejection needs a reason',
    path: ['reason'],
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

