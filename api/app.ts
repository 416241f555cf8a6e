import type { Client } from '@temporalio/client';
import express, { type Express, type RequestHandler } from 'express';
import { createServer, type Server } from 'node:http';
import { createDoor, HEALTHY, HEALTHY_HEADERS } from './door.js';
import type { AirlockConfig } from '../config/index.js';
import { LiveConfig, perConfig } from '../config/live.js';
import type { GrantKeys } from '../grants/keys.js';
import type { Logger } from '../lib/logger.js';
import { actionRoutes } from './actions/routes.js';
import { adminRoutes } from './admin/routes.js';
import { AgentGateway } from './agents/gateway.js';
import { agentRoutes } from './agents/routes.js';
import { ToolGateway } from './tools/gateway.js';
import { toolRoutes } from './tools/routes.js';
import { ActionGateway } from './actions/gateway.js';
import { ActionSubmitter } from './actions/submit.js';
import { SessionGateway } from './sessions/gateway.js';
import { mcpGatewayRoutes } from './mcp/gateway.js';
import { UpstreamSchemas } from './mcp/upstream-schemas.js';
import { sessionRoutes } from './sessions/routes.js';
import { mcpServer } from './mcp/server.js';
import { authenticate } from './auth.js';
import { ApiError, errorHandler } from './errors.js';
import { openApiDocument } from './openapi/document.js';
import { logRequests } from './request-log.js';
import { Identities } from './identity.js';
import { createSlack, SLACK_LISTENER_RETRY, slackEnabled, type SlackIntegration } from './slack/index.js';
import { WebClient } from '@slack/web-api';

/** Largest JSON body the API reads (unless the parameters limit needs more); beyond it the answer is 413. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/** The body limit for a configuration: room for the largest parameters plus the rest of a request. */
export function bodyLimitBytes(parametersBytes: number): number {
  return Math.max(BODY_LIMIT_BYTES, parametersBytes + 64 * 1024);
}

/** Dependencies of {@link createApp}. */
export interface AppDeps {
  /**
   * The live configuration (reloaded by `POST /v1/admin/reload` and, in the
   * processes, SIGHUP), or a fixed one that the app then holds live itself.
   */
  config: AirlockConfig | LiveConfig;
  client: Client;
  logger: Logger;
  /** Published at `/.well-known/jwks.json` for tools to verify grants. */
  grantKeys: GrantKeys;
}

/** The app and, with Slack configured, its Bolt integration (Socket Mode needs `slack.start()`). */
export interface AirlockApp {
  app: Express;
  slack?: SlackIntegration;
  /**
   * Serves the app on a port, behind its door (api/door.ts): `GET /healthz`,
   * requests without a known key and submissions that break their contract are
   * answered there, before express, with the same answers and log lines.
   */
  listen(port: number, host: string): Server;
}

/** The express app: agent and operator API, health checks, one error shape. */
export function createApp({ config: given, client, logger, grantKeys }: AppDeps): AirlockApp {
  const live = given instanceof LiveConfig ? given : new LiveConfig(given, { logger });
  // Only what a reload cannot change is read once: the environment.
  const { env } = live.current;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Answers are small and uncached: hashing each for an ETag costs every request and serves no client.
  app.set('etag', false);
  logRequests(app, logger);

  // Tools verify grants with these keys: public, so outside the /v1 authentication.
  app.get('/.well-known/jwks.json', (_req, res) => {
    // Cached briefly: a verifier meeting a new kid refetches, and must then see the key that just started signing.
    res.set('cache-control', 'public, max-age=60').json(grantKeys.jwks);
  });
  // Polled by every load balancer: a constant answer written straight to the socket, past express's res.json.
  app.get('/healthz', (_req, res) => {
    res.writeHead(200, HEALTHY_HEADERS).end(HEALTHY);
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await client.connection.withDeadline(Date.now() + 2_000, () => client.connection.workflowService.getSystemInfo({}));
      res.json({ ok: true, temporal: 'reachable' });
    } catch {
      res.status(503).json(new ApiError('temporal_unavailable', `Temporal at ${env.TEMPORAL_ADDRESS} is not reachable`).toBody());
    }
  });

  const agents = new AgentGateway(client, live);
  const sessions = new SessionGateway(client, live);
  const upstreams = new UpstreamSchemas(live);
  const gateway = new ActionGateway(client, live, agents.standing, sessions, upstreams);
  const submitter = new ActionSubmitter(gateway, agents, () => live.current.file.limits);
  const slackClient = slackEnabled(live.current)
    ? new WebClient(env.SLACK_BOT_TOKEN, { slackApiUrl: env.SLACK_API_URL, retryConfig: SLACK_LISTENER_RETRY })
    : undefined;
  const identities = new Identities(live, slackClient ? { client: slackClient, logger } : undefined);
  // Bolt reads the raw body to check Slack's signature, so it goes before any body parser.
  const slack = slackEnabled(live.current) ? createSlack(live, { gateway, agents, identities, logger }) : undefined;
  if (slack?.router) app.use(slack.router);
  // Public like /healthz: agent frameworks import it before they have a key.
  const openapi = openApiDocument({ slackEvents: slack?.router !== undefined });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const { approvals } = live.current.file;
  if (slack && !approvals.channel && approvals.routes.length === 0) {
    logger.warn('Slack is connected but approvals.channel is not set: approval cards will not be posted');
  }

  // The body limit follows limits.parametersBytes of the configuration in force.
  const jsonParser = perConfig(live, ({ file }) => express.json({ limit: bodyLimitBytes(file.limits.parametersBytes) }));
  const parseJson: RequestHandler = (req, res, next) => jsonParser()(req, res, next);
  // The key first: a caller without one is refused before its body is read or parsed.
  app.use('/v1', authenticate(live), parseJson);
  app.use('/v1/actions', actionRoutes(gateway, submitter, identities));
  app.use('/v1/agents', agentRoutes(agents, identities));
  app.use('/v1/sessions', sessionRoutes(sessions, identities));
  app.use('/v1/admin', adminRoutes(live));
  app.use('/v1/tools', toolRoutes(new ToolGateway(client, live)));
  // Exactly /mcp: the gateway in front of upstream MCP servers has /mcp/<upstream>.
  // Declared per method, so the OpenAPI route check sees them; GET and DELETE answer 405 (stateless: no stream, no session).
  const mcp = mcpServer({ config: live, gateway, submitter, sessions });
  app.post('/mcp', parseJson, ...mcp);
  app.get('/mcp', ...mcp);
  app.delete('/mcp', ...mcp);
  // Only /mcp/<upstream>: /mcp itself is Airlock's own MCP server.
  app.use(mcpGatewayRoutes({ config: live, submitter, gateway, upstreams, authenticate: authenticate(live), json: (req, res, next) => jsonParser()(req, res, next) }));

  app.use((req, _res) => {
    throw new ApiError('not_found', `no route ${req.method} ${req.path}`);
  });
  app.use(errorHandler);
  const door = createDoor({ app, config: live, logger, json: jsonParser });
  const listen = (port: number, host: string): Server => createServer(door).listen(port, host);
  return { app, listen, ...(slack ? { slack } : {}) };
}
