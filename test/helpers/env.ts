import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities/index.js';
import { parseConfigFile } from '../../config/index.js';
import type { LiveConfig } from '../../config/live.js';
import type { ToolConfig } from '../../domain/config.js';
import { createLogger } from '../../lib/logger.js';
import { createWorker, installTemporalLogging, type CreateWorkerOptions } from '../../worker/index.js';
import { testSigner } from './grants.js';

/** Repository root (tests run from dist/test/…). */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with 'npm test' (it starts Temporal for them)`);
  return value;
}

/** Where the shared test Temporal server is, and the pre-built workflow bundle. */
export const testEnv = {
  get address() {
    return required('AIRLOCK_TEST_TEMPORAL_ADDRESS');
  },
  get bundlePath() {
    return required('AIRLOCK_TEST_WORKFLOW_BUNDLE');
  },
  get cli() {
    return required('AIRLOCK_TEST_TEMPORAL_CLI');
  },
};

/** A task queue no other test uses, so suites running side by side never take each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** A client of the test server. */
export async function testClient(address = testEnv.address): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection }), close: () => connection.close() };
}

/**
 * The shipped example's tools, without their breakers: what a test worker polls
 * task queues for unless it is given its own. A breaker is one workflow per tool
 * on the shared test server, so only tests of breakers (on tools of their own) have one.
 */
function exampleTools(): Record<string, ToolConfig> {
  const { tools } = parseConfigFile(readFileSync(new URL('../../../airlock.yaml', import.meta.url), 'utf8'), 'airlock.yaml');
  return Object.fromEntries(Object.entries(tools).map(([name, { breaker: _breaker, ...tool }]) => [name, tool]));
}

/**
 * In-process workers on `taskQueue` (and its Slack and tool queues), wired as
 * production wires them, running until `stop()`; they sign grants with the
 * test keys unless given a signer.
 */
export async function startTestWorker(
  taskQueue: string,
  address = testEnv.address,
  activities: Partial<ActivityDeps> = {},
  live?: LiveConfig,
  options: Pick<CreateWorkerOptions, 'maxCachedWorkflows' | 'workflowBundle'> = {},
) {
  installTemporalLogging(createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }));
  const connection = await NativeConnection.connect({ address });
  const tools = exampleTools();
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { code: readFileSync(testEnv.bundlePath, 'utf8') },
    activities: { signer: await testSigner(), tools: () => tools, ...activities },
    ...options,
  });
  // As in production: a tool added by a reload gets its queue served at once.
  live?.onReload((config) => void worker.serveTools(config.file.tools));
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
