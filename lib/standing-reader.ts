import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { activeStanding, type AgentStanding } from '../domain/standing.js';
import { agentWorkflowId, STANDING_MEMO } from '../workflows/messages.js';

/** How long a read standing is trusted: every API and worker replica sees a freeze within this. */
export const STANDING_TTL_MS = 1_000;

/**
 * Reads agents' standing from their workflows' memo (a describe: no worker
 * needed); an active standing is kept for at most {@link STANDING_TTL_MS}. An agent never frozen
 * has no workflow and is active. Anything else that fails is thrown: the
 * caller fails closed.
 */
export class StandingReader {
  private readonly cache = new Map<string, { standing: AgentStanding; until: number }>();

  constructor(private readonly client: () => Client) {}

  async read(agentId: string, fresh = false): Promise<AgentStanding> {
    const cached = this.cache.get(agentId);
    // Only "active" is trusted from the cache: a frozen agent is read again, so an
    // unfreeze takes effect at once while a freeze takes at most the TTL.
    if (!fresh && cached && cached.until > Date.now() && !cached.standing.frozen) return cached.standing;
    let standing: AgentStanding;
    try {
      const description = await this.client().workflow.getHandle(agentWorkflowId(agentId)).describe();
      standing = (description.memo?.[STANDING_MEMO] as AgentStanding | undefined) ?? activeStanding(agentId);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      standing = activeStanding(agentId);
    }
    this.cache.set(agentId, { standing, until: Date.now() + STANDING_TTL_MS });
    return standing;
  }

  /** Forgets an agent's standing, after this process changed it. */
  forget(agentId: string): void {
    this.cache.delete(agentId);
  }
}
