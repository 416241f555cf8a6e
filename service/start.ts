/**
 * `npm start`: the whole service on the embedded default. Starts the Temporal dev
 * server (SQLite under .data/, Web UI), the demo target, a worker and the API,
 * and stops all of them on Ctrl-C. With TEMPORAL_ADDRESS set it starts no
 * Temporal server and uses that cluster instead.
 */
import { Client, Connection } from '@temporalio/client';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.js';
import { startDemoTarget } from '../demo/target.js';
import { createApp } from '../api/app.js';
import { exitOnConfigError } from '../lib/exit.js';
import { createLogger } from '../lib/logger.js';
import { ensureTemporalCli } from '../temporal/binary.js';
import { connectionOptions, connectWithRetry } from '../temporal/connection.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import { connectWorker, createWorker, installTemporalLogging, slackClientFor } from '../worker/index.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const embedded = process.env.TEMPORAL_ADDRESS === undefined;
const config = exitOnConfigError(() => loadConfig());
const { env } = config;
const logger = createLogger({ level: env.LOG_LEVEL });
installTemporalLogging(logger);

let devServer: DevServer | undefined;
if (embedded) {
  const cli = ensureTemporalCli(root, (msg) => logger.info(msg));
  const [host, port] = env.TEMPORAL_ADDRESS.split(':');
  const uiPort = Number(new URL(env.TEMPORAL_UI_URL).port || 8233);
  logger.info({ cli, dbFile: '.data/temporal.sqlite' }, 'starting the Temporal dev server');
  devServer = await startDevServer({
    cli,
    port: Number(port ?? 7233),
    uiPort,
    dbFile: resolve(root, '.data', 'temporal.sqlite'),
    namespace: env.TEMPORAL_NAMESPACE,
  });
  if (host !== 'localhost' && host !== '127.0.0.1') logger.warn({ host }, 'the dev server listens on 127.0.0.1 only');
}

const demoPort = Number(process.env.DEMO_TARGET_PORT ?? 8090);
const demo = await startDemoTarget(demoPort, '127.0.0.1', logger.child({ component: 'demo-target' }));

const nativeConnection = await connectWorker(connectionOptions(env));
const worker = await createWorker({
  connection: nativeConnection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.AIRLOCK_TASK_QUEUE,
  activities: { slack: slackClientFor(env) },
});
const workerDone = worker.run();

const connection: Connection = await connectWithRetry(connectionOptions(env));
const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
const { app, slack } = exitOnConfigError(() => createApp({ config, client, logger }));
const api = app.listen(env.PORT, env.HOST);
await new Promise((r) => api.once('listening', r));
await slack?.start();

const apiUrl = `http://${env.HOST === '0.0.0.0' ? 'localhost' : env.HOST}:${env.PORT}`;
process.stdout.write(`
Airlock is running (config: ${config.path})
  API          ${apiUrl}
  Temporal UI  ${env.TEMPORAL_UI_URL}${embedded ? '   (dev server, state in .data/temporal.sqlite)' : ''}
  Temporal     ${env.TEMPORAL_ADDRESS}, namespace ${env.TEMPORAL_NAMESPACE}, task queue ${env.AIRLOCK_TASK_QUEUE}
  Demo target  http://127.0.0.1:${demoPort}
  Slack        ${slack ? (env.SLACK_APP_TOKEN ? 'Socket Mode' : `request URL ${apiUrl}/slack/events`) : 'not connected (decide with the operator API or npm run airlock)'}

Try:
  curl -s -X POST '${apiUrl}/v1/actions?wait=10' -H 'Authorization: Bearer demo-agent-key' -H 'Content-Type: application/json' \\
    -d '{"tool":"crm.contacts.read","operation":"read","environment":"dev","resources":[{"type":"contact","id":"c-42"}],"parameters":{"id":"c-42"},"impact":{"records":1},"justification":"look up the customer","sessionId":"demo-1"}'

Ctrl-C stops everything.
`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  api.close();
  api.closeAllConnections();
  await slack?.stop().catch(() => {});
  // The SDK may already be shutting it down on the same signal.
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await workerDone.catch((err: unknown) => logger.error({ err }, 'worker stopped with an error'));
  await Promise.allSettled([connection.close(), nativeConnection.close(), new Promise((r) => demo.close(r))]);
  await devServer?.stop();
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(signal));
