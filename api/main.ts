/** `npm run api`: one API replica. Run as many behind a load balancer as needed; they share nothing but Temporal. */
import { Client } from '@temporalio/client';
import { loadConfig } from '../config/index.js';
import { LiveConfig, reloadOnSighup } from '../config/live.js';
import { grantKeysFor } from '../grants/keys.js';
import { exitOnConfigError, exitOnConfigErrorAsync } from '../lib/exit.js';
import { createLogger } from '../lib/logger.js';
import { connectionOptions, connectWithRetry } from '../temporal/connection.js';
import { createApp } from './app.js';

const config = exitOnConfigError(() => loadConfig());
const logger = createLogger({ level: config.env.LOG_LEVEL, name: 'airlock-api' });
const grantKeys = await exitOnConfigErrorAsync(() => grantKeysFor(config));
const connection = await connectWithRetry(connectionOptions(config.env));
const client = new Client({ connection, namespace: config.env.TEMPORAL_NAMESPACE });
// SIGHUP reloads the YAML file (not the environment); a bad file is logged and changes nothing.
const live = new LiveConfig(config, { logger });
reloadOnSighup(live, logger);
const { listen, slack } = exitOnConfigError(() => createApp({ config: live, client, logger, grantKeys }));
const server = listen(config.env.PORT, config.env.HOST).once('listening', () => {
  logger.info({ url: `http://${config.env.HOST}:${config.env.PORT}`, config: config.path, slack: Boolean(slack) }, 'api listening');
});
await slack?.start();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void slack?.stop();
    server.close(() => void connection.close());
  });
}
