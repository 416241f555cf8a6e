import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import type { ErrorRequestHandler } from 'express';
import type { FieldIssue } from '../lib/issues.js';
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from './error-body.js';

export { ERROR_STATUS, ErrorBody, ErrorCode } from './error-body.js';

/** Thrown by route handlers when a request cannot be served; rendered by {@link errorHandler}. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorBody['error']['details'],
    options?: { cause?: unknown; retryAfterS?: number },
  ) {
    // A refusal (4xx) is an answer, not a fault: its stack is never logged, and
    // capturing one cost more than the rest of a 401 (the benchmark's profile).
    const limit = Error.stackTraceLimit;
    if (ERROR_STATUS[code] < 500) Error.stackTraceLimit = 0;
    super(message, options);
    Error.stackTraceLimit = limit;
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
    this.retryAfterS = options?.retryAfterS;
  }

  /** Seconds to wait before trying again, sent as `Retry-After` (429s, 503s). */
  readonly retryAfterS: number | undefined;

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** Thrown by `validate` when a body, query or path does not match its schema; every bad field is listed. */
export function invalidRequest(issues: FieldIssue[]): ApiError {
  const names = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return new ApiError('invalid_request', `invalid request: ${names}`, issues);
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/** Maps body-parser's own failures (bad JSON, too large) onto our error codes. */
function fromBodyParser(err: BodyParserError): ApiError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new ApiError('invalid_request', 'the body is not valid JSON', [{ field: '(body)', message: err.message }]);
    case 'entity.too.large':
      return new ApiError('payload_too_large', `the body is larger than ${err.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('unsupported_media_type', err.message);
    default:
      return err.status && err.status >= 400 && err.status < 500 ? new ApiError('invalid_request', err.message) : undefined;
  }
}

/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED: the Temporal frontend cannot be reached right now. */
export function isTemporalUnreachable(err: unknown): boolean {
  const code = (e: unknown) => (typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined);
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && (code(cause) === 14 || code(cause) === 4);
}

/** The {@link ApiError} an error is answered as (the MCP server answers the same), or undefined for an unexpected one. */
export function asApiError(err: unknown): ApiError | undefined {
  return err instanceof ApiError
    ? err
    : isTemporalUnreachable(err)
      ? new ApiError('temporal_unavailable', 'Temporal cannot be reached; nothing was recorded, retry later (with the same idempotencyKey)')
      : err instanceof Error
        ? fromBodyParser(err)
        : undefined;
}

/** How an {@link ApiError} is answered (by the error handler and by the door alike): status, JSON body, headers. */
export function answerOf(error: ApiError): { status: number; body: string; headers: Record<string, string> } {
  const body = JSON.stringify(error.toBody());
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) };
  if (error.retryAfterS !== undefined) headers['retry-after'] = String(error.retryAfterS);
  return { status: error.status, body, headers };
}

/** The last middleware: one JSON shape for every error, and no stack trace ever leaves the process. */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  const apiError = asApiError(err);
  if (!apiError) req.log.error({ err }, 'unexpected error');
  else if (apiError.status >= 500) req.log.error({ err }, 'request failed');
  const { status, body, headers } = answerOf(apiError ?? new ApiError('internal', 'internal error; see the server log for this request id'));
  res.status(status).set(headers).send(body);
};
