import { z } from 'zod';
import { ERROR_STATUS, ErrorBody, type ErrorCode } from '../error-body.js';
import { CONTRACTS, ROUTES, type AnswerDoc, type RouteDoc, type RouteFeatures } from './routes.js';

/** A JSON Schema or OpenAPI object, as plain JSON. */
type Json = Record<string, unknown>;

/** Contracts that get a name under `components.schemas` (and a `$ref`) instead of being written inline. */
const NAMED: ReadonlyMap<z.ZodType, string> = new Map(Object.entries(CONTRACTS).map(([name, schema]) => [schema, name]));

/** Codes every route of a kind may answer, beyond its own list. */
const AUTHENTICATED_ERRORS: ErrorCode[] = ['unauthorized', 'temporal_unavailable', 'internal'];
const INPUT_ERRORS: ErrorCode[] = ['invalid_request'];
const BODY_ERRORS: ErrorCode[] = ['invalid_request', 'payload_too_large', 'unsupported_media_type'];

/**
 * JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of a zod schema.
 * Requests are described as a caller may send them (`io: input`: defaults
 * make a field optional), answers as the API writes them.
 */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  // Refinements and transforms have no JSON Schema; they are described by the shape they check.
  const { $schema: _dialect, ...out } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  return out;
}

/** Builds one document; {@link openApiDocument} caches them. */
class DocumentBuilder {
  readonly components: Record<string, Json> = {};

  /** A `$ref` to a named contract, or the schema inline. */
  schema(schema: z.ZodType, io: 'input' | 'output'): Json {
    const name = NAMED.get(schema);
    if (!name) return jsonSchemaOf(schema, io);
    this.components[name] ??= jsonSchemaOf(schema, io);
    return { $ref: `#/components/schemas/${name}` };
  }

  /** Path and query parameters, one per property of the route's schema. */
  parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
    if (!schema) return [];
    const object = jsonSchemaOf(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
    return Object.entries(object.properties ?? {}).map(([name, property]) => {
      const { description, ...rest } = property;
      return {
        name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        schema: rest,
        ...(typeof description === 'string' ? { description } : {}),
      };
    });
  }

  answer(doc: AnswerDoc): Json {
    const types = doc.contentType === undefined ? (doc.schema ? ['application/json'] : []) : [doc.contentType].flat();
    if (types.length === 0) return { description: doc.description };
    const media = (type: string) => (doc.schema && type === 'application/json' ? { schema: this.schema(doc.schema, 'output') } : {});
    return { description: doc.description, content: Object.fromEntries(types.map((type) => [type, media(type)])) };
  }

  /** Error answers grouped by status; the description names each code. */
  errors(route: RouteDoc): Record<string, Json> {
    const codes = new Set<ErrorCode>([
      ...(route.audience === 'public' ? [] : AUTHENTICATED_ERRORS),
      ...(route.query || route.params ? INPUT_ERRORS : []),
      ...(route.body ? BODY_ERRORS : []),
      ...(route.errors ?? []),
    ]);
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
    const out: Record<string, Json> = {};
    for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
      const retryAfter = list.some((c) => c === 'rate_limited' || c === 'too_many_pending' || c === 'worker_unavailable');
      out[String(status)] = {
        description: list.map((c) => `\`${c}\``).join(', '),
        ...(retryAfter ? { headers: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } } } } : {}),
        content: { 'application/json': { schema: this.schema(ErrorBody, 'output') } },
      };
    }
    return out;
  }

  operation(route: RouteDoc): Json {
    const answers = Object.fromEntries(Object.entries(route.answers).map(([status, doc]) => [status, this.answer(doc)]));
    const parameters = [...this.parameters(route.params, 'path'), ...this.parameters(route.query, 'query')];
    const security =
      route.audience === 'public' ? [] : route.audience === 'agents' ? [{ agentKey: [] }] : route.audience === 'operators' ? [{ operatorKey: [] }] : [{ agentKey: [] }, { operatorKey: [] }];
    return {
      operationId: operationIdOf(route),
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      'x-airlock-audience': route.audience,
      security,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: this.schema(route.body, 'input') } } } } : {}),
      responses: { ...answers, ...this.errors(route) },
    };
  }
}

/** `post /v1/actions/{id}/cancel` → `postV1ActionsIdCancel`: stable, unique, readable by code generators. */
function operationIdOf(route: RouteDoc): string {
  const words = route.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return route.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** The routes an app with these features serves. */
export function routesFor(features: RouteFeatures): RouteDoc[] {
  return ROUTES.filter((r) => r.when === undefined || features[r.when]);
}

function build(features: RouteFeatures): Json {
  const builder = new DocumentBuilder();
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routesFor(features)) (paths[route.path] ??= {})[route.method] = builder.operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Airlock',
      version: '1',
      description:
        "Human-in-the-loop approval for AI agents' actions. Errors have one shape, `ErrorBody`; " +
        '`x-airlock-error-status` lists every code with its status.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [...new Set(routesFor(features).map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: builder.components,
      securitySchemes: {
        agentKey: { type: 'http', scheme: 'bearer', description: "An agent's key (`agents[].keySha256` holds its SHA-256)" },
        operatorKey: { type: 'http', scheme: 'bearer', description: "An operator's key (`operators[].keySha256`)" },
      },
    },
    'x-airlock-error-status': ERROR_STATUS,
  };
}

const cache = new Map<string, Json>();

/** The OpenAPI 3.1 document of an app with these features: built once per process, then served from memory. */
export function openApiDocument(features: RouteFeatures): Json {
  const key = JSON.stringify(features);
  let document = cache.get(key);
  if (!document) cache.set(key, (document = build(features)));
  return document;
}
