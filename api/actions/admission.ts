import { SESSION_TTL_MS } from '../../lib/session-reader.js';

/**
 * Bounds how many submissions one API process works on at once; the rest wait
 * their turn, first come first served. Past what the machine serves, work
 * queued inside Temporal costs more than work waiting here: an action that
 * reaches its executor more than {@link SESSION_TTL_MS} after the API read its
 * session is read again, and many actions in flight crowd the server. A
 * submission holds its place until it is answered, or for at most `holdMs`
 * (by default that same second): an action waiting on a slow tool or for a
 * person then lets the next one in, so it never holds up the others.
 */
export class Admission {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

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
    return this.waiting.length;
  }

  /** Runs `work` once admitted. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    // A raised limit lets in those already waiting first: a newcomer never jumps the queue.
    this.admitWaiting();
    if (this.busy < this.limit()) this.busy++;
    // Its place is handed over by a release (or a raised limit).
    else await new Promise<void>((admit) => this.waiting.push(admit));
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
    while (this.waiting.length > 0 && this.busy < this.limit()) {
      this.busy++;
      this.waiting.shift()!();
    }
  }
}
