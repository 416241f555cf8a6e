/**
 * The typed client of Airlock's HTTP API (published as `airlock/client`):
 * requests typed by the same zod contracts the API validates with, answers
 * parsed by them, typed errors, idempotent retries.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ActionState, type ActionRequest } from '../domain/action.js';
import { SessionState, type SessionBody } from '../domain/session.js';
import { isTerminal } from '../domain/status.js';
import { AirlockError, outcomeError, Unavailable } from './errors.js';
import { backoffMs, DEFAULT_RETRY, Http, sleep, type HttpCall, type RetryOptions } from './http.js';

export * from './errors.js';
export type { RetryOptions } from './http.js';
export type { ActionState, Resource, Impact, Environment, Operation, ActionStatus } from '../domain/action.js';
export type { SessionState } from '../domain/session.js';

/** What `submit` and `run` take: the body of `POST /v1/actions`, as a caller may write it (`impact` and `idempotencyKey` optional). */
export type SubmitRequest = z.input<typeof ActionRequest>;

/** What `openSession` takes: the body of `POST /v1/sessions`. */
export type SessionDeclaration = z.input<typeof SessionBody>;

/** Options of {@link AirlockClient}. */
export interface AirlockClientOptions {
  /** Where Airlock's API is: `http://localhost:8080`. */
  url: string;
  /** The agent's key (an operator's works for reads and cancels). */
  key: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  retry?: Partial<RetryOptions>;
}

/** The longest `?wait` the API holds an answer for, in seconds. */
const MAX_WAIT_S = 60;
/** The shortest interval between two rounds of {@link AirlockClient.wait}. */
const MIN_ROUND_MS = 250;

/**
 * A client of one Airlock for one key.
 *
 * @example
 * const airlock = new AirlockClient({ url: 'http://localhost:8080', key: process.env.AIRLOCK_KEY! });
 * const state = await airlock.run({ tool: 'crm.contacts.read', environment: 'dev', resources: [],
 *   parameters: { ids: ['c-1'] }, justification: 'look up the customer', sessionId: 'ticket-4711' }, { timeoutMs: 30_000 });
 */
export class AirlockClient {
  private readonly http: Http;

  constructor(options: AirlockClientOptions) {
    const fetchFn = options.fetch ?? globalThis.fetch;
    this.http = new Http(options.url.replace(/\/+$/, ''), options.key, fetchFn, { ...DEFAULT_RETRY, ...options.retry });
  }

  /**
   * Submits an action. Without an `idempotencyKey` the client makes one, and
   * sends that same key on each of its own retries, so a retried submission
   * never creates a second action. `wait` (seconds, ≤ 60) holds the answer until
   * the action is terminal or awaiting approval.
   */
  async submit(request: SubmitRequest, options: { wait?: number; signal?: AbortSignal } = {}): Promise<ActionState> {
    const body = { ...request, idempotencyKey: request.idempotencyKey ?? randomUUID() };
    const wait = Math.max(0, Math.min(MAX_WAIT_S, Math.floor(options.wait ?? 0)));
    return this.action({ method: 'POST', path: `/v1/actions?wait=${wait}`, body, repeatable: true, signal: options.signal });
  }

  /** The action's state now. */
  async get(id: string, options: { signal?: AbortSignal } = {}): Promise<ActionState> {
    return this.action({ method: 'GET', path: `/v1/actions/${encodeURIComponent(id)}`, repeatable: true, signal: options.signal });
  }

