import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfigFile, parseEnv, type AirlockConfig } from '../../config/index.js';
import type { ActionRequest } from '../../domain/action.js';
import { ROOT } from './env.js';

/** The demo keys of the shipped example configuration. */
export const KEYS = {
  billingAgent: 'demo-agent-key',
  supportAgent: 'demo-support-agent-key',
  alice: 'demo-alice-key',
  bob: 'demo-bob-key',
  carol: 'demo-carol-key',
} as const;

/**
 * An agent of its own for a test. Agents' standing (the kill switch) lives in a
 * workflow whose id is the agent's, shared by every stack on the test server:
 * a test that freezes an agent must freeze one nobody else uses.
 */
export function isolatedAgent(prefix: string) {
  const id = `${prefix}-${randomUUID().slice(0, 8)}`;
  const key = `key-${id}`;
  return {
    id,
    key,
    /** Adds the agent (owned by U0DAVE, with billing-agent's tools) to a raw config file. */
    addTo(file: Record<string, any>) {
      file.agents.push({ id, keySha256: createHash('sha256').update(key).digest('hex'), owner: 'U0DAVE', tools: ['crm.**', 'payments.*', 'db.**', 'iam.**', 'mail.*'] });
    },
  };
}

/**
 * A tool of its own for a test: a dev read executed at `${targetUrl}/tools/<name>`,
 * auto under the example policy. A tool's breaker is one workflow shared by every
 * stack on the test server, so a test of breakers needs a tool nobody else uses.
 */
export function isolatedTool(prefix: string, settings: Record<string, unknown> = {}) {
  const name = `${prefix}.${randomUUID().slice(0, 8)}`;
  return {
    name,
    /** Adds the tool, with `settings` (breaker, maxConcurrent, retry…), to a raw config file, for billing-agent. */
    addTo(file: Record<string, any>, targetUrl: string) {
      file.agents.find((a: { id: string }) => a.id === 'billing-agent').tools.push(name);
      file.tools[name] = {
        operation: 'read',
        executors: { dev: { type: 'http', url: `${targetUrl}/tools/${name}`, timeout: '2s' } },
        retry: { maxAttempts: 3, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '200ms' },
        sensitivity: 'internal',
        reversible: true,
        ...settings,
      };
    },
    /** A request for it: a dev read of one contact (auto). */
    request: (sessionId: string): ActionRequest => REQUESTS.devRead({ tool: name, sessionId }),
  };
}

/** The shipped example file, as YAML text. */
export function exampleYaml(): string {
  return readFileSync(join(ROOT, 'airlock.yaml'), 'utf8');
}

/** Changes a test makes to the shipped example before using it. */
export interface TestConfigOptions {
  /** Every tool's executors are pointed at `${targetUrl}/tools/<name>` (previews at `…/<name>/preview`). */
  targetUrl: string;
  taskQueue: string;
  temporalAddress: string;
  approvalTimeout?: string;
  /** Retry settings for every tool; fast by default so failure tests take milliseconds. */
  retry?: { maxAttempts: number; initialInterval: string; backoffCoefficient: number; maximumInterval: string };
  executorTimeout?: string;
  /** Webhook receivers (`webhooks` in the file), as written in YAML. */
  webhooks?: Record<string, unknown>[];
  /** Last word on the raw file before it is validated. */
  edit?: (file: Record<string, any>) => void;
  /** Extra environment variables (Slack settings, say). */
  env?: Record<string, string>;
}

