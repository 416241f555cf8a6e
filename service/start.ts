/**
 * `npm start`: the whole service on the embedded default. Starts the Temporal dev
 * server (SQLite under .data/ or AIRLOCK_DATA_DIR, Web UI), the demo target, a worker and the API,
 * and stops all of them on Ctrl-C. With TEMPORAL_ADDRESS set it starts no
 * Temporal server and uses that cluster instead.
 */
import { Client, Connection } from '@temporalio/client';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.js';
import { LiveConfig, reloadOnSighup } from '../config/live.js';
import { startDemoTarget } from '../demo/target.js';
import { createApp } from '../api/app.js';
import { grantKeysFor } from '../grants/keys.js';
import { dataDir } from '../lib/data-dir.js';
import { exitOnConfigError, exitOnConfigErrorAsync } from '../lib/exit.js';
import { createLogger } from '../lib/logger.js';
import { ensureTemporalCli } from '../temporal/binary.js';
import { connectionOptions, connectWithRetry } from '../temporal/connection.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import { activityDepsFor, connectWorker, createWorker, installTemporalLogging, serveReloadedTools, workerSettingsOf } from '../worker/index.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const embedded = process.env.TEMPORAL_ADDRESS === undefined;
// Embedded, Temporal is wherever we start the dev server; the port is movable so
// a second copy (a test, the benchmark) can run beside a developer's own.
const config = exitOnConfigError(() =>
  loadConfig(embedded ? { ...process.env, TEMPORAL_ADDRESS: `localhost:${process.env.AIRLOCK_DEV_SERVER_PORT ?? 7233}` } : process.env),
);
const { env } = config;
const logger = createLogger({ level: env.LOG_LEVEL });
installTemporalLogging(logger);

/** Ctrl-C leaves nothing running within 5 s: this, and then npm and sh, which exit as soon as we do. */
const STOP_DEADLINE_MS = 4_000;
/** How long the worker may drain on stop; its unfinished tasks time out and run again on the next start. */
const WORKER_DRAIN_MS = 2_000;
/** How long the dev server gets to exit on SIGTERM before SIGKILL. */
const DEV_SERVER_GRACE_MS = 1_500;

/** One piece to undo on stop. */
interface StopStep {
  what: string;
  run(): Promise<unknown>;
}
// Newest first: each piece is added as soon as it runs, so a stop during
// start-up (Ctrl-C while the workflows bundle) undoes exactly what is running.
const stopSteps: StopStep[] = [];
const onStop = (what: string, run: () => Promise<unknown>) => stopSteps.unshift({ what, run });
let devServer: DevServer | undefined;
let stopping = false;

async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  // The last word: a step that hangs (a worker retrying calls to a dev server that
  // got the same Ctrl-C and is already gone) keeps neither us nor the server alive.
  setTimeout(() => {
    logger.warn({ deadlineMs: STOP_DEADLINE_MS }, 'stopping took too long: exiting now');
    devServer?.process.kill('SIGKILL');
    process.exit(1);
  }, STOP_DEADLINE_MS);
  for (const step of stopSteps) {
    await step.run().catch((err: unknown) => logger.warn({ err, step: step.what }, 'a stop step failed'));
  }
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(signal));
// One holder for the worker and the API: SIGHUP reloads the YAML file for both (the dev server
// ignores it, so the whole group may get it); a bad file is logged and changes nothing.
const live = new LiveConfig(config, { logger });
reloadOnSighup(live, logger);

const dbFile = join(dataDir(), 'temporal.sqlite');
if (embedded) {
  const cli = ensureTemporalCli(root, (msg) => logger.info(msg));
  const [host, port] = env.TEMPORAL_ADDRESS.split(':');
  const uiPort = Number(new URL(env.TEMPORAL_UI_URL).port || 8233);
  logger.info({ cli, dbFile }, 'starting the Temporal dev server');
  devServer = await startDevServer({
    cli,
    port: Number(port ?? 7233),
    uiPort,
    dbFile,
    namespace: env.TEMPORAL_NAMESPACE,
  });
  const server = devServer;
  onStop('the Temporal dev server', () => server.stop(DEV_SERVER_GRACE_MS));
  if (host !== 'localhost' && host !== '127.0.0.1') logger.warn({ host }, 'the dev server listens on 127.0.0.1 only');
}

const grantKeys = await exitOnConfigErrorAsync(() => grantKeysFor(config));
const apiUrl = `http://${env.HOST === '0.0.0.0' ? 'localhost' : env.HOST}:${env.PORT}`;
const demoPort = Number(process.env.DEMO_TARGET_PORT ?? 8090);
// The demo target trusts only grants signed by a key the API publishes, as a real tool would.
const demo = await startDemoTarget({
  port: demoPort,
  host: '127.0.0.1',
  logger: logger.child({ component: 'demo-target' }),
  jwksUrl: `${apiUrl}/.well-known/jwks.json`,
  issuer: config.file.grants.issuer,
});
onStop('the demo target', () => demo.close());

// Connections are never closed: requests still in flight when the API stops would
// retry on a closed channel and throw, and a worker given up on still holds its
// connection; process.exit ends both.
const nativeConnection = await connectWorker(connectionOptions(env));
const worker = await createWorker({
  connection: nativeConnection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.AIRLOCK_TASK_QUEUE,
  // As for `npm run worker`: a pre-built bundle (the tests') skips bundling at start-up.
  ...(process.env.AIRLOCK_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: process.env.AIRLOCK_WORKFLOW_BUNDLE } } : {}),
  activities: activityDepsFor(live, grantKeys),
  ...workerSettingsOf(env),
  shutdownForceTimeMs: WORKER_DRAIN_MS,
});
serveReloadedTools(worker, live, logger);
const workerDone = worker.run();
onStop('the worker', async () => {
  // The SDK may already be shutting it down on the same signal.
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await workerDone;
});

const connection: Connection = await connectWithRetry(connectionOptions(env));
const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
const { listen, slack } = exitOnConfigError(() => createApp({ config: live, client, logger, grantKeys }));
const api = listen(env.PORT, env.HOST);
onStop('the API', async () => {
  api.close();
  api.closeAllConnections();
});
await new Promise((r) => api.once('listening', r));
await slack?.start();
if (slack) onStop('Slack', () => slack.stop());

process.stdout.write(`
Airlock is running (config: ${config.path}; \`kill -HUP ${process.pid}\` reloads it)
  API          ${apiUrl}
  Temporal UI  ${env.TEMPORAL_UI_URL}${embedded ? `   (dev server, state in ${dbFile})` : ''}
  Temporal     ${env.TEMPORAL_ADDRESS}, namespace ${env.TEMPORAL_NAMESPACE}, task queue ${env.AIRLOCK_TASK_QUEUE}
  Demo target  http://127.0.0.1:${demoPort}
  Slack        ${slack ? (env.SLACK_APP_TOKEN ? 'Socket Mode' : `request URL ${apiUrl}/slack/events`) : 'not connected (decide with the operator API or npm run airlock)'}

Try:
  curl -s -X POST '${apiUrl}/v1/actions?wait=10' -H 'Authorization: Bearer demo-agent-key' -H 'Content-Type: application/json' \\
    -d '{"tool":"crm.contacts.read","environment":"dev","resources":[{"type":"contact","id":"c-42"}],"parameters":{"id":"c-42"},"justification":"look up the customer","sessionId":"demo-1"}'

Ctrl-C stops everything.
`);
