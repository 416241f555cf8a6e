import type { Express, Request } from 'express';
import type { Logger } from '../lib/logger.js';
import { requestIdFrom } from './request-id.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id: the caller's `x-request-id` when safe, else a fresh UUID (see {@link requestIdFrom}). */
    id: string;
    /** A child of the root logger carrying `reqId`; made the first time a handler logs, so a request that logs nothing pays nothing. */
    readonly log: Logger;
  }
}

const child = Symbol('airlock.requestLogger');

/** When the door (api/door.ts) took the request: its response time counts from there. */
export const receivedAt = Symbol('airlock.receivedAt');
export type ReceivedRequest = { [receivedAt]?: number };

/** The level of a request's line: 5xx error, 4xx warn, the rest info. */
function levelOf(status: number): 'error' | 'warn' | 'info' {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/** The one line a request leaves when its answer is done (through express, or at the door). */
export function logCompleted(logger: Logger, id: string, method: string | undefined, url: string | undefined, status: number, started: number, aborted = false): void {
  const level = levelOf(status);
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    { reqId: id, req: { method, url }, res: { statusCode: status }, responseTime: Math.round(performance.now() - started), ...(aborted ? { aborted: true } : {}) },
    'request completed',
  );
}
type LoggedRequest = Request & { [child]?: Logger };


/**
 * Request ids and request logging, as cheap as they can be: every request
 * gets its id (echoed as `x-request-id`, and put back in the request's headers
 * so nothing downstream sees a refused one), `req.log` on demand, and one line
 * when the answer is done — `request completed` with `reqId`, `req` (method,
 * url), `res` (statusCode), `responseTime` in ms, and `aborted` when the client
 * left first. Headers are not logged: they cost every request a serialisation
 * and a redaction pass, for lines that rarely need them. Must be the first
 * middleware, so every answer (404s and refusals too) carries the id.
 */
export function logRequests(app: Express, logger: Logger): void {
  // On the app's request prototype, so a request costs no property definition.
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: LoggedRequest): Logger {
      return (this[child] ??= logger.child({ reqId: this.id }));
    },
  });
  app.use((req, res, next) => {
    const started = (req as ReceivedRequest)[receivedAt] ?? performance.now();
    const id = requestIdFrom(req.headers['x-request-id']);
    req.headers['x-request-id'] = id;
    req.id = id;
    res.setHeader('x-request-id', id);
    // 'close' comes after 'finish' for a completed answer, and alone for one the client abandoned.
    res.once('close', () => logCompleted(logger, id, req.method, req.originalUrl, res.statusCode, started, !res.writableFinished));
    next();
  });
}
