import { z } from 'zod';
import type { ActionState, DecisionChannel } from './action.js';
import type { ActionInput } from './input.js';

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

/** Why a decision was refused; `type` is stable for callers to branch on. */
export interface Refusal {
  type: 'NotAwaitingApproval' | 'ApproverNotAllowed' | 'OwnerMayNotApprove' | 'AlreadyDecided';
  message: string;
}

/** Who may decide an action of the tier the action was assessed at. */
export function eligibleApprovers(input: ActionInput, state: ActionState): string[] {
  const { reviewers, criticalApprovers } = input.approvals;
  // Critical approvers are the more trusted group, so they may also decide reviews.
  return state.risk.tier === 'critical' ? [...criticalApprovers] : [...new Set([...reviewers, ...criticalApprovers])];
}

/**
 * The one authority on whether a decision may be recorded; the workflow's Update
 * validator calls it, so every channel (API, CLI, Slack) gets the same answer.
 */
export function refuseDecision(input: ActionInput, state: ActionState, d: DecisionInput): Refusal | undefined {
  if (state.status !== 'awaiting_approval') {
    return { type: 'NotAwaitingApproval', message: `action ${state.id} is ${state.status}; it can no longer be decided` };
  }
  if (d.decision === 'approve' && d.ids.includes(input.agent.owner)) {
    return {
      type: 'OwnerMayNotApprove',
      message: `${d.by} owns agent ${input.agent.id} and may not approve its actions`,
    };
  }
  const eligible = eligibleApprovers(input, state);
  if (!d.ids.some((id) => eligible.includes(id))) {
    return { type: 'ApproverNotAllowed', message: `${d.by} may not decide ${state.risk.tier} actions` };
  }
  if (state.approvals.some((a) => a.by === d.by)) {
    return { type: 'AlreadyDecided', message: `${d.by} has already decided this action` };
  }
  return undefined;
}
