import { Worker, type State, type WorkerOptions } from '@temporalio/worker';
import { maxConcurrentOf, type ToolConfig } from '../domain/config.js';
import { slackTaskQueue, toolTaskQueue } from '../workflows/messages.js';

/** Pollers of a side queue: enough to keep its slots busy, few enough that many tools do not flood the server with long polls. */
const SIDE_QUEUE_POLLS = 2;

/**
 * The workers of one Airlock worker process, run and stopped together: the
 * main task queue (the workflows, and every activity, so tasks scheduled there
 * by older workflow code still run), the Slack calls' queue, and one queue per
 * configured tool whose worker runs at most the tool's `maxConcurrent`
 * executions at once. A tool waiting on a slow target fills its own slots,
 * never another tool's or Slack's.
 */
export class WorkerGroup {
  private constructor(readonly workers: readonly Worker[]) {}

  /**
   * Creates the workers. `options` is the main queue's; the side queues get
   * its connection, namespace, activities and shutdown settings. Every worker
   * shares the one activities object, so a tool's breaker state is per process.
   */
  static async create(options: WorkerOptions, tools: Record<string, ToolConfig>): Promise<WorkerGroup> {
    const { connection, namespace, activities, shutdownForceTime, taskQueue } = options;
    const side = (queue: string, slots?: number): WorkerOptions => ({
      ...(connection ? { connection } : {}),
      ...(namespace ? { namespace } : {}),
      ...(shutdownForceTime === undefined ? {} : { shutdownForceTime }),
      taskQueue: queue,
      activities,
      ...(slots === undefined ? {} : { maxConcurrentActivityTaskExecutions: slots }),
      maxConcurrentActivityTaskPolls: Math.min(SIDE_QUEUE_POLLS, slots ?? SIDE_QUEUE_POLLS),
    });
    const workers = await Promise.all([
      Worker.create(options),
      Worker.create(side(slackTaskQueue(taskQueue))),
      ...Object.entries(tools).map(([name, tool]) => Worker.create(side(toolTaskQueue(taskQueue, name), maxConcurrentOf(tool)))),
    ]);
    return new WorkerGroup(workers);
  }

  /** Runs every worker until all have stopped; if one fails, the others are stopped and its error is thrown. */
  async run(): Promise<void> {
    const runs = this.workers.map((w) => w.run());
    try {
      await Promise.all(runs);
    } catch (err) {
      this.shutdown();
      await Promise.allSettled(runs);
      throw err;
    }
  }

  /** Starts shutting down every worker still running. */
  shutdown(): void {
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }

  /** The main queue's worker's state. */
  getState(): State {
    return this.workers[0]!.getState();
  }
}
