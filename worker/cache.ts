import type { WorkerOptions } from '@temporalio/worker';

/**
 * Workflows a worker process keeps in memory between their tasks when
 * `AIRLOCK_MAX_CACHED_WORKFLOWS` is unset. A cached action awaiting approval
 * costs about 0.3 MB of the worker's resident memory; one evicted costs
 * nothing until its next task, which replays its history first (about 25
 * events). 500 left `npm start` (API, worker and all) at rest under 512 MB
 * with 10 000 actions waiting (though above it at the peak while they were
 * submitted), with room for a burst of decisions on as many actions (see
 * "Sizing" in the README for the measurements). The
 * Temporal SDK's own default grows with the heap limit (about 2 300 on a
 * 4 GB heap), which let the process grow past 1 GB.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 500;

/**
 * Workflow tasks a worker runs at once (the SDK's default is 40). An auto
 * action's first task holds the executor's call (a local activity), so it
 * stays open for the call's length: with 40, 200 concurrent submissions
 * queued for a slot (the auto path at 1.29× bare at p50, throughput 0.86×);
 * with 200, 1.10× and 1.00× (the benchmark's auto leg at 200, one run each,
 * 2026-12-06). At 50 the slot count did not decide the p50: 40, 100 and 200
 * gave 1.35×, 1.63× and 1.62× in one run each, the workflow threads did
 * (see {@link WORKFLOW_THREADS}). At most the cache: a task's workflow must be in it.
 */
export const MAX_CONCURRENT_WORKFLOW_TASKS = 200;

/**
 * Threads running workflow code (the SDK's default is 1 with its reused V8
 * context). The SDK enters a workflow's context several times per activation,
 * each time under a timeout that Node enforces with a watchdog thread of its
 * own, started and joined around the call (about 0.13 ms of CPU per call
 * here, and a wait for the scheduler on a busy machine). With 1 thread every
 * activation of the process queues behind those waits. The benchmark's auto
 * leg at concurrency 50, five runs each (2026-12-06): with 1 thread the p50
 * was 1.27–1.82× bare (p99 0.62–0.82×); with 2, 0.79–1.40× (p99 0.79–1.44×),
 * throughput alike. The second thread costs about 64 MB at rest. See "Sizing"
 * in the README.
 */
export const WORKFLOW_THREADS = 2;

/**
 * The main queue worker's workflow cache settings for a cache of `maxCached` workflows
 * (default {@link DEFAULT_MAX_CACHED_WORKFLOWS}) and `wanted` task slots.
 */
export function workflowCacheOptions(
  maxCached = DEFAULT_MAX_CACHED_WORKFLOWS,
  wanted = MAX_CONCURRENT_WORKFLOW_TASKS,
): Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions'> {
  // The SDK wants 2 to the cache's size when there is a cache; without one, any.
  const slots = maxCached === 0 ? wanted : Math.max(2, Math.min(wanted, maxCached));
  return { maxCachedWorkflows: maxCached, maxConcurrentWorkflowTaskExecutions: slots };
}
