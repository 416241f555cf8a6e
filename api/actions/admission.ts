import { SESSION_TTL_MS } from '../../lib/session-reader.js';

/**
 * Bounds how many submissions one API process works on at once; the rest wait
 * their turn, taken in rotation across agents (first come first served within
 * each), so one agent's flood waits behind itself, not in front of the others.
 * Past what the machine serves, work
 * queued inside Temporal costs more than work waiting here: an action that
 * reaches its executor more than {@link SESSION_TTL_MS} after the API read its
 * session is read again, and many actions in flight crowd the server. A
 * submission holds its place until it is answered, or for at most `holdMs`
 * (by default that same second): an action waiting on a slow tool or for a
 * person then lets the next one in, so it never holds up the others.
 */
export class Admission {
  private busy = 0;
  /** Those waiting, by agent; the map's order is the rotation. */
  private readonly waiting = new Map<string, Array<() => void>>();
  private waitingCount = 0;

  constructor(
    /** Read at every admission: a reloaded limit applies to the next submission. */
    private readonly limit: () => number,
    private readonly holdMs = SESSION_TTL_MS,
  ) {}

  /** Submissions at work now. */
  get active(): number {
    return this.busy;
  }

  /** Submissions waiting their turn. */
  get queued(): number {
    return this.waitingCount;
  }

  /** Runs `work` for `agentId` once admitted. */
  async run<T>(agentId: string, work: () => Promise<T>): Promise<T> {
    // A raised limit lets in those already waiting first: a newcomer never jumps the queue.
    this.admitWaiting();
    if (this.busy < this.limit()) this.busy++;
    // Its place is handed over by a release (or a raised limit).
    else {
      await new Promise<void>((admit) => {
        const own = this.waiting.get(agentId);
        if (own) own.push(admit);
        else this.waiting.set(agentId, [admit]);
        this.waitingCount++;
      });
    }
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.busy--;
      this.admitWaiting();
    };
    const timer = setTimeout(release, this.holdMs);
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  private admitWaiting(): void {
    // More than one when the limit was raised by a reload.
    while (this.waitingCount > 0 && this.busy < this.limit()) {
      const [agentId, own] = this.waiting.entries().next().value!;
      const admit = own.shift()!;
      // The agent goes to the back of the rotation with what it still has waiting.
      this.waiting.delete(agentId);
      if (own.length > 0) this.waiting.set(agentId, own);
      this.waitingCount--;
      this.busy++;
      admit();
    }
  }
}
