import { z } from 'zod';
import { ActionRequest, ActionState } from '../../domain/action.js';
import { DecisionBody } from '../../domain/decision.js';
import { SessionBody, SessionState } from '../../domain/session.js';
import { AgentStanding, FreezeBody } from '../../domain/standing.js';
import { ToolView } from '../../domain/tool-view.js';
import { ReloadSummary } from '../../config/live.js';
import { McpUpstreamName } from '../../domain/config.js';
import { ActionParams, GetQuery, ListQuery, SubmitQuery } from '../actions/routes.js';
import { ActionList } from '../actions/summary.js';
import { AgentParams } from '../agents/routes.js';
import { AgentView } from '../agents/gateway.js';
import { ErrorBody, type ErrorCode } from '../error-body.js';
import { SessionParams, SessionQuery } from '../sessions/routes.js';
import { ToolParams } from '../tools/routes.js';

/**
 * Who may call a route: `public` needs no key; otherwise the bearer key of an
 * agent, an operator, or either (the route then decides what each may see).
 */
export type Audience = 'public' | 'agents' | 'operators' | 'agents, operators';

/** One answer of a route: its description and, for JSON, the zod schema of its body. */
export interface AnswerDoc {
  description: string;
  schema?: z.ZodType;
  /**
   * `application/json` unless said otherwise; several when the route may answer
   * either (MCP's Streamable HTTP: `['application/json', 'text/event-stream']`).
   * The schema describes the JSON one.
   */
  contentType?: string | string[];
}

/** One route of the app, as the OpenAPI document describes it. */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI form: `/v1/actions/{id}` (express's `:id` becomes `{id}`). */
  path: string;
  /** Groups routes in the document (`actions`, `sessions`…). */
  tag: string;
  summary: string;
  description?: string;
  audience: Audience;
  /** The zod schemas the route validates its input with: the same objects `route()` is given. */
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  /** Successful answers by status. */
  answers: Record<number, AnswerDoc>;
  /** Error codes the route itself may answer, beyond those every route of its kind may (see `documentFor`). */
  errors?: ErrorCode[];
  /** Mounted only when this holds for the app (Slack in HTTP mode, say); always otherwise. */
  when?: keyof RouteFeatures;
}

/** What an app has mounted beyond the routes every app serves. */
export interface RouteFeatures {
  /** Bolt's HTTP receiver at `/slack/events` (Slack configured, not in Socket Mode). */
  slackEvents: boolean;
}

/** The health answer. */
const Health = z.object({ ok: z.literal(true) });
/** The readiness answer. */
const Ready = z.object({ ok: z.literal(true), temporal: z.literal('reachable') });
/** A JSON-RPC 2.0 message (or batch) of MCP: the MCP SDK checks it further. */
const McpMessage = z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]);
/** Path of the MCP gateway's routes. */
const McpUpstreamParams = z.object({ upstream: McpUpstreamName });
/** A JSON Web Key Set (RFC 7517): the grants' public keys. */
const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

/** Contracts named under `components.schemas` (each a `$ref` where used); other schemas are written inline. */
export const CONTRACTS: Record<string, z.ZodType> = {
  ActionRequest,
  ActionState,
  ActionList,
  DecisionBody,
  SessionBody,
  SessionState,
  AgentStanding,
  AgentView,
  FreezeBody,
  ToolView,
  ReloadSummary,
  ErrorBody,
};

const action = (description: string): AnswerDoc => ({ description, schema: ActionState });
const session = (description: string): AnswerDoc => ({ description, schema: SessionState });

/**
 * Every route of the app, as documented at `GET /openapi.json`. A route added
 * to the app is one entry here; a test checks both lists are the same (it reads
 * routes declared with a method, `router.post('/', …)`, so mount them that way).
 * An MCP endpoint, say, is three entries like
 * `{ method: 'post', path: '/mcp/{upstream}', tag: 'mcp', audience: 'agents', summary: '…',
 *    params: z.object({ upstream: z.string() }), body: z.record(z.string(), z.unknown()),
 *    answers: { 200: { description: 'JSON-RPC answer', contentType: ['application/json', 'text/event-stream'] },
 *               202: { description: 'A notification, accepted' } } }`.
 */
