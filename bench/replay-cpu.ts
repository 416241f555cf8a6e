/**
 * CPU of workflow code alone: replays every committed history of the current
 * action workflow type (test/replay/histories/airlockAction) `rounds` times on
 * one workflow thread, after a warm-up, and prints the process's CPU time. Compares builds, e.g. with and
 * without a change to the workflows: `node dist/bench/replay-cpu.js [rounds]`.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflows } from '../worker/bundle.js';
import { ACTION_WORKFLOW_TYPE } from '../workflows/messages.js';

const dir = join(resolve(fileURLToPath(new URL('../..', import.meta.url))), 'test', 'replay', 'histories', ACTION_WORKFLOW_TYPE);
const rounds = Number(process.argv[2] ?? 20);
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as HistoryAndWorkflowId['history']);
Runtime.install({ logger: new DefaultLogger('WARN') });
const code = await bundleWorkflows();

async function replay(times: number): Promise<number> {
  const list = Array.from({ length: times }, (_, i) => histories.map((history, j) => ({ workflowId: `replay-${i}-${j}`, history }))).flat();
  let failed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code }, workflowThreadPoolSize: 1 }, list)) if (result.error) failed++;
  return failed;
}

await replay(5);
const before = process.cpuUsage();
const started = performance.now();
const failed = await replay(rounds);
const used = process.cpuUsage(before);
const n = rounds * histories.length;
console.log(
  `${n} replays of ${histories.length} histories: ${((used.user + used.system) / 1000).toFixed(0)} ms CPU (${((used.user + used.system) / 1000 / n).toFixed(2)} per replay), ${(performance.now() - started).toFixed(0)} ms wall, ${failed} failed`,
);
