/**
 * The approval legs: decision → succeeded on Airlock (`POST
 * /v1/actions/:id/decision` by an operator, then the action's workflow
 * closing) beside bare Temporal (a signal to a workflow waiting for it, then
 * the same activity; bench/baseline-workflow.ts), one decision at a time and
 * as a burst of 200; and the same with N actions awaiting approval, with the
 * processes' memory and idle CPU.
 *
 * Both sides are timed the same way: from just before the decision is sent to
 * the moment the Temporal client sees the workflow closed (its result), so
 * neither side pays for a poll interval.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { approveSignal, type baselineApprovalWorkflow } from './baseline-workflow.js';
import { cpuSeconds, percentile, rssMiB, say, sleep } from './measure.js';
import { AGENT_KEY, baselineCall, declareSessions, OPERATOR_KEY, readBody } from './requests.js';

/** Matched by the agent's `crm.**`: the fast tool's facts with a base risk that makes every call `review`. */
export const REVIEW_TOOL = 'crm.bench.review';
/** Actions per declared session when creating many. */
const ACTIONS_PER_SESSION = 100;
/** Submissions (or workflow starts) in flight while creating many. */
const CREATE_CONCURRENCY = 20;
export const BURST = 200;

/** The two sides, as the approval legs drive them. */
export interface ApprovalSides {
  apiUrl: string;
  client: Client;
  baselineTaskQueue: string;
  toolUrl: string;
}

/** Runs `work(i)` for i in [0, count) with `concurrency` in flight, telling progress every `every`. */
async function pool(count: number, concurrency: number, what: string, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let done = 0;
  const every = Math.max(100, Math.ceil(count / 10));
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        await work(next++);
        if (++done % every === 0) say(`${what}: ${done}/${count}`);
      }
    }),
  );
}

