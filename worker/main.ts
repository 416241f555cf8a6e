/** `npm run worker`: one worker process. Run as many as the load needs, on any machines. */
import { loadConfig } from '../config/index.js';
import { LiveConfig, reloadOnSighup } from '../config/live.js';
import { grantKeysFor } from '../grants/keys.js';
import { createLogger } from '../lib/logger.js';
import { connectionOptions } from '../temporal/connection.js';
import { activityDepsFor, connectWorker, createWorker, installTemporalLogging, serveReloadedTools, workerSettingsOf } from './index.js';
import { exitOnConfigError, exitOnConfigErrorAsync } from '../lib/exit.js';

// The YAML file too: the grants the activities sign are configured there.
const config = exitOnConfigError(() => loadConfig());
const { env } = config;
const logger = createLogger({ level: env.LOG_LEVEL, name: 'airlock-worker' });
installTemporalLogging(logger);
const grantKeys = await exitOnConfigErrorAsync(() => grantKeysFor(config));

// SIGHUP reloads the YAML file: the next attempt of every execution is re-authorized with its policy.
const live = new LiveConfig(config, { logger });
reloadOnSighup(live, logger);

const connection = await connectWorker(connectionOptions(env));
const bundlePath = process.env.AIRLOCK_WORKFLOW_BUNDLE;
const worker = await createWorker({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.AIRLOCK_TASK_QUEUE,
  ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  activities: activityDepsFor(live, grantKeys),
  ...workerSettingsOf(env),
});
serveReloadedTools(worker, live, logger);
// The SDK's runtime already shuts the worker down on SIGINT and SIGTERM.
logger.info(
  { taskQueue: env.AIRLOCK_TASK_QUEUE, namespace: env.TEMPORAL_NAMESPACE, address: env.TEMPORAL_ADDRESS, grantKid: grantKeys.signing.kid },
  'worker started',
);
await worker.run();
await connection.close();
logger.info('worker stopped');
