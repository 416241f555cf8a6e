import { Worker, type State, type WorkerOptions } from '@temporalio/worker';
import { maxConcurrentOf, type ToolConfig } from '../domain/config.js';
import { slackTaskQueue, toolTaskQueue, webhookTaskQueue } from '../workflows/messages.js';

/** Pollers of a side queue: enough to keep its slots busy, few enough that many tools do not flood the server with long polls. */
const SIDE_QUEUE_POLLS = 2;

/** Webhook deliveries in flight at once per worker process: receivers that hang fill these, and nothing else. */
const WEBHOOK_SLOTS = 20;

/**
 * The workers of one Airlock worker process, run and stopped together: the
 * main task queue (the workflows, and every activity: executions start there),
 * the Slack calls' queue, the webhook deliveries' queue, and one queue per
 * configured tool, where a tool's executions go once its `maxConcurrent` slots
 * on the main queue are taken (`activities/tool-slots.ts`); that worker has as
 * many slots. A tool waiting on a slow target fills its own slots, never
 * another tool's, Slack's or a webhook receiver's.
 */
export class WorkerGroup {
  private readonly workers: Worker[] = [];
  private readonly runs: Promise<void>[] = [];
  /** The tools served, with the bound their worker was created with. */
  private readonly tools = new Map<string, number>();
  private running = false;
  private stopping = false;

  private constructor(
    private readonly options: WorkerOptions,
    private readonly afterStop: () => Promise<void>,
  ) {}

  /**
   * Creates the workers. `options` is the main queue's; the side queues get
   * its connection, namespace, activities and shutdown settings. Every worker
   * shares the one activities object, so a tool's breaker state is per process.
   */
  static async create(options: WorkerOptions, tools: Record<string, ToolConfig>, afterStop: () => Promise<void> = async () => {}): Promise<WorkerGroup> {
    const group = new WorkerGroup(options, afterStop);
    group.workers.push(
      await Worker.create(options),
      await Worker.create(group.side(slackTaskQueue(options.taskQueue))),
      await Worker.create(group.side(webhookTaskQueue(options.taskQueue), WEBHOOK_SLOTS)),
    );
    await group.serveTools(tools);
    return group;
  }

  /**
   * Serves the task queues of tools not served yet (a reload added them), so
   * their executions never wait for a restart. Returns the tools whose bound
   * changed: a running worker keeps its slots until the process restarts.
   */
  async serveTools(tools: Record<string, ToolConfig>): Promise<string[]> {
    const changed: string[] = [];
    for (const [name, tool] of Object.entries(tools)) {
      const bound = maxConcurrentOf(tool);
      const served = this.tools.get(name);
      if (served !== undefined) {
        if (served !== bound) changed.push(name);
        continue;
      }
      if (this.stopping) break;
      this.tools.set(name, bound);
      const worker = await Worker.create(this.side(toolTaskQueue(this.options.taskQueue, name), bound));
      this.workers.push(worker);
      if (this.running && !this.stopping) this.runs.push(worker.run());
    }
    return changed;
  }

  /**
   * Runs every worker (and those added while running) until all have stopped,
   * then `afterStop`; if one fails, the others are stopped and its error is thrown.
   */
  async run(): Promise<void> {
    this.running = true;
    this.runs.push(...this.workers.map((w) => w.run()));
    try {
      // A reload may add a worker while the others run: wait until none is left running.
      for (let seen = 0; seen < this.runs.length; ) {
        seen = this.runs.length;
        await Promise.all(this.runs);
      }
    } catch (err) {
      this.shutdown();
      await Promise.allSettled(this.runs);
      throw err;
    } finally {
      await this.afterStop();
    }
  }

  /** Starts shutting down every worker still running. */
  shutdown(): void {
    this.stopping = true;
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }

  /** Workflows in the main queue worker's cache now (at most its `maxCachedWorkflows`). */
  cachedWorkflows(): number {
    return this.workers[0]!.getStatus().numCachedWorkflows;
  }

  /** Threads the main queue worker runs workflow code on. */
  workflowThreads(): number | undefined {
    return this.workers[0]!.options.workflowThreadPoolSize;
  }

  /** The main queue's worker's state. */
  getState(): State {
    return this.workers[0]!.getState();
  }

  private side(queue: string, slots?: number): WorkerOptions {
    const { connection, namespace, activities, shutdownForceTime } = this.options;
    return {
      ...(connection ? { connection } : {}),
      ...(namespace ? { namespace } : {}),
      ...(shutdownForceTime === undefined ? {} : { shutdownForceTime }),
      taskQueue: queue,
      activities,
      ...(slots === undefined ? {} : { maxConcurrentActivityTaskExecutions: slots }),
      maxConcurrentActivityTaskPolls: Math.min(SIDE_QUEUE_POLLS, slots ?? SIDE_QUEUE_POLLS),
    };
  }
}