/** The shipped `airlock.yaml` retargeted for a test, as YAML text (what a test writes to a file to reload). */
export function testConfigYaml(options: Omit<TestConfigOptions, 'taskQueue' | 'temporalAddress' | 'env'>): string {
  const file = parse(exampleYaml()) as Record<string, any>;
  for (const [name, tool] of Object.entries<Record<string, any>>(file.tools)) {
    for (const executor of Object.values<Record<string, any>>(tool.executors)) {
      executor.url = `${options.targetUrl}/tools/${name}`;
      if (executor.previewUrl) executor.previewUrl = `${options.targetUrl}/tools/${name}/preview`;
      executor.timeout = options.executorTimeout ?? '2s';
    }
    // A copy per tool: an edit of one tool's retry must not reach the others (or the options, written again on a reload).
    tool.retry = { ...(options.retry ?? { maxAttempts: 3, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '200ms' }) };
    // A breaker is one workflow per tool on the shared test server: tests of breakers give tools of their own one.
    delete tool.breaker;
  }
  file.approvals.timeout = options.approvalTimeout ?? '1h';
  // Sessions are an agent's and outlive a stack (tests reuse ids like session-1): a test
  // that judges budgets declares a session of its own with the budget it means.
  file.sessions.defaults.riskBudget = 1_000_000;
  // Pending approvals count per agent across the shared test server, whatever the stack: billing-agent's
  // waiting actions of every test file would add up. Tests that judge the limit set their own.
  file.limits = { ...file.limits, maxPendingPerAgent: 10_000 };
  if (options.webhooks) file.webhooks = options.webhooks;
  options.edit?.(file);
  return stringify(file);
}

/** The shipped `airlock.yaml`, retargeted for a test and validated exactly as at start-up; `path` names its file if there is one. */
export function testConfig(options: TestConfigOptions, path = 'test config'): AirlockConfig {
  const text = testConfigYaml(options);
  const env = parseEnv({
    TEMPORAL_ADDRESS: options.temporalAddress,
    AIRLOCK_TASK_QUEUE: options.taskQueue,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  return { env, file: parseConfigFile(text, path), path };
}

let defaultSessionId = 'session-1';

/**
 * Stacks on other task queues must not share a session: its workflow runs on the
 * queue of the stack that opened it, and Updates to it would wait for a worker
 * that has stopped. `startStack` gives each of its task queues its own.
 */
export function useDefaultSession(taskQueue: string): void {
  defaultSessionId = `session-of-${taskQueue}`;
  // Loop detection counts an agent's failures by tool and parameters, across task queues: a test file's
  // failing reads must not make another file's identical reads a loop.
  defaultContactIds = [`c-1-${taskQueue}`];
}

/** The ids `devRead` reads by default: one stack's own (see {@link useDefaultSession}). */
let defaultContactIds = ['c-1'];

/** Requests that land in each tier under the example policy. */
export const REQUESTS = {
  /** dev, read, 1 record: auto. */
  devRead: (extra: Partial<ActionRequest> = {}): ActionRequest => ({
    tool: 'crm.contacts.read',
    operation: 'read',
    environment: 'dev',
    resources: [{ type: 'contact', id: 'c-1' }],
    parameters: { ids: [...defaultContactIds] },
    impact: { records: 1 },
    justification: 'look up the customer who wrote in',
    sessionId: defaultSessionId,
    ...extra,
  }),
  /** prod, write, 200 records: review (one approval); the tool has a preview. */
  prodUpdate: (extra: Partial<ActionRequest> = {}): ActionRequest => ({
    tool: 'crm.contacts.update',
    operation: 'write',
    environment: 'prod',
    resources: [{ type: 'contact', id: 'segment-7', sensitivity: 'internal' }],
    parameters: { set: { tier: 'gold' }, where: { segment: 7 } },
    impact: { records: 200, reversible: true },
    justification: 'upgrade the segment after the campaign',
    sessionId: defaultSessionId,
    ...extra,
  }),
  /** prod, transfer, 250 000 USD, irreversible: critical (two approvals). */
  prodTransfer: (extra: Partial<ActionRequest> = {}): ActionRequest => ({
    tool: 'payments.transfer',
    operation: 'transfer',
    environment: 'prod',
    resources: [{ type: 'account', id: 'acct-9', sensitivity: 'confidential' }],
    parameters: { from: 'acct-9', to: 'acct-1', amount: 250_000, currency: 'USD' },
    impact: { amountUsd: 250_000, reversible: false },
    justification: 'quarterly settlement',
    sessionId: defaultSessionId,
    ...extra,
  }),
};
