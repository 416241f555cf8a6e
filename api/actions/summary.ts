import { z } from 'zod';

/**
 * One action in `GET /v1/actions`, from Temporal visibility: only what the
 * search attributes carry, so every field but the id and start may be missing.
 */
export const ActionSummary = z.object({
  id: z.string(),
  agentId: z.string().optional(),
  tool: z.string().optional(),
  environment: z.string().optional(),
  status: z.string().optional(),
  tier: z.string().optional(),
  riskScore: z.number().optional(),
  startedAt: z.string(),
  closedAt: z.string().optional(),
});
export type ActionSummary = z.infer<typeof ActionSummary>;

/** The answer of `GET /v1/actions`: newest first. */
export const ActionList = z.object({ actions: z.array(ActionSummary) });
export type ActionList = z.infer<typeof ActionList>;
