import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { BreakerSettings } from '../domain/breaker.js';
import type { BreakerReport, PermitKind } from '../domain/breaker-rules.js';
import { BreakerReader } from '../lib/breaker-reader.js';
import type { breakerWorkflow } from '../workflows/breaker-workflow.js';
import { BREAKER_WORKFLOW_TYPE, breakerReportSignal, breakerWaitSignal, breakerWorkflowId } from '../workflows/messages.js';

/** How the action's workflow takes part in the tool's breaker (part of the executor's input). */
export interface BreakerPass {
  /** Task queue of Airlock's workflows, where the breaker workflow runs. */
  taskQueue: string;
  /** The breaker let this run's first attempt through: as its probe, or released after it closed. */
  permit?: PermitKind;
}

/** Details of a non-retryable `BreakerOpen` failure: nothing was called; the workflow waits for a permit, then runs the attempts left. */
export interface BreakerOpenDetails {
  /** Attempts of this execution that count so far (earlier runs included; the refused one is not). */
  attemptsUsed: number;
}

/** What the executor needs to know of one call to gate it. */
export interface GatedCall {
  action: { tool: string };
  timeoutMs: number;
  attemptsBefore?: number;
  breaker?: BreakerPass;
}

/** How one call went, as a breaker counts it. */
type CallOutcome = 'success' | 'failure' | 'skipped';

/** A tool that answered (even with a 4xx) is up; one that did not answer, or answered 5xx, 408 or 429, is failing. */
function outcomeOf(err: unknown): { outcome: CallOutcome; error?: string } {
  if (!(err instanceof ApplicationFailure)) return { outcome: 'skipped' };
  if (err.type === 'ExecutorUnavailable' || err.type === 'ExecutorUnreachable') return { outcome: 'failure', error: err.message };
  return err.type === 'ExecutorRejected' ? { outcome: 'success' } : { outcome: 'skipped' };
}

/** A permit is held for its waiter this much longer than one call may take. */
const PERMIT_MARGIN_MS = 5_000;

/** Longest `lastError` sent to the breaker (it lands in its memo). */
const MAX_ERROR_CHARS = 500;

/**
 * One tool's breaker as this worker sees it. The shared state (the breaker
 * workflow's memo, read at most once a second) decides, except that the worker
 * opens on its own after `failures` failed calls in a row, before the shared
 * breaker has heard of them; it trusts the shared state again once that has
 * closed after opening, or after a cooldown if the shared breaker never heard.
 * A closed breaker costs no Temporal call beyond that one read a second.
 */
class ToolGate {
  private consecutive = 0;
  private openedLocally: { at: number; recoveries: number } | undefined;

  constructor(
    readonly tool: string,
    readonly settings: BreakerSettings,
    private readonly reader: BreakerReader,
    private readonly client: () => Client,
  ) {}

  /** Whether one attempt may call the tool now. */
  async admits(): Promise<boolean> {
    const shared = await this.reader.read(this.tool);
    if (shared && shared.state !== 'closed') return false;
    if (!this.openedLocally) return true;
    const recovered = (shared?.recoveries ?? 0) > this.openedLocally.recoveries;
    if (recovered || Date.now() - this.openedLocally.at >= this.settings.cooldownMs) {
      this.openedLocally = undefined;
      this.consecutive = 0;
      return true;
    }
    return false;
  }

  /** The shared state's last error, for the refusal's message. */
  async lastError(): Promise<string | undefined> {
    return (await this.reader.read(this.tool).catch(() => undefined))?.lastError;
  }

  /** Queues an action's execution with the breaker; its workflow gets a permit signal when its turn comes. */
  async wait(taskQueue: string, workflowId: string, permitTimeoutMs: number): Promise<void> {
    await this.client().workflow.signalWithStart(BREAKER_WORKFLOW_TYPE, {
      ...this.start(taskQueue),
      signal: breakerWaitSignal,
      signalArgs: [{ workflowId, permitTimeoutMs, settings: this.settings }],
    });
  }

