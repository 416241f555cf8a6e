import {
  ServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcCancelledError,
  isGrpcDeadlineError,
  type Client,
} from '@temporalio/client';
import { ApiError } from './errors.js';

/** A gRPC call or Update that ran out of time (our deadline, or the server's). */
export function isDeadline(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    isGrpcDeadlineError(err) ||
    isGrpcCancelledError(err) ||
    (err instanceof ServiceError && (isGrpcDeadlineError(err.cause) || isGrpcCancelledError(err.cause)))
  );
}

/**
 * An Update needs a worker to answer it, and none may be polling (all stopped, or
 * the workflow lives on a task queue nobody serves any more). A request must not
 * hang on that: past `ms` it gets 503 `worker_unavailable`, saying what was asked.
 */
export async function answeredWithin<T>(client: Client, what: string, send: () => Promise<T>, ms: number): Promise<T> {
  try {
    return await client.connection.withDeadline(Date.now() + ms, send);
  } catch (err) {
    if (!isDeadline(err)) throw err;
    throw new ApiError(
      'worker_unavailable',
      `no Airlock worker answered within ${Math.round(ms / 1000)} s (${what}); it may still apply once a worker runs, so read the state before retrying`,
      undefined,
      { cause: err, retryAfterS: 5 },
    );
  }
}
