import { Client, Connection } from '@temporalio/client';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../api/app.js';
import type { AirlockConfig } from '../../config/index.js';
import { LiveConfig } from '../../config/live.js';
import { createLogger } from '../../lib/logger.js';
import { startTestWorker, testEnv, uniqueTaskQueue } from './env.js';
import type { ActionState, ActionStatus } from '../../domain/action.js';
import { KEYS, testConfig, testConfigYaml, useDefaultSession, type TestConfigOptions } from './config.js';
import { startCountingTarget, type CountingTarget } from './target.js';
import { SIGNING_SECRET, type SlackStandIn } from './slack.js';
import { activityDepsFor } from '../../worker/index.js';
import type { GrantKeys } from '../../grants/keys.js';
import { testGrantKeys } from './grants.js';

/** The answer of one API call. */
export interface ApiAnswer<T = any> {
  status: number;
  /** The parsed JSON; on a 4xx/5xx it has the API's `error` instead. */
  body: T & { error?: { code: string; message: string; details?: any } };
  headers: Headers;
}

/** Calls the API like an agent or operator would: real HTTP, bearer key, JSON. */
export async function call<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; rawBody?: string; contentType?: string } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Options of {@link startStack}. */
export type StackOptions = Partial<Omit<TestConfigOptions, 'targetUrl' | 'taskQueue' | 'temporalAddress'>> & {
  /** Start no in-process worker (the test runs its own). */
  noWorker?: boolean;
  temporalAddress?: string;
  /** Reuse a task queue and target, for a stack that takes over from a stopped one. */
  taskQueue?: string;
  target?: CountingTarget;
  /** Connect API and worker to this Slack stand-in, with the test signing secret. */
  slack?: SlackStandIn;
  /** Keep the API's log lines (at debug level) in `stack.logs`. */
  captureLogs?: boolean;
  /** The grant keys the worker signs with and the API publishes; the test process's own by default. */
  grantKeys?: GrantKeys;
};

/**
 * The API, a worker and a counting target on one fresh task queue: Airlock as a
 * test sees it. Its configuration is a file of its own, held live and shared by
 * API and worker as in `npm start`: `writeConfig` and a reload change both.
 */
export async function startStack(options: StackOptions = {}) {
  const ownTarget = options.target === undefined;
  const target: CountingTarget = options.target ?? (await startCountingTarget());
  const taskQueue = options.taskQueue ?? uniqueTaskQueue('stack');
  useDefaultSession(taskQueue);
  const temporalAddress = options.temporalAddress ?? testEnv.address;
  const slackEnv: Record<string, string> = options.slack
    ? {
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: options.slack.apiUrl,
        // The team and app the stand-in's payloads come from (test/helpers/slack.ts).
        SLACK_TEAM_IDS: 'T0TEAM',
        SLACK_APP_IDS: 'A0AIRLOCK',
      }
    : {};
  const configOptions = { ...options, env: { ...slackEnv, ...options.env }, targetUrl: target.url, taskQueue, temporalAddress };
  const configDir = mkdtempSync(join(tmpdir(), 'airlock-stack-'));
  const configPath = join(configDir, 'airlock.yaml');
  /** Writes the stack's file again: its own options, then `edit` (which may make it invalid). */
  const writeConfig = (edit?: (file: Record<string, any>) => void) =>
    writeFileSync(
      configPath,
      testConfigYaml({
        ...configOptions,
        edit: (file) => {
          options.edit?.(file);
          edit?.(file);
        },
      }),
    );
  writeConfig();
  const config: AirlockConfig = testConfig(configOptions, configPath);
  const logs: string[] = [];
  const logger = options.captureLogs
    ? createLogger({ level: 'debug' }, { write: (line: string) => void logs.push(line) })
    : createLogger({ level: 'silent' });
  const live = new LiveConfig(config, { logger });
  const grantKeys = options.grantKeys ?? (await testGrantKeys());
  const worker = options.noWorker
    ? undefined
    : await startTestWorker(taskQueue, temporalAddress, activityDepsFor(live, grantKeys), live);
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  const airlock = createApp({ config: live, client, logger, grantKeys });
  const server: Server = airlock.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  await airlock.slack?.start();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    /** The express app alone, without the door `listen` puts in front of it (api/door.ts). */
    app: airlock.app,
    /** The configuration the stack started with; `live.current` is the one in force. */
    config,
    live,
    writeConfig,
    client,
    target,
    taskQueue,
    logs,
    call: <T = any>(method: string, path: string, opts?: Parameters<typeof call>[3]) => call<T>(url, method, path, opts),
    /** Polls the action (as an operator) until it reaches one of `statuses`. */
    async waitFor(id: string, statuses: ActionStatus[], timeoutMs = 20_000): Promise<ActionState> {
      return eventually(
        async () => {
          const res = await call<ActionState>(url, 'GET', `/v1/actions/${id}`, { key: KEYS.alice });
          return statuses.includes(res.body.status) ? res.body : undefined;
        },
        timeoutMs,
        `${id} to become ${statuses.join(' or ')}`,
      );
    },
    async close() {
      await airlock.slack?.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await worker?.stop();
      await connection.close();
      if (ownTarget) await target.close();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}
export type Stack = Awaited<ReturnType<typeof startStack>>;

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
