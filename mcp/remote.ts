import type { ActionRequest, ActionState } from '../domain/action.js';
import type { SessionBody, SessionState } from '../domain/session.js';
import { ToolRefusal } from './refusal.js';
import type { AirlockBackend } from './tools.js';

/** Time beyond the wait a call may take (network, Temporal) before it is given up. */
const SLACK_MS = 15_000;

/** The API's error body, as far as a client relies on it. */
interface ErrorAnswer {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

/**
 * The tools' backend outside the API: calls a remote Airlock's HTTP API as the
 * agent whose key it holds. The API applies every check; this only carries
 * calls and answers, and turns its error bodies into {@link ToolRefusal}s.
 */
export class RemoteAirlock implements AirlockBackend {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, waitMs = 0): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.key}`,
          'x-airlock-client': 'mcp-stdio',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(waitMs + SLACK_MS),
      });
    } catch (err) {
      throw new ToolRefusal('unavailable', `Airlock at ${this.baseUrl} cannot be reached: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok && json !== undefined) return json as T;
    const error = (json as ErrorAnswer | undefined)?.error;
    const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
    throw new ToolRefusal(
      typeof error?.code === 'string' ? error.code : `http_${res.status}`,
      typeof error?.message === 'string' ? error.message : `Airlock answered ${res.status} ${res.statusText}`,
      { status: res.status, ...(Number.isFinite(retryAfter) ? { retryAfterS: retryAfter } : {}), details: error?.details },
    );
  }

  submit(request: ActionRequest, waitMs: number): Promise<ActionState> {
    return this.call('POST', `/v1/actions?wait=${Math.ceil(waitMs / 1000)}`, request, waitMs);
  }

  get(id: string): Promise<ActionState> {
    return this.call('GET', `/v1/actions/${encodeURIComponent(id)}`);
  }

  waitFor(id: string, waitMs: number): Promise<ActionState> {
    return this.call('GET', `/v1/actions/${encodeURIComponent(id)}?wait=${Math.ceil(waitMs / 1000)}`, undefined, waitMs);
  }

  cancel(id: string): Promise<ActionState> {
    return this.call('POST', `/v1/actions/${encodeURIComponent(id)}/cancel`);
  }

  openSession(body: SessionBody): Promise<SessionState> {
    // The tool parsed `ttl` to milliseconds; the API reads a duration string again.
    const { ttl, ...rest } = body;
    return this.call('POST', '/v1/sessions', { ...rest, ...(ttl === undefined ? {} : { ttl: `${ttl}ms` }) });
  }
}
