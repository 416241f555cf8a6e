// Imported by workflows: types only from the zod modules, so zod stays out of
// the workflow bundle (its schemas would be rebuilt for every workflow run).
import type { ActionRequest, Risk, RiskFactor, Sensitivity, Tier } from './action.js';
import { matchesAny } from './glob.js';
import type { PolicyRule, ResolvedPolicy } from './policy.js';

/** The facts about a tool that feed the score. */
export interface ToolRiskFacts {
  reversible: boolean;
  baseRisk: number;
}

const TIER_ORDER: readonly Tier[] = ['auto', 'review', 'critical', 'deny'];
const SENSITIVITY_ORDER: readonly Sensitivity[] = ['public', 'internal', 'confidential', 'restricted'];

/** The riskier of two tiers. */
export function higherTier(a: Tier, b: Tier): Tier {
  return TIER_ORDER.indexOf(a) >= TIER_ORDER.indexOf(b) ? a : b;
}

/** How many distinct people must approve an action of this tier. */
export function approvalsRequired(tier: Tier): number {
  return tier === 'critical' ? 2 : tier === 'review' ? 1 : 0;
}

function stepPoints(value: number | undefined, steps: ResolvedPolicy['factors']['records']) {
  if (value === undefined) return undefined;
  let hit: (typeof steps)[number] | undefined;
  for (const step of steps) if (value >= step.atLeast) hit = step;
  return hit;
}

function highestSensitivity(request: ActionRequest, fallback: Sensitivity): Sensitivity | undefined {
  if (request.resources.length === 0) return undefined;
  let best = 0;
  for (const r of request.resources) best = Math.max(best, SENSITIVITY_ORDER.indexOf(r.sensitivity ?? fallback));
  return SENSITIVITY_ORDER[best];
}

/**
 * Scores the blast radius of one action. Pure and deterministic: the same request,
 * tool facts and policy always give the same risk, so the workflow can run it and
 * the API can run it again for the workflow's summary line.
 */
export function assess(request: ActionRequest, tool: ToolRiskFacts, policy: ResolvedPolicy): Risk {
  const f = policy.factors;
  const factors: RiskFactor[] = [];
  const add = (name: string, points: number, detail: string) => {
    if (points > 0) factors.push({ name, points, detail });
  };

  add('environment', f.environment[request.environment], `runs in ${request.environment}`);
  add('operation', f.operation[request.operation], `${request.operation} operation`);

  const sensitivity = highestSensitivity(request, f.unclassifiedSensitivity);
  if (sensitivity) add('sensitivity', f.sensitivity[sensitivity], `touches ${sensitivity} data`);

  const { impact } = request;
  const records = stepPoints(impact.records, f.records);
  if (records) add('records', records.points, `${impact.records} records (≥ ${records.atLeast})`);
  const users = stepPoints(impact.users, f.users);
  if (users) add('users', users.points, `${impact.users} users (≥ ${users.atLeast})`);
  const amount = stepPoints(impact.amountUsd, f.amountUsd);
  if (amount) add('amountUsd', amount.points, `moves ${impact.amountUsd} USD (≥ ${amount.atLeast})`);

  // A read changes nothing, so it cannot be irreversible; otherwise the stricter of
  // the tool's configured fact and the agent's own claim wins.
  if (request.operation !== 'read') {
    if (!tool.reversible) add('irreversible', f.irreversible, 'the tool cannot undo this');
    else if (impact.reversible === false) add('irreversible', f.irreversible, 'the agent declared it irreversible');
  }
  add('toolBaseRisk', tool.baseRisk, 'base risk of the tool');

  const score = Math.min(100, factors.reduce((sum, x) => sum + x.points, 0));
  const t = policy.thresholds;
  let tier: Tier = 'auto';
  if (score >= t.review) tier = 'review';
  if (score >= t.critical) tier = 'critical';
  if (t.deny !== undefined && score >= t.deny) tier = 'deny';

  for (const rule of policy.rules) {
    if (!ruleMatches(rule, request)) continue;
    factors.push({ name: `rule:${rule.name}`, points: 0, detail: `raises the tier to at least ${rule.tier}` });
    tier = higherTier(tier, rule.tier);
  }

  return { score, tier, factors, policyVersion: policy.version, approvalsRequired: approvalsRequired(tier) };
}

function ruleMatches(rule: PolicyRule, request: ActionRequest): boolean {
  const w = rule.when;
  if (w.tools && !matchesAny(request.tool, w.tools)) return false;
  if (w.operations && !w.operations.includes(request.operation)) return false;
  if (w.environments && !w.environments.includes(request.environment)) return false;
  if (w.sensitivities && !request.resources.some((r) => r.sensitivity && w.sensitivities!.includes(r.sensitivity)))
    return false;
  return true;
}
