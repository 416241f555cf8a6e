/** Every piece of I/O the workflows do, built by {@link createActivities}. */
import { createHttpExecutor } from './http-executor.js';

export interface ActivityDeps {
  fetch?: typeof fetch;
}

/** Builds the activities a worker registers. */
export function createActivities(deps: ActivityDeps = {}) {
  return {
    executeHttpTool: createHttpExecutor(deps.fetch),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ExecuteHttpToolInput, ExecuteHttpToolOutput, ExecutorFailureDetails, ExecutorPayload } from './http-executor.js';
