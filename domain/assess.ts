// Scoring runs in the API (before a workflow starts) and in the assessment
// activity, never in workflow code: its result reaches the workflow as data, so
// a change to scoring can never break the replay of an action already waiting.
import type { Environment, FoundImpact, Impact, Operation, PreviewOutcome, Risk, RiskFactor, Sensitivity, Tier } from './action.js';
import { higherSensitivity, SENSITIVITY_ORDER } from './facts.js';
import { matchesAny } from './glob.js';
import type { SessionFacts } from './input.js';
import type { SessionTouch } from './session.js';
import type { PolicyRule, ResolvedPolicy, StepCondition } from './policy.js';
import { approvalsRequired, higherTier } from './tiers.js';

export { approvalsRequired, higherTier } from './tiers.js';

/** Everything the score is computed from; only `claimed` comes from the agent, and it can only raise the score. */
export interface AssessSubject {
  tool: string;
  /** The tool's configured operation. */
  operation: Operation;
  environment: Environment;
  /** The tool's floor and each resource's sensitivity, resolved from the catalog (see `resolveSensitivities`). */
  sensitivities: Sensitivity[];
  /** What the agent (or an approver's edit) said the impact is. */
  claimed: Impact;
  /** What the tool's configured pointers found in the parameters. */
  extracted: FoundImpact;
  /** Impact fields whose pointer hit something that is not a quantity. */
  unreadable: string[];
  /** The tool's preview, when it has one: what it said, or that it could not be had. */
  preview?: PreviewOutcome;
  toolReversible: boolean;
  /** The tool sends data out (a fact of its configuration). */
  egress: boolean;
  baseRisk: number;
  /** The session the action belongs to, as it stood when the action was submitted. */
  session?: SessionFacts;
}

const QUANTITIES = { records: 'records', amountUsd: 'USD', users: 'users' } as const;
/** A found quantity more than this much above the claim means the agent understated it. */
const UNDERSTATEMENT = 1.1;

function stepPoints(value: number | undefined, steps: ResolvedPolicy['factors']['records']) {
  if (value === undefined) return undefined;
  let hit: (typeof steps)[number] | undefined;
  for (const step of steps) if (value >= step.atLeast) hit = step;
  return hit;
}

