import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Request, Response } from 'express';

/** What both the MCP server and the gateway hand over: an SDK server (high- or low-level) built for this one request. */
interface McpEndpoint {
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
}

/**
 * Answers one MCP POST with a fresh transport and no MCP session of the SDK's
 * (JSON answers), closing both when the answer ends: nothing outlives the
 * request, so any replica serves any call. The body is already parsed (with
 * the API's limit): the transport takes it as it is.
 */
export async function answerStatelessly(server: McpEndpoint, req: Request, res: Response): Promise<void> {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}
