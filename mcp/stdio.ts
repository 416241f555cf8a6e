#!/usr/bin/env node
/**
 * `npm run -s mcp` / `airlock-mcp`: Airlock's MCP tools over stdio, for MCP
 * clients that start a local process. It calls a remote Airlock's HTTP API at
 * `AIRLOCK_URL` as the agent whose key is `AIRLOCK_KEY`. stdout is the MCP
 * channel: everything else (logs, errors) goes to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { pino } from 'pino';
import { exitOnConfigError } from '../lib/exit.js';
import { createLogger } from '../lib/logger.js';
import { parseMcpClientEnv } from './env.js';
import { RemoteAirlock } from './remote.js';
import { createToolServer } from './tools.js';

const env = exitOnConfigError(() => parseMcpClientEnv());
const logger = createLogger({ name: 'airlock-mcp' }, pino.destination({ dest: 2, sync: true }));
const server = createToolServer(new RemoteAirlock(env.AIRLOCK_URL, env.AIRLOCK_KEY), logger);
await server.connect(new StdioServerTransport());
logger.info({ url: env.AIRLOCK_URL }, 'airlock MCP server on stdio');