function maxDefined(...values: (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? Math.max(...defined) : undefined;
}

/**
 * Scores the blast radius of one action from facts. Each impact quantity is the
 * largest of the claim, the parameters and the preview; the sensitivity the
 * highest of floor, catalog and claim. What cannot be checked (a preview that
 * could not be had, an unreadable quantity) and what the agent understated hold
 * the action for at least review. Pure and deterministic.
 */
export function assess(subject: AssessSubject, policy: ResolvedPolicy): Risk {
  const f = policy.factors;
  const factors: RiskFactor[] = [];
  const add = (name: string, points: number, detail: string) => {
    if (points > 0) factors.push({ name, points, detail });
  };
  const floors: { name: string; detail: string }[] = [];
  const { claimed, extracted, preview } = subject;
  const previewed = preview?.status === 'ok' ? preview : undefined;

  add('environment', f.environment[subject.environment], `runs in ${subject.environment}`);
  add('operation', f.operation[subject.operation], `${subject.operation} operation`);
  const sensitivity = subject.sensitivities.reduce(higherSensitivity, SENSITIVITY_ORDER[0]!);
  add('sensitivity', f.sensitivity[sensitivity], `touches ${sensitivity} data`);

  const effective: Record<keyof typeof QUANTITIES, number | undefined> = { records: undefined, amountUsd: undefined, users: undefined };
  for (const field of Object.keys(QUANTITIES) as (keyof typeof QUANTITIES)[]) {
    const fromParameters = extracted[field];
    const fromPreview = previewed?.[field];
    const value = maxDefined(claimed[field], fromParameters, fromPreview);
    effective[field] = value;
    const found = maxDefined(fromParameters, fromPreview);
    const claim = claimed[field];
    if (claim !== undefined && found !== undefined && found > claim * UNDERSTATEMENT) {
      const source = found === fromPreview ? 'the preview says' : 'the parameters say';
      floors.push({ name: 'understated', detail: `claimed ${claim} ${QUANTITIES[field]}, ${source} ${found}` });
    }
    const step = stepPoints(value, f[field]);
    if (step) {
      const source = value === fromPreview ? ' (preview)' : value === fromParameters && value !== claim ? ' (parameters)' : '';
      add(field, step.points, `${field === 'amountUsd' ? `moves ${value} USD` : `${value} ${QUANTITIES[field]}`} (≥ ${step.atLeast})${source}`);
    }
  }
  for (const field of subject.unreadable) {
    floors.push({ name: 'unreadable_fact', detail: `${field} in the parameters is not a number Airlock can check` });
  }

  // A read changes nothing, so it cannot be irreversible; otherwise the
  // strictest of the tool, the preview and the agent's own claim wins.
  let reversible = true;
  if (subject.operation !== 'read') {
    if (!subject.toolReversible) {
      reversible = false;
      add('irreversible', f.irreversible, 'the tool cannot undo this');
    } else if (previewed?.reversible === false) {
      reversible = false;
      add('irreversible', f.irreversible, 'the preview says this cannot be undone');
    } else if (claimed.reversible === false) {
      reversible = false;
      add('irreversible', f.irreversible, 'the agent declared it irreversible');
    }
    if (claimed.reversible === true && !reversible) {
      floors.push({ name: 'understated', detail: 'claimed reversible, but it cannot be undone' });
    }
  }
  add('toolBaseRisk', subject.baseRisk, 'base risk of the tool');
  if (preview?.status === 'unavailable') {
    floors.push({ name: 'preview_unavailable', detail: `the tool's preview could not be had${preview.error ? `: ${preview.error}` : ''}` });
  }

  const score = Math.min(100, factors.reduce((sum, x) => sum + x.points, 0));
  const t = policy.thresholds;
  let tier: Tier = 'auto';
  if (score >= t.review) tier = 'review';
  if (score >= t.critical) tier = 'critical';
  if (t.deny !== undefined && score >= t.deny) tier = 'deny';

  for (const floor of floors) {
    factors.push({ name: floor.name, points: 0, detail: `${floor.detail}; needs at least review` });
    tier = higherTier(tier, 'review');
  }
  for (const rule of policy.rules) {
    if (!ruleMatches(rule, subject)) continue;
    factors.push({ name: `rule:${rule.name}`, points: 0, detail: `raises the tier to at least ${rule.tier}` });
    tier = higherTier(tier, rule.tier);
  }
  if (subject.session) {
    for (const raise of sessionFactors(subject, subject.session, score, policy)) {
      factors.push({ name: raise.name, points: 0, detail: raise.detail });
      tier = higherTier(tier, raise.tier);
    }
  }

  const found: FoundImpact = {};
  const eff: FoundImpact = {};
  for (const field of Object.keys(QUANTITIES) as (keyof typeof QUANTITIES)[]) {
    if (extracted[field] !== undefined) found[field] = extracted[field];
    if (effective[field] !== undefined) eff[field] = effective[field];
  }
  return {
    score,
    tier,
    factors,
    policyVersion: policy.version,
    approvalsRequired: approvalsRequired(tier),
    facts: { claimed, extracted: found, effective: { ...eff, reversible, sensitivity } },
    ...(preview ? { preview } : {}),
  };
}

/** The tier floors an action's session puts on it: its budget, drift from its declared tools, sequence rules. */
function sessionFactors(subject: AssessSubject, session: SessionFacts, score: number, policy: ResolvedPolicy) {
  const raises: { name: string; tier: Tier; detail: string }[] = [];
  if (session.spent + score > session.riskBudget) {
    raises.push({
      name: 'session_budget',
      tier: 'review',
      detail: `session ${session.sessionId} has spent ${session.spent} of its ${session.riskBudget} points; this action's ${score} would pass it; needs at least review`,
    });
  }
  if (!matchesAny(subject.tool, session.allowedTools)) {
    raises.push({
      name: 'drift',
      tier: session.driftTier,
      detail: `${subject.tool} is outside the session's allowed tools (${session.allowedTools.join(', ')}); ${
        session.driftTier === 'deny' ? 'refused' : `needs at least ${session.driftTier}`
      }`,
    });
  }
  const current = { tool: subject.tool, operation: subject.operation, sensitivities: subject.sensitivities, egress: subject.egress };
  // Policies snapshotted before sequence rules existed have none.
  for (const rule of policy.sequences ?? []) {
    const earlier = session.touched.find((t) => stepMatches(rule.first, { ...t, sensitivities: [t.sensitivity] }));
    if (!earlier || !stepMatches(rule.then, current)) continue;
    raises.push({
      name: `sequence:${rule.name}`,
      tier: rule.tier,
      detail: `an earlier action of the session (${earlier.tool}, ${earlier.sensitivity} data) then this one; ${
        rule.tier === 'deny' ? 'refused' : `needs at least ${rule.tier}`
      }`,
    });
  }
  return raises;
}

/** True when an action that did `touch` would be the first step of one of `policy`'s sequence rules. */
export function startsSequence(policy: ResolvedPolicy, touch: SessionTouch): boolean {
  return (policy.sequences ?? []).some((rule) => stepMatches(rule.first, { ...touch, sensitivities: [touch.sensitivity] }));
}

function stepMatches(
  step: StepCondition,
  action: { tool: string; operation: Operation; sensitivities: readonly Sensitivity[]; egress: boolean },
): boolean {
  if (step.tools && !matchesAny(action.tool, step.tools)) return false;
  if (step.operations && !step.operations.includes(action.operation)) return false;
  if (step.sensitivities && !action.sensitivities.some((s) => step.sensitivities!.includes(s))) return false;
  if (step.egress !== undefined && step.egress !== action.egress) return false;
  return true;
}

function ruleMatches(rule: PolicyRule, subject: AssessSubject): boolean {
  const w = rule.when;
  if (w.tools && !matchesAny(subject.tool, w.tools)) return false;
  if (w.operations && !w.operations.includes(subject.operation)) return false;
  if (w.environments && !w.environments.includes(subject.environment)) return false;
  if (w.sensitivities && !subject.sensitivities.some((s) => w.sensitivities!.includes(s))) return false;
  return true;
}
