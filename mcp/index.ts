/**
 * Airlock's MCP tools, defined once (`tools.ts`) over two backends: in-process
 * for the server at `/mcp` (`api/mcp/`), and the HTTP API for the stdio entry
 * point (`remote.ts`, `stdio.ts`).
 */
export { createToolServer, REQUEST_WAIT_MS, MAX_WAIT_S, ActionRef, WaitArgs, type AirlockBackend } from './tools.js';
export { ToolRefusal } from './refusal.js';
export { RemoteAirlock } from './remote.js';
export { McpClientEnv, parseMcpClientEnv } from './env.js';
