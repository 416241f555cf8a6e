/** Wires the workflows and activities to a task queue. */
import { DefaultLogger, NativeConnection, Runtime, type LogEntry, type WorkflowBundleOption } from '@temporalio/worker';
import { LogLevel, WebClient } from '@slack/web-api';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { SessionLedger } from '../activities/session.js';
import type { Env } from '../config/env.js';
import { configSource, type ConfigInput, type LiveConfig } from '../config/live.js';
import { createGrantSigner, signerOptions } from '../grants/sign.js';
import type { GrantKeys } from '../grants/keys.js';
import type { Logger } from '../lib/logger.js';
import type { ClusterConnection } from '../temporal/connection.js';
import { WorkerGroup } from './group.js';
import { WORKFLOW_THREADS, workflowCacheOptions } from './cache.js';
import { bundleWorkflowsApart } from './bundle.js';

export { WorkerGroup } from './group.js';
export { DEFAULT_MAX_CACHED_WORKFLOWS, MAX_CONCURRENT_WORKFLOW_TASKS, WORKFLOW_THREADS, workflowCacheOptions } from './cache.js';

export { WORKFLOWS_PATH, bundleWorkflows, workflowBundleOptions } from './bundle.js';

let runtimeInstalled = false;

const NO_WORKFLOWS_WARNING = 'No workflows registered, not polling for workflow tasks';

/** Sends the Temporal SDK's own logs through our pino logger (once per process). */
export function installTemporalLogging(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const temporalLog = logger.child({ component: 'temporal-sdk' });
  // The SDK is chatty at INFO (every worker state change); below debug we keep its warnings only.
  const level = logger.level === 'trace' ? 'TRACE' : logger.level === 'debug' ? 'DEBUG' : 'WARN';
  Runtime.install({
    logger: new DefaultLogger(level, (entry: LogEntry) => {
      // Every tool's and Slack's worker runs activities only, by design; the SDK warns about each at start.
      if (entry.message === NO_WORKFLOWS_WARNING) return;
      const method = entry.level === 'TRACE' ? 'trace' : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      temporalLog[method](entry.meta ?? {}, entry.message);
    }),
  });
}

/** Options of {@link createWorker}. */
export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A pre-built workflow bundle; without it the workflows are bundled at start-up, in a child process. */
  workflowBundle?: WorkflowBundleOption;
  /** The activities' dependencies: at least the grant signer; their `tools` get a task queue each. */
  activities: ActivityDeps;
  /**
   * How long a shutdown may wait for in-flight tasks before `run()` gives up with
   * `GracefulShutdownPeriodExpiredError` (default: as long as it takes). Set it
   * when something must stop in time, like `npm start` on Ctrl-C.
   */
  shutdownForceTimeMs?: number;
  /** Workflows kept in memory between their tasks (`AIRLOCK_MAX_CACHED_WORKFLOWS`); default {@link DEFAULT_MAX_CACHED_WORKFLOWS}. */
  maxCachedWorkflows?: number;
  /** Workflow tasks run at once (`AIRLOCK_WORKFLOW_TASK_SLOTS`); default {@link MAX_CONCURRENT_WORKFLOW_TASKS}. */
  workflowTaskSlots?: number;
  /** Threads running workflow code (`AIRLOCK_WORKFLOW_THREADS`); default {@link WORKFLOW_THREADS}. */
  workflowThreads?: number;
  /** Workflow code records stack traces (`AIRLOCK_WORKFLOW_STACK_TRACES`), for the bundle built at start-up; default off. */
  workflowStackTraces?: boolean;
}

/**
 * The worker settings the environment sets (`AIRLOCK_MAX_CACHED_WORKFLOWS`, `…_WORKFLOW_TASK_SLOTS`,
 * `…_WORKFLOW_THREADS`, `…_WORKFLOW_STACK_TRACES`); unset ones keep their defaults.
 */
