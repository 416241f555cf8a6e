import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SessionState } from '../domain/session.js';
import { statusAt } from '../domain/session-rules.js';
import { SESSION_MEMO, sessionWorkflowId } from '../workflows/messages.js';

/** How long an executor trusts a session it read as open: a close is seen within this. */
export const SESSION_TTL_MS = 1_000;

/** Sessions cached before the first sweep of expired reads. */
const SWEEP_AT = 1_024;

/**
 * Reads sessions from their workflows' memo (a describe: no worker needed),
 * with the status as of now (an open session past its ttl reads as expired).
 * Undefined when there is no such session. With `ttlMs`, an open session is
 * trusted for that long; anything else is read again.
 */
export class SessionReader {
  private readonly cache = new Map<string, { state: SessionState; until: number; readAt: number }>();
  private sweepAt = SWEEP_AT;

  constructor(
    private readonly client: () => Client,
    private readonly ttlMs = 0,
  ) {}

  async read(agentId: string, sessionId: string): Promise<SessionState | undefined> {
    return (await this.readTimed(agentId, sessionId))?.state;
  }

  /** The session and when it was read from its workflow (ms since the epoch; a cached read keeps its first time). */
  async readTimed(agentId: string, sessionId: string): Promise<{ state: SessionState; readAt: number } | undefined> {
    const id = sessionWorkflowId(agentId, sessionId);
    const cached = this.cache.get(id);
    const now = Date.now();
    if (cached && cached.until > now && statusAt(cached.state, now) === 'open') return { state: cached.state, readAt: cached.readAt };
    let state: SessionState | undefined;
    try {
      const memo = (await this.client().workflow.getHandle(id).describe()).memo ?? {};
      state = memo[SESSION_MEMO] as SessionState | undefined;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (!state) return undefined;
    state = { ...state, status: statusAt(state, now) };
    if (this.ttlMs > 0) this.remember(id, { state, until: now + this.ttlMs, readAt: now }, now);
    return { state, readAt: now };
  }

  /** Sessions held now. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * Caches one read. A session read once and never again is dropped by a sweep
   * of expired reads, run whenever the cache has doubled since the last: it
   * holds about the sessions read within the ttl, not every session ever read.
   */
  private remember(id: string, entry: { state: SessionState; until: number; readAt: number }, now: number): void {
    this.cache.set(id, entry);
    if (this.cache.size < this.sweepAt) return;
    for (const [key, cached] of this.cache) if (cached.until <= now) this.cache.delete(key);
    this.sweepAt = Math.max(SWEEP_AT, 2 * this.cache.size);
  }
}