export const ROUTES: RouteDoc[] = [
  {
    method: 'get', path: '/healthz', tag: 'health', audience: 'public',
    summary: 'The process is up',
    answers: { 200: { description: 'Up', schema: Health } },
  },
  {
    method: 'get', path: '/readyz', tag: 'health', audience: 'public',
    summary: 'Temporal is reachable',
    answers: { 200: { description: 'Ready', schema: Ready } },
    errors: ['temporal_unavailable'],
  },
  {
    method: 'get', path: '/.well-known/jwks.json', tag: 'grants', audience: 'public',
    summary: 'The public keys tools verify grants with',
    answers: { 200: { description: 'The JWKS, oldest key first', schema: Jwks } },
  },
  {
    method: 'get', path: '/openapi.json', tag: 'health', audience: 'public',
    summary: 'This document',
    answers: { 200: { description: 'The OpenAPI 3.1 document of this API' } },
  },
  {
    method: 'post', path: '/mcp', tag: 'mcp', audience: 'agents',
    summary: "Airlock's MCP server (Streamable HTTP, stateless)",
    description: 'JSON-RPC 2.0 over MCP Streamable HTTP: tools request_action, get_action, cancel_action, wait_for_action, open_session. An operator key is refused (403).',
    body: McpMessage,
    answers: {
      200: { description: 'The JSON-RPC answer', contentType: ['application/json', 'text/event-stream'] },
      202: { description: 'A notification or response, accepted' },
    },
  },
  ...(['get', 'delete'] as const).map((method): RouteDoc => ({
    method, path: '/mcp', tag: 'mcp', audience: 'agents',
    summary: method === 'get' ? 'No stream: the MCP server is stateless' : 'No session to end: the MCP server is stateless',
    answers: { 405: { description: 'Method not allowed (send POST)' } },
  })),
  {
    method: 'post', path: '/mcp/{upstream}', tag: 'mcp', audience: 'agents',
    summary: 'The MCP gateway in front of mcp.upstreams.<upstream> (Streamable HTTP)',
    description:
      'Every tools/call is an Airlock action `<upstream>.<tool>`; tools/list shows only the tools the agent may request. `initialize` answers an `Mcp-Session-Id` that later requests must send.',
    params: McpUpstreamParams,
    body: McpMessage,
    answers: {
      200: { description: 'The JSON-RPC answer', contentType: ['application/json', 'text/event-stream'] },
      202: { description: 'A notification or response, accepted' },
    },
    errors: ['not_found', 'upstream_unavailable'],
  },
  {
    method: 'get', path: '/mcp/{upstream}', tag: 'mcp', audience: 'agents',
    summary: 'No stream: the gateway sends no server-initiated messages',
    params: McpUpstreamParams,
    answers: { 405: { description: 'Method not allowed (send POST)' } },
    errors: ['not_found'],
  },
  {
    method: 'delete', path: '/mcp/{upstream}', tag: 'mcp', audience: 'agents',
    summary: 'Ends an MCP session (Airlock keeps nothing per session; its actions stay)',
    params: McpUpstreamParams,
    answers: { 204: { description: 'Ended' } },
    errors: ['not_found'],
  },
  {
    method: 'post', path: '/slack/events', tag: 'slack', audience: 'public', when: 'slackEvents',
    summary: "Slack's events and interactions (Bolt)",
    description: "Checked with Slack's request signature (`X-Slack-Signature`), not a bearer key.",
    answers: { 200: { description: 'Acknowledged' } },
  },
  {
    method: 'post', path: '/v1/actions', tag: 'actions', audience: 'agents',
    summary: 'Submit an action',
    description:
      '`wait` (0–60 s) holds the answer until the action is terminal or awaiting approval. ' +
      'The same `idempotencyKey` gets the same action, running or finished; nothing executes twice.',
    body: ActionRequest, query: SubmitQuery,
    answers: { 202: action('The action, accepted (its status says how far it got)') },
    errors: ['claim_mismatch', 'forbidden', 'idempotency_conflict', 'loop_detected', 'session_closed', 'agent_frozen', 'rate_limited', 'too_many_pending'],
  },
  {
    method: 'get', path: '/v1/actions', tag: 'actions', audience: 'operators',
    summary: 'List actions, newest first (Temporal visibility: a second or so behind)',
    query: ListQuery,
    answers: { 200: { description: 'The actions', schema: ActionList } },
    errors: ['forbidden'],
  },
  {
    method: 'get', path: '/v1/actions/{id}', tag: 'actions', audience: 'agents, operators',
    summary: "An action's state; `wait` makes it a long poll",
    description: 'Agents see their own actions only. `wait` (≤ 60 s) answers once the action is terminal or newly awaiting approval, or the wait ends.',
    params: ActionParams, query: GetQuery,
    answers: { 200: action('The action') },
    errors: ['not_found'],
  },
  {
    method: 'post', path: '/v1/actions/{id}/cancel', tag: 'actions', audience: 'agents, operators',
    summary: 'Cancel an action before it executes',
    params: ActionParams,
    answers: { 200: action('The cancelled action') },
    errors: ['not_found', 'conflict', 'worker_unavailable'],
  },
  {
    method: 'post', path: '/v1/actions/{id}/decision', tag: 'actions', audience: 'operators',
    summary: 'Approve or reject a version of an action',
    params: ActionParams, body: DecisionBody,
    answers: { 200: action('The action after the decision') },
    errors: ['forbidden', 'not_found', 'conflict', 'stale_version', 'worker_unavailable'],
  },
  {
    method: 'post', path: '/v1/sessions', tag: 'sessions', audience: 'agents',
    summary: 'Declare a session',
    body: SessionBody,
    answers: { 200: session('The same declaration again: the session'), 201: session('The new session') },
    errors: ['forbidden', 'conflict', 'worker_unavailable'],
  },
  {
    method: 'get', path: '/v1/sessions/{id}', tag: 'sessions', audience: 'agents, operators',
    summary: 'A session: budget spent, recent actions, standing approvals',
    description: 'Operators name the agent with `agent`.',
    params: SessionParams, query: SessionQuery,
    answers: { 200: session('The session') },
    errors: ['not_found'],
  },
  {
    method: 'delete', path: '/v1/sessions/{id}', tag: 'sessions', audience: 'agents, operators',
    summary: 'Close a session: its actions awaiting approval are cancelled',
    params: SessionParams, query: SessionQuery,
    answers: { 200: session('The closed session') },
    errors: ['not_found', 'worker_unavailable'],
  },
  {
    method: 'get', path: '/v1/agents/{id}', tag: 'agents', audience: 'agents, operators',
    summary: "An agent's standing (the kill switch) and its pending approvals",
    description: 'An agent may read its own only.',
    params: AgentParams,
    answers: { 200: { description: 'The agent', schema: AgentView } },
    errors: ['not_found'],
  },
  {
    method: 'post', path: '/v1/agents/{id}/freeze', tag: 'agents', audience: 'operators',
    summary: "Freeze an agent: its pending actions are cancelled, new ones refused (423)",
    params: AgentParams, body: FreezeBody,
    answers: { 200: { description: 'The standing', schema: AgentStanding } },
    errors: ['forbidden', 'not_found', 'worker_unavailable'],
  },
  {
    method: 'post', path: '/v1/agents/{id}/unfreeze', tag: 'agents', audience: 'operators',
    summary: 'Unfreeze an agent',
    params: AgentParams,
    answers: { 200: { description: 'The standing', schema: AgentStanding } },
    errors: ['forbidden', 'not_found', 'worker_unavailable'],
  },
  {
    method: 'get', path: '/v1/tools/{name}', tag: 'tools', audience: 'operators',
    summary: "A tool's facts, bounds and circuit breaker",
    params: ToolParams,
    answers: { 200: { description: 'The tool', schema: ToolView } },
    errors: ['forbidden', 'not_found'],
  },
  {
    method: 'post', path: '/v1/admin/reload', tag: 'admin', audience: 'operators',
    summary: 'Reload the configuration file',
    answers: { 200: { description: 'What changed', schema: ReloadSummary } },
    errors: ['forbidden', 'invalid_config'],
  },
];
