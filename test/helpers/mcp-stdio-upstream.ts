/**
 * A stdio MCP server for the gateway's tests: `node mcp-stdio-upstream.js <log file>`.
 * Its one tool, `Echo` (named with a capital, as some servers do), appends each call's
 * arguments to the log file, so the test counts calls across the processes Airlock starts.
 */
import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const log = process.argv[2];
if (!log) throw new Error('usage: mcp-stdio-upstream.js <log file>');
const server = new McpServer({ name: 'local', version: '1.0.0' });
server.registerTool('Echo', { description: 'Say it back', inputSchema: { text: z.string() } }, async (args, extra) => {
  appendFileSync(log, `${JSON.stringify({ arguments: args, airlock: extra._meta?.airlock })}\n`);
  return { content: [{ type: 'text', text: `echo: ${args.text}` }] };
});
await server.connect(new StdioServerTransport());
