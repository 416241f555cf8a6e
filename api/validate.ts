import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { fieldIssues, type FieldIssue } from '../lib/issues.js';
import { ApiError, invalidRequest } from './errors.js';

/** The schemas a route declares for what it reads from the request. */
export interface RouteSchemas<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  body?: B;
  query?: Q;
  params?: P;
}

/** What a route handler receives: each part parsed by its schema. */
export interface RouteInput<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  body: z.output<B>;
  query: z.output<Q>;
  params: z.output<P>;
}

function parsePart<S extends z.ZodType>(schema: S | undefined, value: unknown, root: string, issues: FieldIssue[]): z.output<S> {
  if (!schema) return undefined as z.output<S>;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  issues.push(...fieldIssues(result.error, root));
  return undefined as z.output<S>;
}

/**
 * Declares a route: validates body, query and path parameters against their
 * schemas (a 400 names every bad field) before the handler sees them.
 */
export function route<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, P extends z.ZodType = z.ZodUndefined>(
  schemas: RouteSchemas<B, Q, P>,
  handler: (input: RouteInput<B, Q, P>, req: Request, res: Response) => Promise<void>,
): RequestHandler {
  return async (req, res) => {
    // Checked at the door against these very schemas (api/door.ts): not checked twice.
    const checked = (req as CheckedRequest)[checkedInput];
    if (checked?.schemas === schemas) return handler(checked.input as RouteInput<B, Q, P>, req, res);
    if (schemas.body && !req.is('application/json')) {
      throw new ApiError('unsupported_media_type', 'send the body as JSON with Content-Type: application/json');
    }
    await handler(checkInput(schemas, req), req, res);
  };
}

/** The parts of a request, each parsed by its schema; every bad field is named in one 400 ({@link invalidRequest}). */
export function checkInput<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType>(
  schemas: RouteSchemas<B, Q, P>,
  req: { body?: unknown; query?: unknown; params?: unknown },
): RouteInput<B, Q, P> {
  const issues: FieldIssue[] = [];
  const input = {
    body: parsePart(schemas.body, req.body, '', issues),
    query: parsePart(schemas.query, req.query, 'query', issues),
    params: parsePart(schemas.params, req.params, 'params', issues),
  };
  if (issues.length > 0) throw invalidRequest(issues);
  return input;
}

/** Where the door leaves a request's input it has checked, and against which schemas. */
export const checkedInput = Symbol('airlock.checkedInput');
export type CheckedRequest = { [checkedInput]?: { schemas: object; input: unknown } };
