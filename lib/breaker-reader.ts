import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { BreakerView } from '../domain/breaker.js';
import { BREAKER_MEMO, breakerWorkflowId } from '../workflows/messages.js';

/** How long a read breaker state is trusted: every worker sees an open breaker within this. */
export const BREAKER_TTL_MS = 1_000;

/**
 * Reads tools' breakers from their workflows' memo (a describe: no worker
 * needed), each kept for at most {@link BREAKER_TTL_MS}; concurrent readers of
 * one tool share one describe. A tool whose breaker never saw a failure has no
 * workflow: undefined.
 */
export class BreakerReader {
  private readonly cache = new Map<string, { view: BreakerView | undefined; until: number }>();
  private readonly reading = new Map<string, Promise<BreakerView | undefined>>();

  constructor(private readonly client: () => Client) {}

  async read(tool: string, fresh = false): Promise<BreakerView | undefined> {
    const cached = this.cache.get(tool);
    if (!fresh && cached && cached.until > Date.now()) return cached.view;
    const pending = this.reading.get(tool);
    if (pending) return pending;
    const read = this.describe(tool).finally(() => this.reading.delete(tool));
    this.reading.set(tool, read);
    return read;
  }

  private async describe(tool: string): Promise<BreakerView | undefined> {
    let view: BreakerView | undefined;
    try {
      const memo = (await this.client().workflow.getHandle(breakerWorkflowId(tool)).describe()).memo ?? {};
      view = memo[BREAKER_MEMO] === undefined ? undefined : BreakerView.parse(memo[BREAKER_MEMO]);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      view = undefined;
    }
    this.cache.set(tool, { view, until: Date.now() + BREAKER_TTL_MS });
    return view;
  }

  /** Forgets a tool's state, after this process changed it. */
  forget(tool: string): void {
    this.cache.delete(tool);
  }
}
