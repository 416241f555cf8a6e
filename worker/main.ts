/** `npm run worker`: one worker process. Run as many as the load needs, on any machines. */
import { parseEnv } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { connectionOptions } from '../temporal/connection.js';
import { connectWorker, createWorker, installTemporalLogging, slackClientFor } from './index.js';
import { exitOnConfigError } from '../lib/exit.js';

const env = exitOnConfigError(parseEnv);
const logger = createLogger({ level: env.LOG_LEVEL, name: 'airlock-worker' });
installTemporalLogging(logger);

const connection = await connectWorker(connectionOptions(env));
const bundlePath = process.env.AIRLOCK_WORKFLOW_BUNDLE;
const worker = await createWorker({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.AIRLOCK_TASK_QUEUE,
  ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  activities: { slack: slackClientFor(env) },
});
// The SDK's runtime already shuts the worker down on SIGINT and SIGTERM.
logger.info({ taskQueue: env.AIRLOCK_TASK_QUEUE, namespace: env.TEMPORAL_NAMESPACE, address: env.TEMPORAL_ADDRESS }, 'worker started');
await worker.run();
await connection.close();
logger.info('worker stopped');
