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

/** What one step of a sequence did (all given conditions hold). */
const StepCondition = z
  .strictObject({
    tools: z.array(z.string().min(1)).optional(),
    operations: z.array(Operation).optional(),
    sensitivities: z.array(Sensitivity).optional(),
    /** The tool sends data out (`tools.X.egress`). */
    egress: z.boolean().optional(),
  })
  .refine((w) => Object.keys(w).length > 0, { message: 'a step needs at least one condition' });
export type StepCondition = z.infer<typeof StepCondition>;

/**
 * A sequence rule: an action matching `then`, in a session where an earlier
 * executed action matched `first`, needs at least `tier` (restricted data read,
 * then sent out, say).
 */
export const SequenceRule = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, - or _'),
  first: StepCondition,
  then: StepCondition,
  tier: Tier.exclude(['auto']),
});
export type SequenceRule = z.infer<typeof SequenceRule>;

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
    sequences: z.array(SequenceRule).default([]),
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

