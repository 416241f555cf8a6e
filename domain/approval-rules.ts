import type { ActionState, Approval, Risk, Tier } from './action.js';
import { approvalsRequired, higherTier } from './tiers.js';
import type { DecisionInput, StandingTerms } from './decision.js';
import type { ActionInput } from './input.js';

/** Why a decision was refused; `type` is stable for callers to branch on. */
export interface Refusal {
  type:
    | 'NotAwaitingApproval'
    | 'StaleVersion'
    | 'EditInProgress'
    | 'ApproverNotAllowed'
    | 'OwnerMayNotApprove'
    | 'AlreadyDecided'
    | 'StandingNotAllowed';
  message: string;
  /** Facts a caller can act on (the current version, for a stale decision). */
  details?: Record<string, unknown>;
}

/** Who may decide an action of `tier`: people, operator ids or Slack user groups (the MCP server names them too). */
export function eligibleApprovers(input: Pick<ActionInput, 'approvals'>, tier: Tier): string[] {
  const { reviewers, criticalApprovers } = input.approvals;
  // Critical approvers are the more trusted group, so they may also decide reviews.
  return tier === 'critical' ? [...criticalApprovers] : [...new Set([...reviewers, ...criticalApprovers])];
}

function isEligible(input: ActionInput, tier: Tier, d: Pick<DecisionInput, 'ids' | 'groups'>): boolean {
  const eligible = eligibleApprovers(input, tier);
  return [...d.ids, ...d.groups].some((id) => eligible.includes(id));
}

/** The version of the action that would execute now. */
export function currentVersion(state: ActionState) {
  return state.versions[state.versions.length - 1]!;
}

/** Approvals that count towards executing the current version (not lapsed). */
export function countedApprovals(state: ActionState): Approval[] {
  const { version } = currentVersion(state);
  return state.approvals.filter((a) => a.decision === 'approve' && a.version === version && !a.lapsed);
}

/**
 * Marks approvals older than `approvals.maxAge` as lapsed, as of `now` (the
 * workflow's clock). Inputs from before `maxAge` existed carry none, and keep
 * every approval, so their replay is unchanged.
 */
export function lapseApprovals(input: ActionInput, state: ActionState, now: number): ActionState {
  const { maxAge } = input.approvals as { maxAge?: number };
  if (maxAge === undefined) return state;
  const stale = (a: Approval) => a.decision === 'approve' && !a.lapsed && Date.parse(a.at) <= now - maxAge;
  if (!state.approvals.some(stale)) return state;
  return { ...state, approvals: state.approvals.map((a) => (stale(a) ? { ...a, lapsed: true } : a)) };
}

/**
 * The one authority on whether a decision may be recorded; the workflow's Update
 * validator calls it, so every channel (API, CLI, Slack) gets the same answer.
 */
export function refuseDecision(input: ActionInput, state: ActionState, d: DecisionInput): Refusal | undefined {
  if (state.status !== 'awaiting_approval') {
    return { type: 'NotAwaitingApproval', message: `action ${state.id} is ${state.status}; it can no longer be decided` };
  }
  // A decision is about what its decider saw: anything but the current version is stale.
  const current = currentVersion(state);
  if (d.version !== current.version || (d.paramsSha256 !== undefined && d.paramsSha256 !== current.paramsSha256)) {
    return {
      type: 'StaleVersion',
      message: `this card is out of date; the current version is v${current.version}`,
      details: { currentVersion: current.version, paramsSha256: current.paramsSha256 },
    };
  }
  if (d.decision === 'approve' && d.ids.includes(input.agent.owner)) {
    return { type: 'OwnerMayNotApprove', message: `${d.by} owns agent ${input.agent.id} and may not approve its actions` };
  }
  if (!isEligible(input, state.risk.tier, d)) {
    return { type: 'ApproverNotAllowed', message: `${d.by} may not decide ${state.risk.tier} actions` };
  }
  if (d.standing) {
    const refusal = refuseStanding(input, state, d.standing);
    if (refusal) return { type: 'StandingNotAllowed', message: refusal };
  }
  // One decision per person per version, whichever of their ids it came under: an edit is a new thing to approve.
  const known = new Set([d.by, ...d.ids]);
  if (state.approvals.some((a) => a.version === current.version && !a.lapsed && [a.by, ...a.ids].some((id) => known.has(id)))) {
    return { type: 'AlreadyDecided', message: `${d.by} has already decided this action` };
  }
  return undefined;
}

/** Why a standing approval cannot be given here, if it cannot: review tier only, within `approvals.standing`. */
function refuseStanding(input: ActionInput, state: ActionState, terms: StandingTerms): string | undefined {
  // Inputs from before standing approvals carry no bounds: none can be given on them.
  const offer = (input.approvals as { standing?: { count: number; minutes: number } }).standing;
  if (!offer || offer.count === 0 || !input.session) return 'standing approvals are not enabled for this action (approvals.standing)';
  if (state.risk.tier !== 'review') return `standing approvals cover review-tier actions only; this one is ${state.risk.tier}`;
  if (terms.count > offer.count) return `standing.count: at most ${offer.count} (approvals.standing.count)`;
  if (terms.minutes > offer.minutes) return `standing.minutes: at most ${offer.minutes} (approvals.standing.minutes)`;
  return undefined;
}

/** An edit's assessment, made outside the workflow (the assessment activity). */
export interface EditAssessment {
  risk: Risk;
  paramsSha256: string;
}

/**
 * Applies an accepted decision and returns the next state. An edit becomes a
 * new version with the risk assessed for it: its tier is the higher of the old
 * and the new (an edit never lowers the bar), earlier approvals do not carry
 * over, and the editor's own approval counts only if they may decide the new tier.
 */
export function applyDecision(
  input: ActionInput,
  state: ActionState,
  d: DecisionInput,
  at: string,
  edit?: EditAssessment,
): ActionState {
  let next = state;
  if (d.edit && edit) {
    const previous = currentVersion(state);
    const rescored = edit.risk;
    const tier = higherTier(state.risk.tier, rescored.tier);
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
      versions: [
        ...state.versions,
        {
          version: previous.version + 1,
          parameters: d.edit.parameters,
          impact: d.edit.impact ?? previous.impact,
          paramsSha256: edit.paramsSha256,
          by: d.by,
          at,
        },
      ],
    };
    if (tier === 'deny') return { ...next, status: 'denied', updatedAt: at };
    if (!isEligible(input, tier, d)) return { ...next, updatedAt: at };
  }
  const decided = currentVersion(next);
  const approval: Approval = {
    by: d.by,
    decision: d.decision,
    at,
    via: d.via,
    version: decided.version,
    paramsSha256: decided.paramsSha256,
    ids: d.ids,
    ...(d.reason === undefined ? {} : { reason: d.reason }),
    ...(d.standing === undefined || d.decision !== 'approve' ? {} : { standing: d.standing }),
  };
  next = { ...next, approvals: [...next.approvals, approval], updatedAt: at };
  if (d.decision === 'reject') return { ...next, status: 'rejected' };
  if (countedApprovals(next).length >= next.risk.approvalsRequired) return { ...next, status: 'approved' };
  return next;
}