/** Creates `count` Airlock actions awaiting approval (each submitted with ?wait, so it is awaiting when this returns); their ids. */
export async function createAirlockPending(sides: ApprovalSides, count: number): Promise<string[]> {
  const sessions = await declareSessions(sides.apiUrl, Math.ceil(count / ACTIONS_PER_SESSION));
  const ids: string[] = [];
  await pool(count, CREATE_CONCURRENCY, 'Airlock actions awaiting approval', async (i) => {
    const res = await fetch(`${sides.apiUrl}/v1/actions?wait=30`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_KEY}`, 'content-type': 'application/json' },
      body: readBody(REVIEW_TOOL, sessions[i % sessions.length]!),
    });
    const state = (await res.json()) as { id: string; status: string };
    if (res.status !== 202 || state.status !== 'awaiting_approval') throw new Error(`creating a pending action: ${res.status} ${JSON.stringify(state)}`);
    ids.push(state.id);
  });
  return ids;
}

/** Starts `count` bare approval workflows, each waiting for its signal; their workflow ids. */
export async function createBarePending(sides: ApprovalSides, count: number): Promise<string[]> {
  const ids: string[] = [];
  await pool(count, CREATE_CONCURRENCY, 'bare workflows awaiting a signal', async () => {
    const workflowId = `baseline-approval-${randomUUID()}`;
    await sides.client.workflow.start<typeof baselineApprovalWorkflow>('baselineApprovalWorkflow', {
      taskQueue: sides.baselineTaskQueue,
      workflowId,
      args: [baselineCall(sides.toolUrl)],
    });
    ids.push(workflowId);
  });
  return ids;
}

/** Approves one Airlock action and waits for its workflow to close; ms from sending the decision, or NaN if it did not succeed. */
export async function decideAirlock(sides: ApprovalSides, actionId: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${sides.apiUrl}/v1/actions/${actionId}/decision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approve', version: 1, reason: 'benchmark' }),
  });
  if (res.status !== 200) {
    say(`a decision was refused: ${res.status} ${await res.text()}`);
    return NaN;
  }
  await res.arrayBuffer();
  const state = (await sides.client.workflow.getHandle(`action-${actionId}`).result()) as { status: string };
  return state.status === 'succeeded' ? performance.now() - t0 : NaN;
}

/** Signals one bare workflow and waits for it to close; ms from sending the signal. */
export async function decideBare(sides: ApprovalSides, workflowId: string): Promise<number> {
  const t0 = performance.now();
  const handle = sides.client.workflow.getHandle(workflowId);
  await handle.signal(approveSignal);
  await handle.result();
  return performance.now() - t0;
}

/** Decision → succeeded, one decision at a time. */
export interface Singles {
  p50: number;
  p99: number;
  count: number;
  failed: number;
}

/** Decides `ids` one after another. */
export async function singles(ids: string[], decide: (id: string) => Promise<number>): Promise<Singles> {
  const ms: number[] = [];
  let failed = 0;
  for (const id of ids) {
    const t = await decide(id).catch(() => NaN);
    if (Number.isNaN(t)) failed++;
    else ms.push(t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), count: ms.length, failed };
}

/** Decides all of `ids` at once; ms until the last has succeeded, and how many did not. */
export async function burst(ids: string[], decide: (id: string) => Promise<number>): Promise<{ ms: number; failed: number }> {
  const t0 = performance.now();
  const results = await Promise.all(ids.map((id) => decide(id).catch(() => NaN)));
  return { ms: performance.now() - t0, failed: results.filter((t) => Number.isNaN(t)).length };
}

/** Both sides' figures of one approval measurement. */
export interface ApprovalFigures {
  airlock: { singles: Singles; bursts: { ms: number; failed: number }[] };
  bare: { singles: Singles; bursts: { ms: number; failed: number }[] };
}

/** Merges two halves of singles (ABBA) by pooling their figures' mean. */
function meanSingles(a: Singles, b: Singles): Singles {
  return { p50: (a.p50 + b.p50) / 2, p99: (a.p99 + b.p99) / 2, count: a.count + b.count, failed: a.failed + b.failed };
}

/**
 * The approval leg on an otherwise idle service: `decisions` single decisions
 * and two bursts of {@link BURST} per side, in A-B-B-A order (singles in two
 * halves), on actions created for it.
 */
export async function approvalLeg(sides: ApprovalSides, decisions: number): Promise<ApprovalFigures> {
  const half = Math.ceil(decisions / 2);
  say(`approval path: creating ${2 * half + 2 * BURST} pending actions on each side`);
  const airlockIds = await createAirlockPending(sides, 2 * half + 2 * BURST);
  const bareIds = await createBarePending(sides, 2 * half + 2 * BURST);
  await sleep(2_000);
  const a = (from: number, n: number) => airlockIds.slice(from, from + n);
  const b = (from: number, n: number) => bareIds.slice(from, from + n);
  say(`approval path: ${2 * half} single decisions per side, then 2 bursts of ${BURST}`);
  const decideA = (id: string) => decideAirlock(sides, id);
  const decideB = (id: string) => decideBare(sides, id);
  const b1 = await singles(b(0, half), decideB);
  const a1 = await singles(a(0, half), decideA);
  const a2 = await singles(a(half, half), decideA);
  const b2 = await singles(b(half, half), decideB);
  const bb1 = await burst(b(2 * half, BURST), decideB);
  await sleep(1_000);
  const ab1 = await burst(a(2 * half, BURST), decideA);
  await sleep(1_000);
  const ab2 = await burst(a(2 * half + BURST, BURST), decideA);
  await sleep(1_000);
  const bb2 = await burst(b(2 * half + BURST, BURST), decideB);
  return { airlock: { singles: meanSingles(a1, a2), bursts: [ab1, ab2] }, bare: { singles: meanSingles(b1, b2), bursts: [bb1, bb2] } };
}

/** A process the pending leg watches. */
export interface Watched {
  name: string;
  pid: number;
}

/** What the pending leg measured. */
export interface PendingFigures {
  n: number;
  settleS: number;
  idleS: number;
  /** MiB per process: at rest, after creating N, after the settle period, after the decisions, and once N bare workflows wait too. */
  rss: { name: string; rest: number; created: number; settled: number; decided: number; withBare: number }[];
  /** CPU % of one core per process while idle with N pending. */
  idleCpu: { name: string; percent: number }[];
  createS: number;
  figures: ApprovalFigures;
}

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Memory with N pending: creates `n` Airlock actions awaiting approval and
 * reads each watched process's RSS at rest, after creating them, after
 * `settleS` and after the decisions, and their CPU over `idleS` idle seconds.
 * Then `decisions` single decisions and one burst of {@link BURST} on a random
 * sample (many of them evicted from the worker's workflow cache), and the same
 * on `n` bare workflows waiting for their signal.
 */
export async function pendingLeg(
  sides: ApprovalSides,
  opts: { n: number; decisions: number; settleS: number; idleS: number; watched: Watched[] },
): Promise<PendingFigures> {
  const read = () => new Map(opts.watched.map((w) => [w.name, rssMiB(w.pid)]));
  const rest = read();
  say(`pending: creating ${opts.n} Airlock actions awaiting approval, ${CREATE_CONCURRENCY} at a time`);
  const t0 = performance.now();
  const airlockIds = await createAirlockPending(sides, opts.n);
  const createS = (performance.now() - t0) / 1000;
  const created = read();
  say(`pending: created in ${createS.toFixed(0)} s; settling ${opts.settleS} s`);
  await sleep(opts.settleS * 1000);
  const settled = read();
  const cpu0 = new Map(opts.watched.map((w) => [w.name, cpuSeconds(w.pid)]));
  await sleep(opts.idleS * 1000);
  const idleCpu = opts.watched.map((w) => ({ name: w.name, percent: ((cpuSeconds(w.pid) - cpu0.get(w.name)!) / opts.idleS) * 100 }));
  const sampleA = shuffle(airlockIds).slice(0, Math.min(opts.n, opts.decisions + BURST));
  say(`pending: ${opts.decisions} single decisions on a random sample, then a burst of ${BURST}`);
  const aSingles = await singles(sampleA.slice(0, opts.decisions), (id) => decideAirlock(sides, id));
  const aBurst = await burst(sampleA.slice(opts.decisions), (id) => decideAirlock(sides, id));
  const decided = read();
  say(`pending: ${opts.n} bare workflows awaiting a signal`);
  const bareIds = await createBarePending(sides, opts.n);
  await sleep(opts.settleS * 1000);
  const withBare = read();
  const sampleB = shuffle(bareIds).slice(0, Math.min(opts.n, opts.decisions + BURST));
  const bSingles = await singles(sampleB.slice(0, opts.decisions), (id) => decideBare(sides, id));
  const bBurst = await burst(sampleB.slice(opts.decisions), (id) => decideBare(sides, id));
  return {
    n: opts.n,
    settleS: opts.settleS,
    idleS: opts.idleS,
    rss: opts.watched.map((w) => ({ name: w.name, rest: rest.get(w.name)!, created: created.get(w.name)!, settled: settled.get(w.name)!, decided: decided.get(w.name)!, withBare: withBare.get(w.name)! })),
    idleCpu,
    createS,
    figures: { airlock: { singles: aSingles, bursts: [aBurst] }, bare: { singles: bSingles, bursts: [bBurst] } },
  };
}
