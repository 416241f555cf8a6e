import type { RequestHandler } from 'express';
import { answerStatelessly } from './stateless.js';
import { createToolServer } from '../../mcp/tools.js';
import { requireAgent } from '../auth.js';
import { agentsOnly } from './auth.js';
import { localBackend, type LocalDeps } from './local.js';

/**
 * Streamable HTTP is answered statelessly: a fresh server and transport per
 * POST, with no MCP session id, so any API replica serves any call and a
 * restart loses nothing. With no session there is no stream to GET or session
 * to DELETE, which the spec answers with 405.
 */
const serve: (deps: LocalDeps) => RequestHandler = (deps) => async (req, res) => {
  if (req.method !== 'POST') {
    res
      .status(405)
      .set('allow', 'POST')
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'method not allowed: this MCP server is stateless, send POST' }, id: null });
    return;
  }
  await answerStatelessly(createToolServer(localBackend(deps, requireAgent(req), req.log), req.log), req, res);
};

/** Airlock as an MCP server for agents, mounted at exactly `/mcp` after the JSON body parser. */
export function mcpServer(deps: LocalDeps): RequestHandler[] {
  return [...agentsOnly(deps.config), serve(deps)];
}
