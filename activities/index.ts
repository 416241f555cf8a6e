/** Every piece of I/O the workflows do, built by {@link createActivities}. */
import type { WebClient } from '@slack/web-api';
import { createHttpExecutor } from './http-executor.js';
import { createSlackActivities } from './slack.js';

/** What the activities talk to; tests hand in their own. */
export interface ActivityDeps {
  fetch?: typeof fetch;
  /** A Slack Web API client; without one the Slack activities fail for good, saying why. */
  slack?: WebClient;
}

/** Builds the activities a worker registers. */
export function createActivities(deps: ActivityDeps = {}) {
  return {
    executeHttpTool: createHttpExecutor(deps.fetch),
    ...createSlackActivities(deps.slack),
  };
}

export type Activities = ReturnType<typeof createActivities>;

export type { ExecuteHttpToolInput, ExecuteHttpToolOutput, ExecutorFailureDetails, ExecutorPayload } from './http-executor.js';
export type { CardTarget } from './slack.js';
