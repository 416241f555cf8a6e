import { z } from 'zod';
import { Environment, Operation, Sensitivity } from './action.js';
import { BreakerView } from './breaker.js';

/** The answer of `GET /v1/tools/:name`: the tool's facts in brief, its concurrency bound and its breaker. */
export const ToolView = z.object({
  name: z.string(),
  description: z.string().optional(),
  operation: Operation,
  /** The environments it has an executor for. */
  environments: z.array(Environment),
  sensitivity: Sensitivity.optional(),
  reversible: z.boolean(),
  baseRisk: z.number(),
  maxAttempts: z.number().int(),
  /** Executions in flight at once, per worker. */
  maxConcurrent: z.number().int(),
  /** Null when the tool has no breaker and never had one. */
  breaker: BreakerView.extend({
    /** As configured now; null when the configuration no longer has a breaker for the tool. */
    settings: z.object({ failures: z.number().int(), cooldownMs: z.number().int(), maxConcurrent: z.number().int() }).nullable(),
  }).nullable(),
});
export type ToolView = z.infer<typeof ToolView>;
