/**
 * Airlock as an MCP gateway: `/mcp/<upstream>` (Streamable HTTP) stands in
 * front of an upstream MCP server. `tools/list` shows the upstream's tools this
 * agent may request; every `tools/call` is an Airlock action (see
 * `gateway-call.ts`), executed by the workers' `mcp` executor.
 *
 * MCP sessions: Airlock mints the session id (`Mcp-Session-Id`) at `initialize`
 * and keeps nothing in memory about it. Every request is served by a fresh
 * stateless transport, and a later request is accepted with any well-formed id:
 * it only scopes the caller's own repeat calls (the idempotency key hashes the
 * authenticated agent with it), so an id minted before a restart of Airlock —
 * or by another API replica — works exactly as before, and the repeat call
 * finds its action, approved or not. A client that forges an id reaches only
 * its own agent's actions, as it could with an idempotency key.
 */
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  isInitializeRequest,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { Router, type RequestHandler } from 'express';
import type { ConfigSource } from '../../config/live.js';
import type { AgentConfig } from '../../domain/config.js';
import { matchesAny } from '../../domain/glob.js';
import { mcpToolName } from '../../domain/mcp-tools.js';
import type { Logger } from '../../lib/logger.js';
import type { ActionGateway } from '../actions/gateway.js';
import type { ActionSubmitter } from '../actions/submit.js';
import { requireAgent } from '../auth.js';
import { ApiError } from '../errors.js';
import { callThroughGateway } from './gateway-call.js';
import { answerStatelessly } from './stateless.js';
import type { UpstreamSchemas } from './upstream-schemas.js';

/** What the gateway needs of the API. */
export interface McpGatewayDeps {
  config: ConfigSource;
  submitter: ActionSubmitter;
  gateway: ActionGateway;
  upstreams: UpstreamSchemas;
  /** Authenticates `Authorization: Bearer <key>` (api/auth.ts). */
  authenticate: RequestHandler;
  /** Parses JSON bodies with the API's limits. */
  json: RequestHandler;
}

/** An MCP session id Airlock accepts: visible ASCII, as the spec allows, and short. */
const SESSION_ID = /^[\x21-\x7e]{1,128}$/;

/** Appended to every gated tool's description, so the model knows what an "awaiting approval" answer means. */
const GATED_NOTE =
  'Gated by Airlock: each call is an action that may need a person\'s approval. If the answer says "awaiting approval", call again with the same arguments to get the result.';

/** A JSON-RPC error as a plain HTTP answer (before any transport is involved). */
function rpcError(status: number, code: number, message: string) {
  return { status, body: { jsonrpc: '2.0', error: { code, message }, id: null } };
}

function isInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}

/** The MCP server of one request: this agent, this upstream, this MCP session. */
function serverFor(deps: McpGatewayDeps, agent: AgentConfig, upstream: string, mcpSessionId: string, log: Logger): Server {
  const server = new Server({ name: `airlock-gateway-${upstream}`, version: '0.1.0' }, { capabilities: { tools: {} } });
  // The upstream's tools that the configuration lists and this agent may request, by the upstream's own names.
  const offered = (name: string) => {
    const listed = deps.config.current.file.mcp.upstreams[upstream]?.tools ?? {};
    return Object.hasOwn(listed, name) && matchesAny(mcpToolName(upstream, name), agent.tools);
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    let tools;
    try {
      tools = await deps.upstreams.list(upstream);
    } catch (err) {
      throw new McpError(ErrorCode.InternalError, err instanceof Error ? err.message : String(err));
    }
    const shown: Tool[] = [];
    for (const [name, { tool }] of tools) {
      if (!offered(name)) continue;
      // No outputSchema: Airlock's own answers (awaiting approval, refusals) carry the action in structuredContent.
      shown.push({
        name,
        ...(tool.title === undefined ? {} : { title: tool.title }),
        description: tool.description ? `${tool.description}\n\n${GATED_NOTE}` : GATED_NOTE,
        inputSchema: tool.inputSchema,
        ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
      });
    }
    return { tools: shown };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args } = request.params;
    const listed = deps.config.current.file.mcp.upstreams[upstream]?.tools ?? {};
    // Not listed in the configuration: not exposed, as if the upstream had no such tool.
    if (!Object.hasOwn(listed, name)) throw new McpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
    return callThroughGateway(
      { submitter: deps.submitter, gateway: deps.gateway, waitMs: () => deps.config.current.file.mcp.wait },
      { agent, upstream, mcpSessionId, tool: name, arguments: args ?? {} },
      log,
    );
  });
  return server;
}

/**
 * The gateway's routes, `/mcp/:upstream` only (the MCP server of `/mcp` is
 * another route). An agent key is required (401 otherwise, 403 for an
 * operator's); an upstream that is not configured is 404.
 */
export function mcpGatewayRoutes(deps: McpGatewayDeps): Router {
  const router = Router();
  const handle: RequestHandler = async (req, res) => {
    const agent = requireAgent(req);
    const upstream = String(req.params.upstream);
    if (!Object.hasOwn(deps.config.current.file.mcp.upstreams, upstream)) {
      throw new ApiError('not_found', `no MCP upstream named "${upstream}" is configured`);
    }
    if (req.method === 'DELETE') {
      // Airlock keeps nothing per MCP session: ending one frees nothing, and its actions stay.
      res.status(204).end();
      return;
    }
    if (req.method !== 'POST') {
      // No server-initiated messages: there is no stream to open (the spec's answer is 405).
      res.status(405).set('allow', 'POST, DELETE').json(rpcError(405, ErrorCode.ConnectionClosed, 'Method not allowed: this gateway answers POST').body);
      return;
    }
    let mcpSessionId: string;
    if (isInitialize(req.body)) {
      mcpSessionId = randomUUID();
      // Merged into the transport's own headers when it answers.
      res.setHeader('mcp-session-id', mcpSessionId);
    } else {
      const given = req.get('mcp-session-id');
      if (given === undefined || !SESSION_ID.test(given)) {
        const { status, body } = rpcError(400, ErrorCode.InvalidRequest, 'Bad Request: a Mcp-Session-Id header from initialize is required');
        res.status(status).json(body);
        return;
      }
      mcpSessionId = given;
    }
    await answerStatelessly(serverFor(deps, agent, upstream, mcpSessionId, req.log), req, res);
  };
  // Declared per method, so the OpenAPI route check sees each.
  router.post('/mcp/:upstream', deps.json, deps.authenticate, handle);
  router.get('/mcp/:upstream', deps.authenticate, handle);
  router.delete('/mcp/:upstream', deps.authenticate, handle);
  return router;
}
