import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { z } from 'zod';

/** One `tools/call` the upstream received. */
export interface UpstreamCall {
  tool: string;
  arguments: Record<string, unknown>;
  /** The `Authorization` header of the HTTP request that carried it (the grant). */
  authorization?: string;
  /** `_meta.airlock` of the request: the action it runs for. */
  airlock?: { actionId?: string; environment?: string; attempt?: number };
}

/**
 * A real MCP server over Streamable HTTP (the SDK's `McpServer`, with sessions), standing in
 * for an upstream the gateway fronts: `read_file`, `delete_file` (structured output too),
 * and `secret_tool`, which the tests' configuration never lists. Counts every call.
 */
export async function startMcpUpstream() {
  const calls: UpstreamCall[] = [];
  const record = (tool: string, args: Record<string, unknown>, extra: { requestInfo?: { headers: Record<string, string | string[] | undefined> }; _meta?: Record<string, unknown> }) => {
    const authorization = extra.requestInfo?.headers.authorization;
    calls.push({
      tool,
      arguments: args,
      ...(typeof authorization === 'string' ? { authorization } : {}),
      ...(extra._meta?.airlock ? { airlock: extra._meta.airlock as UpstreamCall['airlock'] } : {}),
    });
  };
  const build = () => {
    const server = new McpServer({ name: 'files', version: '1.0.0' });
    server.registerTool('read_file', { description: 'Read a file', inputSchema: { path: z.string() } }, async (args, extra) => {
      record('read_file', args, extra);
      // The tool's own failure: an answer with isError, not a protocol error.
      if (args.path.startsWith('missing')) return { isError: true, content: [{ type: 'text', text: `no such file: ${args.path}` }] };
      return { content: [{ type: 'text', text: `contents of ${args.path}` }] };
    });
    server.registerTool(
      'delete_file',
      { description: 'Delete a file', inputSchema: { path: z.string() } },
      async (args, extra) => {
        record('delete_file', args, extra);
        return { content: [{ type: 'text', text: `deleted ${args.path}` }], structuredContent: { deleted: args.path } };
      },
    );
    server.registerTool('secret_tool', { description: 'Not for agents', inputSchema: {} }, async (args, extra) => {
      record('secret_tool', args, extra);
      return { content: [{ type: 'text', text: 'secret' }] };
    });
    return server;
  };
  // Stateful, like most servers: a session per connection, which Airlock opens per use.
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const app = express();
  app.use(express.json());
  let failing = 0;
  app.all('/mcp', async (req, res) => {
    if (failing > 0) {
      failing--;
      return void res.status(503).json({ error: 'down for a moment' });
    }
    const id = req.get('mcp-session-id');
    let transport = id === undefined ? undefined : sessions.get(id);
    if (!transport) {
      if (id !== undefined) return void res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
      const fresh = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (sid) => void sessions.set(sid, fresh) });
      fresh.onclose = () => void (fresh.sessionId && sessions.delete(fresh.sessionId));
      await build().connect(fresh);
      transport = fresh;
    }
    await transport.handleRequest(req, res, req.body);
  });
  const http: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => http.once('listening', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    calls,
    /** Answers the next `n` HTTP requests 503 (the upstream is down), before any reaches a tool. */
    failNext(n: number) {
      failing = n;
    },
    /** The `tools/call`s of one tool. */
    callsOf: (tool: string) => calls.filter((c) => c.tool === tool),
    async close() {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
}
export type McpUpstream = Awaited<ReturnType<typeof startMcpUpstream>>;
