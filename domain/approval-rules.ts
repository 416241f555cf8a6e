import type { ActionState } from './action.js';
import type { DecisionInput } from './decision.js';
import type { ActionInput } from './input.js';

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
