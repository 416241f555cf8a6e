/**
 * The workflow bundle: built with the same options everywhere (the worker, the
 * tests, the replay recorder), and at start-up in a child process, so webpack's
 * memory leaves with it instead of staying in the worker's heap.
 */
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the workflows entry module, for bundling. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.js', import.meta.url));

/** The argument that asks `bundle-main.js` for a bundle with stack traces. */
export const STACK_TRACES_ARG = '--stack-traces';

const QUIET = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

/**
 * How Airlock's workflows are bundled. Every module under `workflows/` and the
 * `domain/` files it imports hold no state of their own (constants only), so
 * they are loaded once in the worker's shared V8 context instead of once per
 * workflow: each cached workflow holds only its own state, and a workflow
 * starts (or replays) without evaluating them again.
 */
export function workflowBundleOptions(opts: BundleChoices = {}): BundleOptions {
  return {
    workflowsPath: WORKFLOWS_PATH,
    preloadModules: [WORKFLOWS_PATH],
    logger: QUIET,
    // With stack traces, the module that turns them off is bundled as an empty one.
    ...(opts.stackTraces ? { webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, alias: { ...aliasesOf(config), [STACK_TRACES_PATH]: false } } }) } : {}),
  };
}

/** What a bundle may differ in. */
export interface BundleChoices {
  /** Workflow code records stack traces (`AIRLOCK_WORKFLOW_STACK_TRACES`); off by default, see `workflows/stack-traces.ts`. */
  stackTraces?: boolean;
}

const STACK_TRACES_PATH = fileURLToPath(new URL('../workflows/stack-traces.js', import.meta.url));

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];
function aliasesOf(config: WebpackConfig): Record<string, string | false | string[]> {
  const alias = config.resolve?.alias;
  if (alias === undefined) return {};
  if (Array.isArray(alias)) throw new Error('the SDK now gives webpack aliases as a list: update workflowBundleOptions');
  return alias as Record<string, string | false | string[]>;
}

/** Bundles the workflows in this process (tests, the replay recorder). */
export async function bundleWorkflows(opts: BundleChoices = {}): Promise<string> {
  return (await bundleWorkflowCode(workflowBundleOptions(opts))).code;
}

/**
 * Bundles the workflows in a child process and returns the code. Bundling in
 * the worker's own process left about 80 MB of webpack's memory in its
 * resident set for as long as it ran (measured: 280–307 MB at rest against 203 MB).
 */
export function bundleWorkflowsApart(opts: BundleChoices = {}): Promise<string> {
  const entry = fileURLToPath(new URL('./bundle-main.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...(opts.stackTraces ? [STACK_TRACES_ARG] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`bundling the workflows failed (${signal ?? `exit ${code}`})`));
    });
  });
}