  /**
   * Counts one call's outcome here and reports it to the shared breaker when it
   * matters: every failure, a use of a permit, and a success after failures (a
   * closed breaker's successes cost nothing). Best effort: a report that cannot
   * be made is logged, and the call's own outcome stands.
   */
  async settle(taskQueue: string, workflowId: string, outcome: CallOutcome, permit: PermitKind | undefined, error?: string): Promise<void> {
    const hadFailures = this.consecutive > 0;
    if (outcome === 'failure') {
      this.consecutive++;
      if (this.consecutive >= this.settings.failures && !this.openedLocally) {
        const shared = await this.reader.read(this.tool).catch(() => undefined);
        this.openedLocally = { at: Date.now(), recoveries: shared?.recoveries ?? 0 };
      }
    } else if (outcome === 'success') {
      this.consecutive = 0;
      // The probe's success closes the shared breaker: this worker need not wait for it to say so.
      if (permit === 'probe') this.openedLocally = undefined;
    }
    const sharedFailures = async () => ((await this.reader.read(this.tool).catch(() => undefined))?.failures ?? 0) > 0;
    const report = outcome === 'failure' || permit !== undefined || (outcome === 'success' && (hadFailures || (await sharedFailures())));
    if (!report) return;
    const body: BreakerReport = {
      outcome,
      ...(permit ? { permit, workflowId } : {}),
      ...(error ? { error: error.slice(0, MAX_ERROR_CHARS) } : {}),
    };
    try {
      await this.client().workflow.signalWithStart(BREAKER_WORKFLOW_TYPE, {
        ...this.start(taskQueue),
        signal: breakerReportSignal,
        signalArgs: [{ ...body, settings: this.settings }],
      });
      // What this worker read before the report is out of date now.
      if (outcome !== 'failure') this.reader.forget(this.tool);
    } catch (err) {
      Context.current().log.warn('breaker report not delivered', { tool: this.tool, outcome, error: (err as Error).message });
    }
  }

  // Started by the first report: a tool that never fails has no breaker workflow.
  private start(taskQueue: string) {
    const args: Parameters<typeof breakerWorkflow> = [{ tool: this.tool, settings: this.settings }];
    return { workflowId: breakerWorkflowId(this.tool), taskQueue, args, staticSummary: `circuit breaker of ${this.tool}` };
  }
}

/** One attempt of one execution, gated by its tool's breaker. */
export interface CallGate {
  /** Passes, or (breaker open) queues the execution and throws `BreakerOpen`; called right before the tool would be. */
  admit: () => Promise<void>;
  /** Runs the attempt and tells the breaker how the call went. */
  guard<T>(attempt: () => Promise<T>): Promise<T>;
}

/** The breakers of the tools this worker executes, by the worker's own configuration. */
export class ToolBreakers {
  private readonly gates = new Map<string, ToolGate>();
  private readonly reader: BreakerReader;

  constructor(
    private readonly settingsOf: (tool: string) => BreakerSettings | undefined,
    private readonly client: () => Client = () => Context.current().client,
  ) {
    this.reader = new BreakerReader(client);
  }

  /** The gate of one attempt (run inside the activity); undefined when the tool has no breaker here. */
  gateFor(tool: string, call: GatedCall): CallGate | undefined {
    const gate = this.gate(tool);
    if (!gate) return undefined;
    const info = Context.current().info;
    // Executions always run in an action's workflow; the fallback only keeps the types honest.
    const workflowId = info.workflowExecution?.workflowId ?? info.activityId;
    // Reports go to the workflows' task queue; an older workflow's input does not say it, and its executor ran there.
    const taskQueue = call.breaker?.taskQueue ?? info.taskQueue;
    // A permit lets one call through, the run's first; its retries queue like anyone's.
    const permit = info.attempt === 1 ? call.breaker?.permit : undefined;
    return {
      admit: async () => {
        if (permit || (await gate.admits())) return;
        const lastError = await gate.lastError();
        const message = `the circuit breaker of ${tool} is open${lastError ? ` (last error: ${lastError})` : ''}`;
        const attempt = (call.attemptsBefore ?? 0) + info.attempt;
        if (!call.breaker) {
          // Workflow code from before breakers cannot wait: the attempt fails, to be retried after the cooldown.
          throw ApplicationFailure.create({ message, type: 'BreakerOpen', nextRetryDelay: gate.settings.cooldownMs, details: [{ attempt }] });
        }
        await gate.wait(taskQueue, workflowId, call.timeoutMs + PERMIT_MARGIN_MS);
        throw ApplicationFailure.create({ message, type: 'BreakerOpen', nonRetryable: true, details: [{ attemptsUsed: attempt - 1 } satisfies BreakerOpenDetails] });
      },
      guard: async (attempt) => {
        try {
          const result = await attempt();
          await gate.settle(taskQueue, workflowId, 'success', permit);
          return result;
        } catch (err) {
          const { outcome, error } = outcomeOf(err);
          await gate.settle(taskQueue, workflowId, outcome, permit, error);
          throw err;
        }
      },
    };
  }

  private gate(tool: string): ToolGate | undefined {
    const settings = this.settingsOf(tool);
    if (!settings) return undefined;
    const known = this.gates.get(tool);
    if (known && JSON.stringify(known.settings) === JSON.stringify(settings)) return known;
    const gate = new ToolGate(tool, settings, this.reader, this.client);
    this.gates.set(tool, gate);
    return gate;
  }
}
