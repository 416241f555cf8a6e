import { ApplicationFailure } from '@temporalio/activity';

/** How an execution takes one of its tool's slots on this worker. */
export type SlotMode =
  /** On the main task queue: a slot now, or `ToolBusy` at once (the workflow sends it to the tool's own queue). */
  | 'refuse'
  /** On the tool's own queue: waits for a slot (at most one call of the tool, which is bounded by its timeout). */
  | 'wait';

/** Details of a `ToolBusy` failure: nothing was called. */
export interface ToolBusyDetails {
  /** Attempts of this execution that count so far (the refused one does not). */
  attemptsUsed: number;
}

/**
 * Each tool's executions in flight on this worker, at most its `maxConcurrent`.
 * Executions start on the main task queue, where Temporal hands the activity to
 * the worker that ran the workflow task (no poll in between); while a tool has
 * all its slots taken, more of it are refused there and queue on the tool's own
 * task queue instead, holding no slot of the main queue. So a slow tool never
 * takes more than its bound from anyone, and a fast one pays nothing for it.
 */
export class ToolSlots {
  private readonly used = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly maxOf: (tool: string) => number | undefined) {}

  /**
   * Takes a slot of `tool`; the function returned gives it back (call it once).
   * A waiter stops waiting when `cancelled` rejects (its attempt timed out, or the
   * worker is shutting down), so no slot ever goes to an attempt that is over.
   */
  async enter(tool: string, mode: SlotMode, attemptsUsed: number, cancelled?: Promise<never>): Promise<() => void> {
    const max = this.maxOf(tool);
    if (max === undefined) return () => {};
    const queue = this.waiting.get(tool) ?? [];
    if ((this.used.get(tool) ?? 0) < max && queue.length === 0) {
      this.used.set(tool, (this.used.get(tool) ?? 0) + 1);
      return this.releaser(tool);
    }
    if (mode === 'refuse') {
      throw ApplicationFailure.create({
        message: `${tool} has ${max} executions in flight on this worker (maxConcurrent); this one queues on the tool's own task queue`,
        type: 'ToolBusy',
        nonRetryable: true,
        details: [{ attemptsUsed } satisfies ToolBusyDetails],
      });
    }
    // The slot passes straight from the releasing execution to the first waiter.
    let granted = false;
    let take = () => {};
    const turn = new Promise<void>((resolve) => {
      take = () => {
        granted = true;
        resolve();
      };
    });
    queue.push(take);
    this.waiting.set(tool, queue);
    try {
      await (cancelled ? Promise.race([turn, cancelled]) : turn);
    } catch (err) {
      const at = queue.indexOf(take);
      if (at >= 0) queue.splice(at, 1);
      // Handed over in the same turn as the cancellation: pass it on.
      else if (granted) this.releaser(tool)();
      throw err;
    }
    return this.releaser(tool);
  }

  private releaser(tool: string): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.get(tool)?.shift();
      if (next) next();
      else this.used.set(tool, (this.used.get(tool) ?? 1) - 1);
    };
  }
}
