import type { LimitsConfig } from '../../domain/config.js';

const MINUTE_MS = 60_000;

/** Keys tracked before the first sweep of keys no longer used. */
const SWEEP_AT = 1_024;

/**
 * Timestamps within the last minute, per key. A key seen once and never again
 * (a session's) is dropped by a sweep, run whenever the keys have doubled since
 * the last one: the map holds about the keys of the last minute, not of all time.
 */
class Window {
  private readonly times = new Map<string, number[]>();
  private sweepAt = SWEEP_AT;

  /** Keys tracked now. */
  get size(): number {
    return this.times.size;
  }

  /** Recent events of `key`, pruned. */
  recent(key: string, now: number): number[] {
    const kept = (this.times.get(key) ?? []).filter((t) => t > now - MINUTE_MS);
    if (kept.length > 0) this.times.set(key, kept);
    else this.times.delete(key);
    return kept;
  }

  add(key: string, now: number): number {
    const kept = this.recent(key, now);
    kept.push(now);
    this.times.set(key, kept);
    if (this.times.size >= this.sweepAt) {
      for (const other of [...this.times.keys()]) this.recent(other, now);
      this.sweepAt = Math.max(SWEEP_AT, 2 * this.times.size);
    }
    return kept.length;
  }
}

/** A refusal for going too fast: which limit, and when the oldest counted submission leaves the window. */
export interface Throttle {
  scope: 'agent' | 'session';
  limit: number;
  retryAfterS: number;
  /** Refusals of this agent within the last minute, this one included. */
  refusals: number;
}

/**
 * Velocity limits over a sliding minute: per agent and per session. Counted in
 * this API replica (a limit holds per replica: behind N replicas an agent may
 * reach N times it); the freeze they can lead to is durable and global.
 * The counts outlive a reload; the limits are read at every submission, so a
 * reloaded limit applies to what was already counted.
 */
export class Velocity {
  private readonly submissions = new Window();
  private readonly refusals = new Window();

  constructor(private readonly limits: () => Pick<LimitsConfig, 'agentPerMinute' | 'sessionPerMinute'>) {}

  /** Counts a submission, or says why it must be refused (and counts the refusal). */
  admit(agentId: string, sessionId: string, now = Date.now()): Throttle | undefined {
    const { agentPerMinute, sessionPerMinute } = this.limits();
    const checks = [
      { scope: 'agent' as const, key: `a:${agentId}`, limit: agentPerMinute },
      { scope: 'session' as const, key: `s:${agentId}\0${sessionId}`, limit: sessionPerMinute },
    ];
    for (const { scope, key, limit } of checks) {
      if (limit === undefined) continue;
      const recent = this.submissions.recent(key, now);
      if (recent.length >= limit) {
        const oldest = recent[recent.length - limit]!;
        return { scope, limit, retryAfterS: Math.max(1, Math.ceil((oldest + MINUTE_MS - now) / 1000)), refusals: this.refusals.add(agentId, now) };
      }
    }
    for (const { key, limit } of checks) if (limit !== undefined) this.submissions.add(key, now);
    return undefined;
  }

  /** Agents and sessions counted now (their submissions and refusals of the last minute, and not many more). */
  tracked(): number {
    return this.submissions.size + this.refusals.size;
  }
}
