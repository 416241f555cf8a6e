import { z } from 'zod';

/** The body of `POST /v1/agents/:id/freeze`: why the agent is stopped (shown to the agent, its owner and on cards). */
export const FreezeBody = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
export type FreezeBody = z.infer<typeof FreezeBody>;

/** Whether an agent may act: the kill switch's state, kept durably in the agent's workflow. */
export const AgentStanding = z.object({
  agentId: z.string(),
  frozen: z.boolean(),
  /** Who froze it: a person's id, or `airlock` when Airlock froze it itself. */
  frozenBy: z.string().optional(),
  frozenAt: z.string().optional(),
  reason: z.string().optional(),
  unfrozenBy: z.string().optional(),
  unfrozenAt: z.string().optional(),
});
export type AgentStanding = z.infer<typeof AgentStanding>;

/** The standing of an agent nobody has ever frozen. */
export function activeStanding(agentId: string): AgentStanding {
  return { agentId, frozen: false };
}

/** A failed execution, as the agent's workflow remembers it for loop detection. */
export interface RecentFailure {
  tool: string;
  /** The hash of the agent's parameters (version 1). */
  paramsHash: string;
  actionId: string;
  at: string;
}
