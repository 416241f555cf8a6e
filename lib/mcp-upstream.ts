/**
 * Connecting to an upstream MCP server, as the API (to read its tools) and the
 * workers (to call them) both do: Streamable HTTP for a `url`, stdio for a
 * `command`. One connection per use, closed after it: an HTTP attempt carries
 * its own grant in its headers, and nothing is left open between calls.
 */
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpUpstreamConfig } from '../domain/config.js';

/** How long ending an upstream's session may take. */
const TERMINATE_MS = 1_000;

/** How Airlock introduces itself to upstreams. */
const CLIENT_INFO = { name: 'airlock-gateway', version: '0.1.0' };

/** Options of {@link withUpstream}. */
export interface UpstreamOptions {
  /** Headers of every HTTP request of the connection (the grant, the idempotency key); unused for stdio. */
  headers?: Record<string, string>;
  /** The whole use, connecting included. */
  timeoutMs: number;
  /** The configuration file: a stdio `command` runs from its folder. */
  configPath: string;
}

/**
 * Connects to the upstream, runs `use` with the connected client and closes it,
 * all within `timeoutMs` (past it the connection is closed and the SDK's
 * request timeout error is thrown). Errors of the transport and of JSON-RPC
 * are thrown as the SDK raises them, for the caller to classify.
 */
export async function withUpstream<T>(upstream: McpUpstreamConfig, options: UpstreamOptions, use: (client: Client, timeoutMs: number) => Promise<T>): Promise<T> {
  const started = Date.now();
  const transport = upstream.url
    ? new StreamableHTTPClientTransport(new URL(upstream.url), { requestInit: { headers: options.headers ?? {} } })
    : new StdioClientTransport({
        command: upstream.command![0]!,
        args: upstream.command!.slice(1),
        cwd: dirname(options.configPath),
        // The SDK's default environment (PATH, HOME…), never Airlock's own secrets.
        stderr: 'inherit',
      });
  const client = new Client(CLIENT_INFO);
  try {
    await client.connect(transport, { timeout: options.timeoutMs });
    return await use(client, Math.max(1, options.timeoutMs - (Date.now() - started)));
  } finally {
    // An HTTP upstream with sessions is told this one is over (best effort, and briefly: a hung
    // upstream must not hold the attempt past its timeout), so none piles up there.
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
      await Promise.race([transport.terminateSession().catch(() => {}), sleep(TERMINATE_MS, undefined, { ref: false })]);
    }
    await client.close().catch(() => {});
  }
}
