import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActionState, ExecutionResult, Resource } from '../domain/action.js';

/** What the executor receives as the JSON body: the action, never Airlock's credentials. */
export interface ExecutorPayload {
  actionId: string;
  agentId: string;
  sessionId: string;
  tool: string;
  operation: ActionState['operation'];
  environment: ActionState['environment'];
  parameters: Record<string, unknown>;
  resources: Resource[];
  approvers: string[];
  /** Which version executes: 1 is the agent's, higher ones an approver's edit. */
  version: number;
}

/** Input of {@link executeHttpTool}. */
export interface ExecuteHttpToolInput {
  url: string;
  timeoutMs: number;
  action: ExecutorPayload;
}

/** A successful execution. */
export interface ExecuteHttpToolOutput {
  result: ExecutionResult;
  attempt: number;
}

/** Attached to every executor failure so the workflow can report attempts and the last answer. */
export interface ExecutorFailureDetails {
  attempt: number;
  result?: ExecutionResult;
}

/** Bodies are kept for the action state and the history; beyond this they are cut. */
export const MAX_RESULT_BODY = 4096;

function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Builds the HTTP executor activity; `fetchImpl` is injectable for tests of the activity alone. */
export function createHttpExecutor(fetchImpl: typeof fetch = fetch) {
  /**
   * Calls a tool's HTTP executor once per attempt. 2xx succeeds; 408, 429 and 5xx,
   * timeouts and refused connections are retried by Temporal's retry policy; any
   * other 4xx fails at once. `Idempotency-Key` lets the target drop repeats.
   */
  return async function executeHttpTool(input: ExecuteHttpToolInput): Promise<ExecuteHttpToolOutput> {
    const { attempt } = Context.current().info;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(input.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': input.action.actionId,
          'x-airlock-attempt': String(attempt),
        },
        body: JSON.stringify(input.action),
        signal: AbortSignal.timeout(input.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${input.timeoutMs}ms` : errorText(err);
      throw ApplicationFailure.create({
        message: `executor ${input.url} unreachable: ${reason}`,
        type: 'ExecutorUnreachable',
        details: [{ attempt } satisfies ExecutorFailureDetails],
      });
    }

    const truncated = text.length > MAX_RESULT_BODY;
    const result: ExecutionResult = { httpStatus: response.status, body: truncated ? text.slice(0, MAX_RESULT_BODY) : text, truncated };
    if (response.ok) return { result, attempt };

    const details: ExecutorFailureDetails = { attempt, result };
    if (isRetryableStatus(response.status)) {
      const delay = response.status === 429 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
      throw ApplicationFailure.create({
        message: `executor answered ${response.status}`,
        type: 'ExecutorUnavailable',
        details: [details],
        // A zero delay would read as "no retry" to the server; leave those to the backoff.
        ...(delay ? { nextRetryDelay: delay } : {}),
      });
    }
    throw ApplicationFailure.create({
      message: `executor refused the action with ${response.status}`,
      type: 'ExecutorRejected',
      nonRetryable: true,
      details: [details],
    });
  };
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch hides the socket error (ECONNREFUSED…) in `cause`.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
