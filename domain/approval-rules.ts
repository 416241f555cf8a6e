import type { ActionRequest, ActionState, Approval, Tier } from './action.js';
import { approvalsRequired, assess, higherTier } from './assess.js';
import type { DecisionInput } from './decision.js';
import type { ActionInput } from './input.js';

/** Why a decision was refused; `type` is stable for callers to branch on. */
export interface Refusal {
  type: 'NotAwaitingApproval' | 'ApproverNotAllowed' | 'OwnerMayNotApprove' | 'AlreadyDecided';
  message: string;
}

/** Who may decide an action of `tier`: people, operator ids or Slack user groups. */
export function eligibleApprovers(input: ActionInput, tier: Tier): string[] {
  const { reviewers, criticalApprovers } = input.approvals;
  // Critical approvers are the more trusted group, so they may also decide reviews.
  return tier === 'critical' ? [...criticalApprovers] : [...new Set([...reviewers, ...criticalApprovers])];
}

function isEligible(input: ActionInput, tier: Tier, ids: readonly string[]): boolean {
  const eligible = eligibleApprovers(input, tier);
  return ids.some((id) => eligible.includes(id));
}

/** The version of the action that would execute now. */
export function currentVersion(state: ActionState) {
  return state.versions[state.versions.length - 1]!;
}

/** Approvals that count towards executing the current version. */
export function countedApprovals(state: ActionState): Approval[] {
  const { version } = currentVersion(state);
  return state.approvals.filter((a) => a.decision === 'approve' && a.version === version);
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
    return { type: 'OwnerMayNotApprove', message: `${d.by} owns agent ${input.agent.id} and may not approve its actions` };
  }
  if (!isEligible(input, state.risk.tier, d.ids)) {
    return { type: 'ApproverNotAllowed', message: `${d.by} may not decide ${state.risk.tier} actions` };
  }
  // One decision per person per version: an edit is a new thing to approve.
  const { version } = currentVersion(state);
  if (state.approvals.some((a) => a.by === d.by && a.version === version)) {
    return { type: 'AlreadyDecided', message: `${d.by} has already decided this action` };
  }
  return undefined;
}

/**
 * Applies an accepted decision and returns the next state. An edit becomes a
 * new version, re-scored: its tier is the higher of the old and the new (an
 * edit never lowers the bar), earlier approvals do not carry over, and the
 * editor's own approval counts only if they may decide the new tier.
 */
export function applyDecision(input: ActionInput, state: ActionState, d: DecisionInput, at: string): ActionState {
  let next = state;
  if (d.edit) {
    const previous = currentVersion(state);
    const impact = d.edit.impact ?? previous.impact;
    const request: ActionRequest = { ...input.request, parameters: d.edit.parameters, impact };
    const rescored = assess(request, input.tool, input.policy);
    const tier = higherTier(state.risk.tier, rescored.tier);
    const version = previous.version + 1;
    next = {
      ...next,
      risk: {
        ...rescored,
        tier,
        approvalsRequired: approvalsRequired(tier),
        factors: [
          ...rescored.factors,
          ...(tier !== rescored.tier ? [{ name: 'edit', points: 0, detail: `an edit keeps the tier at ${tier}` }] : []),
        ],
      },
      versions: [...state.versions, { version, parameters: d.edit.parameters, impact, by: d.by, at }],
    };
    if (tier === 'deny') return { ...next, status: 'denied', updatedAt: at };
    if (!isEligible(input, tier, d.ids)) return { ...next, updatedAt: at };
  }
  const approval: Approval = {
    by: d.by,
    decision: d.decision,
    at,
    via: d.via,
    version: currentVersion(next).version,
    ...(d.reason === undefined ? {} : { reason: d.reason }),
  };
  next = { ...next, approvals: [...next.approvals, approval], updatedAt: at };
  if (d.decision === 'reject') return { ...next, status: 'rejected' };
  if (countedApprovals(next).length >= next.risk.approvalsRequired) return { ...next, status: 'approved' };
  return next;
}
