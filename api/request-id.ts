import { randomUUID } from 'node:crypto';

/**
 * What a caller's `x-request-id` may be for Airlock to keep it: short, and of
 * characters that cannot break a log line, a header or a shell. Anything else
 * is replaced, so a client cannot bloat every log line or forge log content.
 */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of one request: the caller's `x-request-id` when it is one header of
 * a {@link SAFE_REQUEST_ID} shape, otherwise a fresh UUID.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}
