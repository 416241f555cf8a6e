import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { RequestHandler } from 'express';
import type { ConfigSource } from '../config/live.js';
import type { Logger } from '../lib/logger.js';
import { SUBMIT_SCHEMAS } from './actions/routes.js';
import { identifier, type Principal } from './auth.js';
import { answerOf, ApiError, asApiError } from './errors.js';
import { requestIdFrom } from './request-id.js';
import { logCompleted, receivedAt, type ReceivedRequest } from './request-log.js';
import { checkedInput, checkInput, type CheckedRequest } from './validate.js';

export const HEALTHY = JSON.stringify({ ok: true });
export const HEALTHY_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(HEALTHY)) };

/** What the door needs: the app behind it, the configuration in force, the JSON body parser of that configuration. */
export interface DoorDeps {
  app: (req: IncomingMessage, res: ServerResponse) => void;
  config: ConfigSource;
  logger: Logger;
  json: () => RequestHandler;
}

type DoorRequest = IncomingMessage & ReceivedRequest & CheckedRequest & { principal?: Principal; body?: unknown };

/**
 * What the server answers before express, because it is asked most and answered
 * the same every time: `GET /healthz`; a `/v1` request without a known key
 * (401); an agent's `POST /v1/actions` whose body is not JSON or breaks its
 * contract (400, 413). Each answer is the one express would give, with its
 * request id and log line. Everything else goes on to express, which then
 * neither identifies the caller nor checks the submission again. Express's
 * router walks every route, and its error path captures and renders more than
 * a refusal needs: a flood of bad requests must cost little.
 */
export function createDoor({ app, config, logger, json }: DoorDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const identify = identifier(config);
  return (req: DoorRequest, res) => {
    const started = performance.now();
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/healthz') return answer(req, res, started, 200, HEALTHY, HEALTHY_HEADERS, logger);
    if (url !== '/v1' && !url.startsWith('/v1/') && !url.startsWith('/v1?')) return app(req, res);
    req[receivedAt] = started;
    try {
      req.principal = identify(req.headers.authorization);
    } catch (err) {
      return refuse(req, res, started, err as ApiError, logger);
    }
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (req.method !== 'POST' || path !== '/v1/actions' || req.principal.kind !== 'agent') return app(req, res);
    json()(req as Parameters<RequestHandler>[0], res as Parameters<RequestHandler>[1], (err?: unknown) => {
      if (err) return refuse(req, res, started, asApiError(err) ?? new ApiError('internal', 'internal error; see the server log for this request id'), logger, err);
      // The parser left no body (not JSON, or none at all): express answers it (415). A JSON
      // body it read is always an object or an array: it parses strictly, and an empty body is {}.
      if (req.body === undefined) return app(req, res);
      try {
        req[checkedInput] = { schemas: SUBMIT_SCHEMAS, input: checkInput(SUBMIT_SCHEMAS, { body: req.body, query: parseQuery(query < 0 ? '' : url.slice(query + 1)) }) };
      } catch (refusal) {
        return refuse(req, res, started, refusal as ApiError, logger);
      }
      app(req, res);
    });
  };
}

/** The refusal as express's error handler writes it. */
function refuse(req: IncomingMessage, res: ServerResponse, started: number, error: ApiError, logger: Logger, cause?: unknown): void {
  if (cause !== undefined && error.status >= 500) logger.error({ err: cause }, 'request failed');
  const { status, body, headers } = answerOf(error);
  answer(req, res, started, status, body, headers, logger);
}

/** Writes a whole answer with the request's id, and logs the line express's request log would. */
function answer(req: IncomingMessage, res: ServerResponse, started: number, status: number, body: string, headers: Record<string, string>, logger: Logger): void {
  const id = requestIdFrom(req.headers['x-request-id']);
  res.writeHead(status, { ...headers, 'x-request-id': id }).end(body);
  logCompleted(logger, id, req.method, req.url, status, started);
}