export function workerSettingsOf(env: Env): Pick<CreateWorkerOptions, 'maxCachedWorkflows' | 'workflowTaskSlots' | 'workflowThreads' | 'workflowStackTraces'> {
  return {
    ...(env.AIRLOCK_WORKFLOW_STACK_TRACES ? { workflowStackTraces: true } : {}),
    ...(env.AIRLOCK_MAX_CACHED_WORKFLOWS === undefined ? {} : { maxCachedWorkflows: env.AIRLOCK_MAX_CACHED_WORKFLOWS }),
    ...(env.AIRLOCK_WORKFLOW_TASK_SLOTS === undefined ? {} : { workflowTaskSlots: env.AIRLOCK_WORKFLOW_TASK_SLOTS }),
    ...(env.AIRLOCK_WORKFLOW_THREADS === undefined ? {} : { workflowThreads: env.AIRLOCK_WORKFLOW_THREADS }),
  };
}

/** Creates (does not run) the workers of Airlock's workflows and activities: the main queue, Slack's and each tool's. */
export async function createWorker(options: CreateWorkerOptions): Promise<WorkerGroup> {
  // Outcomes gathered for sessions are sent when the workers stop, not lost with the process.
  const ledger = options.activities.ledger ?? new SessionLedger();
  return WorkerGroup.create(
    {
      connection: options.connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      workflowBundle: options.workflowBundle ?? { code: await bundleWorkflowsApart({ stackTraces: options.workflowStackTraces }) },
      activities: createActivities({ ...options.activities, ledger }),
      ...(options.shutdownForceTimeMs === undefined ? {} : { shutdownForceTime: options.shutdownForceTimeMs }),
      ...workflowCacheOptions(options.maxCachedWorkflows, options.workflowTaskSlots),
      workflowThreadPoolSize: options.workflowThreads ?? WORKFLOW_THREADS,
    },
    options.activities.tools?.() ?? {},
    () => ledger.flush(),
  );
}

/**
 * The Slack client of the worker's activities, when a bot token is configured.
 * Its own retries are off: Temporal's retry policy is the one bound on attempts.
 */
export function slackClientFor(env: Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_API_URL'>): WebClient | undefined {
  if (!env.SLACK_BOT_TOKEN) return undefined;
  return new WebClient(env.SLACK_BOT_TOKEN, {
    slackApiUrl: env.SLACK_API_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 20_000,
    logLevel: LogLevel.ERROR,
  });
}

/**
 * The activities' dependencies for a configuration: its Slack client and a
 * signer of grants with `grantKeys` (both fixed until a restart), and the
 * policy in force, read at every attempt so a reload re-authorizes the next one.
 */
export function activityDepsFor(config: ConfigInput, grantKeys: GrantKeys): ActivityDeps {
  const source = configSource(config);
  const { env, file } = source.current;
  return {
    slack: slackClientFor(env),
    signer: createGrantSigner(grantKeys, signerOptions(file.grants)),
    policy: () => source.current.file.policy,
    tools: () => source.current.file.tools,
    webhooks: () => source.current.file.webhooks,
    mcp: { upstreams: () => source.current.file.mcp.upstreams, configPath: () => source.current.path },
    ledger: new SessionLedger(() => source.current.file.sessions.batchWindow),
  };
}

/**
 * After a reload, serves the task queues of tools it added, so their executions
 * never wait for a restart; a changed `maxConcurrent` is logged, as it only
 * takes effect when the worker restarts.
 */
export function serveReloadedTools(worker: WorkerGroup, live: LiveConfig, logger: Logger): void {
  live.onReload((current) => {
    worker.serveTools(current.file.tools).then(
      (changed) => {
        if (changed.length > 0) logger.warn({ tools: changed }, 'maxConcurrent changed: it takes effect when this worker restarts');
      },
      (err: unknown) => logger.error({ err }, 'the task queues of reloaded tools could not be served'),
    );
  });
}

/** Connects the worker side to the cluster. */
export function connectWorker(connection: ClusterConnection): Promise<NativeConnection> {
  return NativeConnection.connect(connection);
}
