import { ErrorBody } from '../api/error-body.js';
import { AirlockError, ApiRequestError, Frozen, RateLimited, Unauthorized, Unavailable } from './errors.js';

/** How the client retries; each bound is small so a caller is never held for long without an answer. */
export interface RetryOptions {
  /** Retries of a 429 after its `Retry-After` (default 2); then `RateLimited`. */
  rateLimited: number;
  /** The longest `Retry-After` waited for (default 60 s); a longer one raises `RateLimited` at once. */
  maxRetryAfterS: number;
  /** Retries of a transport failure or a 503, for calls safe to repeat (default 4), backing off from 250 ms. */
  unavailable: number;
}

/** The retry bounds unless the caller sets its own. */
export const DEFAULT_RETRY: RetryOptions = { rateLimited: 2, maxRetryAfterS: 60, unavailable: 4 };

/** One call of the API. */
export interface HttpCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, from the root: `/v1/actions?wait=10`. */
  path: string;
  body?: unknown;
  /**
   * Whether repeating the call after a transport failure or a 503 is safe: a
   * read, or a submission carrying its idempotency key. A cancel or a close is
   * not, since a 503 there may still take effect.
   */
  repeatable: boolean;
  signal?: AbortSignal | undefined;
}

/** A successful answer: its status and JSON body. */
export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

/** Seconds of a `Retry-After` header (delta-seconds form, which is what Airlock sends). */
function retryAfterOf(headers: Headers): number | undefined {
  const value = Number(headers.get('retry-after'));
  return Number.isFinite(value) && value >= 0 && headers.has('retry-after') ? value : undefined;
}

/** The typed error of an error answer; a body that is not Airlock's (a proxy's page) still gives its status. */
function errorOf(status: number, text: string, retryAfterS: number | undefined): AirlockError {
  let parsed: ErrorBody | undefined;
  try {
    const result = ErrorBody.safeParse(JSON.parse(text));
    if (result.success) parsed = result.data;
  } catch {
    // Not JSON: described below by its status.
  }
  const { code, message, details } = parsed?.error ?? { code: status >= 500 ? 'internal' : 'invalid_request', message: `HTTP ${status}: ${text.slice(0, 200)}` };
  const facts = { code, status, details };
  if (status === 401) return new Unauthorized(message, facts);
  if (status === 423) return new Frozen(message, facts);
  if (status === 429) return new RateLimited(message, facts, retryAfterS);
  if (status === 503) return new Unavailable(message, facts);
  return new ApiRequestError(message, facts);
}

/** Talks HTTP to one Airlock: bearer key, JSON, bounded retries. */
export class Http {
  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly fetchFn: typeof fetch,
    private readonly retry: RetryOptions,
  ) {}

  /** Sends the call; answers a 2xx, or throws the typed error of the last answer. */
  async send(call: HttpCall): Promise<HttpAnswer> {
    let rateLimited = 0;
    let unavailable = 0;
    for (;;) {
      let res: Response;
      try {
        res = await this.fetchFn(`${this.url}${call.path}`, {
          method: call.method,
          headers: { authorization: `Bearer ${this.key}`, accept: 'application/json', ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
          ...(call.signal ? { signal: call.signal } : {}),
        });
      } catch (err) {
        if (call.signal?.aborted) throw err;
        if (call.repeatable && unavailable < this.retry.unavailable) {
          await sleep(backoffMs(unavailable++), call.signal);
          continue;
        }
        throw new Unavailable(`Airlock at ${this.url} could not be reached: ${err instanceof Error ? err.message : String(err)}`, { code: 'unreachable', status: 0, cause: err });
      }
      const text = await res.text();
      if (res.ok) return { status: res.status, body: text ? JSON.parse(text) : undefined };
      const retryAfterS = retryAfterOf(res.headers);
      // A 429 is answered before anything is recorded: repeating any call after it is safe.
      if (res.status === 429 && rateLimited < this.retry.rateLimited && retryAfterS !== undefined && retryAfterS <= this.retry.maxRetryAfterS) {
        rateLimited++;
        await sleep(retryAfterS * 1000, call.signal);
        continue;
      }
      if (res.status === 503 && call.repeatable && unavailable < this.retry.unavailable) {
        await sleep(retryAfterS !== undefined ? Math.min(retryAfterS * 1000, 30_000) : backoffMs(unavailable), call.signal);
        unavailable++;
        continue;
      }
      throw errorOf(res.status, text, retryAfterS);
    }
  }
}

/** 250 ms, 500 ms, 1 s… up to 5 s, with jitter so many clients do not retry in step. */
export function backoffMs(attempt: number): number {
  return Math.min(5_000, 250 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}
