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
 * 2026-12-06). Not settled: the next full run with 200 had 1.13× at 200 but
 * 1.62× at 50 (README, run 17). At most the cache: a task's workflow must be in it.
 */
export const MAX_CONCURRENT_WORKFLOW_TASKS = 200;

/** The main queue worker's workflow cache settings for a cache of `maxCached` workflows (default {@link DEFAULT_MAX_CACHED_WORKFLOWS}). */
export function workflowCacheOptions(maxCached = DEFAULT_MAX_CACHED_WORKFLOWS): Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions'> {
  // The SDK wants 2 to the cache's size when there is a cache; without one, any.
  const slots = maxCached === 0 ? MAX_CONCURRENT_WORKFLOW_TASKS : Math.max(2, Math.min(MAX_CONCURRENT_WORKFLOW_TASKS, maxCached));
  return { maxCachedWorkflows: maxCached, maxConcurrentWorkflowTaskExecutions: slots };
}
