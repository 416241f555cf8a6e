import { z } from 'zod';
import { FieldIssue } from '../lib/issues.js';

/**
 * Stable error codes of the HTTP API, with the status each is answered with.
 * Zod only (no express, no Temporal), so the typed client and the OpenAPI
 * document read the same table as the error handler.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  claim_mismatch: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  stale_version: 409,
  loop_detected: 409,
  session_closed: 409,
  payload_too_large: 413,
  agent_frozen: 423,
  rate_limited: 429,
  too_many_pending: 429,
  unsupported_media_type: 415,
  invalid_config: 422,
  temporal_unavailable: 503,
  worker_unavailable: 503,
  upstream_unavailable: 503,
  internal: 500,
} as const;

/** One of {@link ERROR_STATUS}'s codes. */
export const ErrorCode = z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error body of the API: `{ error: { code, message, details? } }`; `details` lists bad fields on a 400. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.union([z.array(FieldIssue), z.record(z.string(), z.unknown())]).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
