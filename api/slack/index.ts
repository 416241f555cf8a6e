/** Slack approvals: Bolt mounted on the API's express app (HTTP mode) or over Socket Mode. */
import bolt from '@slack/bolt';
import type { Router } from 'express';
import type { AirlockConfig } from '../../config/index.js';
import type { ConfigSource } from '../../config/live.js';
import { ConfigError } from '../../config/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { ActionGateway } from '../actions/gateway.js';
import type { Identities } from '../identity.js';
import { onlyListed } from './authorize.js';
import { register as registerActions } from './listeners/actions/index.js';
import { register as registerViews } from './listeners/views/index.js';
import { register as registerCommands } from './listeners/commands/index.js';
import type { AgentGateway } from '../agents/gateway.js';
import { boltLogger } from './logger.js';

const { App, ExpressReceiver, SocketModeReceiver } = bolt;

/** Retries of the Web API calls made while handling a click (ephemeral messages, modals). */
export const SLACK_LISTENER_RETRY = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1_000 };

/** Slack as the API sees it: a router to mount (HTTP mode) and a lifecycle (Socket Mode). */
export interface SlackIntegration {
  /** Mounted at the root: serves `POST /slack/events`. Absent in Socket Mode. */
  router?: Router;
  client: InstanceType<typeof App>['client'];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** True when the environment connects Airlock to Slack. */
export function slackEnabled(config: AirlockConfig): boolean {
  return config.env.SLACK_BOT_TOKEN !== undefined;
}

/**
 * Builds the Bolt app. Signature verification (Slack's v0 HMAC, 5-minute window)
 * is Bolt's and is never switched off: a forged or replayed request gets 401.
 * The connection (tokens, receiver, listed teams and apps) is the environment's
 * and fixed until a restart; the listeners read the configuration in force.
 */
export function createSlack(
  config: ConfigSource,
  deps: { gateway: ActionGateway; agents: AgentGateway; identities: Identities; logger: Logger },
): SlackIntegration {
  const { env } = config.current;
  const { SLACK_BOT_TOKEN: token, SLACK_SIGNING_SECRET: signingSecret, SLACK_APP_TOKEN: appToken, SLACK_API_URL: slackApiUrl } = env;
  if (!token) throw new ConfigError('the environment', [{ field: 'SLACK_BOT_TOKEN', message: 'required to connect Slack' }]);
  const logger = boltLogger(deps.logger);
  // Bolt's default is ten retries over half an hour; a listener answering a
  // click has seconds, so fail fast and tell the user instead.
  const clientOptions = { slackApiUrl, retryConfig: SLACK_LISTENER_RETRY };

  let app: InstanceType<typeof App>;
  let router: Router | undefined;
  if (appToken) {
    // The receiver's own client (apps.connections.open) must use SLACK_API_URL too.
    const receiver = new SocketModeReceiver({ appToken, logger, installerOptions: { clientOptions } });
    app = new App({ token, receiver, logger, clientOptions, tokenVerificationEnabled: false });
  } else {
    if (!signingSecret) {
      throw new ConfigError('the environment', [
        { field: 'SLACK_SIGNING_SECRET', message: 'required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)' },
      ]);
    }
    const receiver = new ExpressReceiver({ signingSecret, endpoints: '/slack/events', logger });
    // No auth.test at construction: with Slack down at start-up it would fail
    // unhandled; Airlock must start anyway and work once Slack is back.
    app = new App({ token, receiver, logger, clientOptions, tokenVerificationEnabled: false });
    router = receiver.router as unknown as Router;
  }

  const listenerDeps = { ...deps, config, logger: deps.logger.child({ component: 'slack' }) };
  // First of all: a request from a workspace or app not configured goes no further.
  app.use(onlyListed({ teamIds: env.SLACK_TEAM_IDS, appIds: env.SLACK_APP_IDS }, listenerDeps.logger));
  registerActions(app, listenerDeps);
  registerViews(app, listenerDeps);
  registerCommands(app, listenerDeps);
  app.error(async (err) => {
    listenerDeps.logger.error({ err: err.message }, 'slack listener failed');
  });

  return {
    ...(router ? { router } : {}),
    client: app.client,
    start: async () => {
      if (appToken) await app.start();
    },
    stop: async () => {
      if (appToken) await app.stop();
    },
  };
}
