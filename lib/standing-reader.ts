import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { activeStanding, type AgentStanding, type RecentFailure } from '../domain/standing.js';
import { agentWorkflowId, FAILURES_MEMO, STANDING_MEMO } from '../workflows/messages.js';

/** How long a read standing is trusted: every API and worker replica sees a freeze within this. */
export const STANDING_TTL_MS = 1_000;

/** What an agent's workflow says of it. */
export interface AgentRecord {
  standing: AgentStanding;
  failures: RecentFailure[];
}

/**
 * Reads agents' standing and recent failures from their workflows' memo (a
 * describe: no worker needed); the record of an active agent is kept for at
 * most {@link STANDING_TTL_MS}. An agent never frozen and never failing has no
 * workflow and is active. Anything else that fails is thrown: the caller fails closed.
 */
export class StandingReader {
  private readonly cache = new Map<string, { record: AgentRecord; until: number }>();

  constructor(private readonly client: () => Client) {}

  async record(agentId: string, fresh = false): Promise<AgentRecord> {
    const cached = this.cache.get(agentId);
    // Only "active" is trusted from the cache: a frozen agent is read again, so an
    // unfreeze takes effect at once while a freeze takes at most the TTL.
    if (!fresh && cached && cached.until > Date.now() && !cached.record.standing.frozen) return cached.record;
    let record: AgentRecord;
    try {
      const memo = (await this.client().workflow.getHandle(agentWorkflowId(agentId)).describe()).memo ?? {};
      record = {
        standing: (memo[STANDING_MEMO] as AgentStanding | undefined) ?? activeStanding(agentId),
        failures: (memo[FAILURES_MEMO] as RecentFailure[] | undefined) ?? [],
      };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      record = { standing: activeStanding(agentId), failures: [] };
    }
    this.cache.set(agentId, { record, until: Date.now() + STANDING_TTL_MS });
    return record;
  }

  async read(agentId: string, fresh = false): Promise<AgentStanding> {
    return (await this.record(agentId, fresh)).standing;
  }

  /** Forgets an agent's record, after this process changed it. */
  forget(agentId: string): void {
    this.cache.delete(agentId);
  }
}