  /**
   * Waits up to `timeoutMs` for the action to end: long polls of at most 60 s
   * each, backing off while Airlock cannot be reached. Answers the terminal state,
   * or the last state seen when time runs out (`awaiting_approval`, say); never
   * throws for the action's outcome (see {@link run} for that).
   */
  async wait(id: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<ActionState> {
    const deadline = Date.now() + options.timeoutMs;
    let last: ActionState | undefined;
    let failures = 0;
    for (;;) {
      const leftS = Math.floor((deadline - Date.now()) / 1000);
      const roundStarted = Date.now();
      try {
        last = await this.action({
          method: 'GET',
          path: `/v1/actions/${encodeURIComponent(id)}?wait=${Math.max(0, Math.min(MAX_WAIT_S, leftS))}`,
          repeatable: true,
          signal: options.signal,
        });
        failures = 0;
      } catch (err) {
        // An outage longer than one call's retries: keep trying until the caller's deadline.
        if (!(err instanceof Unavailable) || Date.now() + backoffMs(failures) >= deadline) throw err;
        await sleep(backoffMs(failures++), options.signal);
        continue;
      }
      if (isTerminal(last.status) || leftS <= 0) return last;
      // A round answered at once without an end (newly awaiting approval, or a server that does not hold answers): pace the next.
      if (Date.now() - roundStarted < MIN_ROUND_MS) await sleep(MIN_ROUND_MS, options.signal);
    }
  }

  /** Cancels the action before it executes (`409 conflict` once it executes or is over). */
  async cancel(id: string, options: { signal?: AbortSignal } = {}): Promise<ActionState> {
    return this.action({ method: 'POST', path: `/v1/actions/${encodeURIComponent(id)}/cancel`, repeatable: false, signal: options.signal });
  }

  /**
   * Submits the action and waits up to `timeoutMs` (default 60 s) for it to end.
   * Answers the succeeded state (`result` holds the executor's answer); throws
   * `NeedsApproval` (still awaiting a decision), `Rejected`, `Denied`, `Expired`,
   * `Cancelled`, `Failed` or `TimedOut` otherwise, each carrying the state.
   */
  async run(request: SubmitRequest, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ActionState> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let state = await this.submit(request, { wait: Math.floor(timeoutMs / 1000), signal: options.signal });
    // The status of the answer that carried the final state: the submission's 202, or a read's 200.
    let status = 202;
    if (!isTerminal(state.status) && deadline - Date.now() >= 1000) {
      state = await this.wait(state.id, { timeoutMs: deadline - Date.now(), ...(options.signal ? { signal: options.signal } : {}) });
      status = 200;
    }
    const error = outcomeError(state, status);
    if (error) throw error;
    return state;
  }

  /** Declares a session (the same declaration again answers the open session). */
  async openSession(declaration: SessionDeclaration, options: { signal?: AbortSignal } = {}): Promise<SessionState> {
    return this.session({ method: 'POST', path: '/v1/sessions', body: declaration, repeatable: true, signal: options.signal });
  }

  /** The session's state: budget spent, recent actions, standing approvals. */
  async getSession(id: string, options: { signal?: AbortSignal } = {}): Promise<SessionState> {
    return this.session({ method: 'GET', path: `/v1/sessions/${encodeURIComponent(id)}`, repeatable: true, signal: options.signal });
  }

  /** Closes the session: its actions awaiting approval are cancelled, later ones refused. */
  async closeSession(id: string, options: { signal?: AbortSignal } = {}): Promise<SessionState> {
    return this.session({ method: 'DELETE', path: `/v1/sessions/${encodeURIComponent(id)}`, repeatable: false, signal: options.signal });
  }

  private async action(call: HttpCall): Promise<ActionState> {
    return this.parsed(ActionState, call);
  }

  private async session(call: HttpCall): Promise<SessionState> {
    return this.parsed(SessionState, call);
  }

  /** The answer parsed by its contract: an answer that breaks it is an error of the client's, never a half-read state. */
  private async parsed<T>(schema: z.ZodType<T>, call: HttpCall): Promise<T> {
    const answer = await this.http.send(call);
    const result = schema.safeParse(answer.body);
    if (result.success) return result.data;
    const fields = result.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new AirlockError(`${call.method} ${call.path} answered ${answer.status} with a body this client does not understand (${fields})`, {
      code: 'unexpected_answer',
      status: answer.status,
      cause: result.error,
    });
  }
}
