import { z } from 'zod';
import { Environment, Operation, Sensitivity, Tier, type ActionRequest, type Risk, type RiskFactor } from './action.js';
import { matchesAny } from './glob.js';

const Points = z.number().min(0).max(100);

/** A stepped factor: the points of the highest step whose `atLeast` the value reaches. */
const Steps = z
  .array(z.strictObject({ atLeast: z.number().nonnegative(), points: Points }))
  .refine((steps) => steps.every((s, i) => i === 0 || s.atLeast > steps[i - 1]!.atLeast), {
    message: 'steps must be listed with atLeast strictly rising',
  });

/** A rule that raises the tier of matching actions whatever their score (it never lowers it). */
export const PolicyRule = z.strictObject({
  name: z.string().min(1),
  when: z
    .strictObject({
      tools: z.array(z.string().min(1)).optional(),
      operations: z.array(Operation).optional(),
      environments: z.array(Environment).optional(),
      sensitivities: z.array(Sensitivity).optional(),
    })
    .refine((w) => Object.keys(w).length > 0, { message: 'a rule needs at least one condition' }),
  tier: Tier.exclude(['auto']),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

/** The declarative blast-radius policy: factor weights, tier thresholds and tier-raising rules. */
export const Policy = z
  .strictObject({
    version: z.string().min(1).optional(),
    thresholds: z.strictObject({
      review: Points,
      critical: Points,
      deny: Points.optional(),
    }),
    factors: z.strictObject({
      environment: z.strictObject({ dev: Points, staging: Points, prod: Points }),
      operation: z.strictObject({
        read: Points,
        write: Points,
        delete: Points,
        execute: Points,
        transfer: Points,
        permission: Points,
      }),
      sensitivity: z.strictObject({ public: Points, internal: Points, confidential: Points, restricted: Points }),
      unclassifiedSensitivity: Sensitivity.default('internal'),
      irreversible: Points,
      records: Steps.default([]),
      users: Steps.default([]),
      amountUsd: Steps.default([]),
    }),
    rules: z.array(PolicyRule).default([]),
  })
  .refine((p) => p.thresholds.critical > p.thresholds.review, {
    message: 'critical must be above review',
    path: ['thresholds', 'critical'],
  })
  .refine((p) => p.thresholds.deny === undefined || p.thresholds.deny > p.thresholds.critical, {
    message: 'deny must be above critical',
    path: ['thresholds', 'deny'],
  });
export type Policy = z.input<typeof Policy>;
/** A policy after parsing: defaults filled and a version always present. */
export type ResolvedPolicy = z.output<typeof Policy> & { version: string };

/** The facts about a tool that feed the score. */
export interface ToolRiskFacts {
  reversible: boolean;
  baseRisk: number;
}

const TIER_ORDER: readonly Tier[] = ['auto', 'review', 'critical', 'deny'];
const SENSITIVITY_ORDER: readonly Sensitivity[] = ['public', 'internal', 'confidential', 'restricted'];

function higherTier(a: Tier, b: Tier): Tier {
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
