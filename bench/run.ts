/**
 * `npm run bench`: submit→terminal latency and throughput of Airlock's auto path
 * at concurrency 1 and 50, beside bare Temporal doing the same job (one
 * workflow whose one activity POSTs the action to the tool) on the same server
 * in the same run. It reports; it asserts nothing.
 *
 * It starts its own stack: an in-memory dev server, `dist/service/start.js`
 * (API, worker), a baseline worker and the tool both sides call
 * (`bench/target.ts`), each its own process.
 * Both sides run the same closed loop (one request in flight per connection),
 * and every leg drains what it started before it is counted.
 * BENCH_SECONDS sets the length of each measurement (default 10; at least 25
 * from concurrency 50), BENCH_C the
 * concurrencies (default 1,50), BENCH_TOPOLOGY=split runs Airlock as an API
 * process and a worker process instead of `npm start`'s one, BENCH_SESSIONS=fresh opens a new
 * session for every request instead of one session per connection.
 * Last, a fast tool's latency is measured with and without BENCH_SLOW (default
 * 200; 0 skips it) executions of a slow tool (answering after SLOW_MS, default
 * 30 s) in flight.
 */
import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { fileURLToPath } from 'node:url';
import { ensureTemporalCli } from '../temporal/binary.js';
import { freePort, startDevServer } from '../temporal/dev-server.js';
import type { ExecutorPayload } from '../activities/http-executor.js';
import type { BaselineCall, baselineWorkflow } from './baseline-workflow.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
/** Legs at concurrency 50 and above last at least this long: shorter ones end before the load settles. */
const MIN_SECONDS_AT_50 = 25;
const legSeconds = (c: number) => (c >= 50 ? Math.max(seconds, MIN_SECONDS_AT_50) : seconds);
const concurrencies = (process.env.BENCH_C ?? '1,50').split(',').map(Number);
// `single`: `npm start`'s one process (API and worker together); `split`: an API
// process and a worker process, the topology of the bare side (client apart from worker).
const topology = process.env.BENCH_TOPOLOGY === 'split' ? 'split' : 'single';

interface Measured {
  p50: number;
  p99: number;
  throughput: number;
  completed: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Resolves with the match once the child's output matches `pattern`. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolveWait, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        child.stdout?.off('data', onData);
        resolveWait(match);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready`)));
  });
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The executor's body for one baseline run: what Airlock's executor POSTs for the benchmark's action. */
function baselineCall(toolUrl: string): BaselineCall {
  const action: ExecutorPayload = {
    actionId: `billing-agent.${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    agentId: 'billing-agent',
    sessionId: `bench-${randomUUID()}`,
    tool: 'crm.contacts.read',
    operation: 'read',
    environment: 'dev',
    parameters: { id: 'c-1' },
    resources: [{ type: 'contact', id: 'c-1', sensitivity: 'internal' }],
    approvers: [],
    version: 1,
  };
  return { url: toolUrl, timeoutMs: 5_000, action };
}

/**
 * `concurrency` loops, each sending one request and awaiting it, until
 * `durationS` is over. A leg drains: the requests in flight at the end are
 * awaited and counted, and throughput is successes over the whole leg, start
 * to the last answer. Both sides are measured by this one function.
 */
async function closedLoop(concurrency: number, durationS: number, once: () => Promise<boolean>): Promise<Measured> {
  const latencies: number[] = [];
  let errors = 0;
  const started = Date.now();
  const end = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        let ok = false;
        try {
          ok = await once();
        } catch {
          ok = false;
        }
        if (ok) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), throughput: latencies.length / elapsed, completed: latencies.length, errors };
}

/** Bare Temporal: each loop starts the baseline workflow and awaits its result. */
function measureBaseline(client: Client, taskQueue: string, toolUrl: string, concurrency: number, durationS: number): Promise<Measured> {
  return closedLoop(concurrency, durationS, async () => {
    await client.workflow.execute<typeof baselineWorkflow>('baselineWorkflow', { taskQueue, workflowId: `baseline-${randomUUID()}`, args: [baselineCall(toolUrl)] });
    return true;
  });
}

/**
 * The session each request names. `shared` (default): one session per connection, declared
 * up front with a budget the run cannot spend, so every action is judged in a live session
 * that records it, as an agent working through a task is. `fresh`: a new session per request,
 * the worst case (each action opens a session workflow).
 */
const sessionsMode = process.env.BENCH_SESSIONS === 'fresh' ? 'fresh' : 'shared';

async function sessionPicker(apiUrl: string, concurrency: number): Promise<() => string> {
  if (sessionsMode === 'fresh') return () => `bench-${randomUUID()}`;
  const ids = Array.from({ length: concurrency }, () => `bench-${randomUUID()}`);
  for (const sessionId of ids) {
    const res = await fetch(`${apiUrl}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo-agent-key', 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId, intent: 'benchmark', riskBudget: 1_000_000 }),
    });
    if (res.status !== 201) throw new Error(`declaring a bench session: ${res.status} ${await res.text()}`);
  }
  let next = 0;
  return () => ids[next++ % ids.length]!;
}

/** An auto-tier read of one contact with `tool`. */
function readBody(tool: string, sessionId: string): string {
  return JSON.stringify({
    tool,
    operation: 'read',
    environment: 'dev',
    resources: [{ type: 'contact', id: 'c-1', sensitivity: 'internal' }],
    parameters: { id: 'c-1' },
    impact: { records: 1 },
    justification: 'benchmark',
    sessionId,
  });
}

/** Airlock: each loop POSTs an auto-tier action with ?wait=30, so each answer is its terminal state. */
async function measureAirlock(apiUrl: string, concurrency: number, durationS: number): Promise<Measured> {
  const session = await sessionPicker(apiUrl, concurrency);
  return closedLoop(concurrency, durationS, async () => {
    const res = await fetch(`${apiUrl}/v1/actions?wait=30`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo-agent-key', 'content-type': 'application/json' },
      body: readBody('crm.contacts.read', session()),
    });
    return res.status === 202 && ((await res.json()) as { status: string }).status === 'succeeded';
  });
}

/** Matched by the agent's `crm.**`; the bench target answers a tool named `*.slow` after SLOW_MS. */
const SLOW_TOOL = 'crm.bench.slow';
const slowCount = Number(process.env.BENCH_SLOW ?? 200);
/** The fast tool's load while the slow one is busy. */
const ISOLATION_C = 10;

/** Starts `count` executions of the slow tool (auto, not waited for). */
async function startSlow(apiUrl: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, async () => {
        const res = await fetch(`${apiUrl}/v1/actions?wait=0`, {
          method: 'POST',
          headers: { authorization: 'Bearer demo-agent-key', 'content-type': 'application/json' },
          body: readBody(SLOW_TOOL, `bench-slow-${randomUUID()}`),
        });
        if (res.status !== 202) throw new Error(`starting a slow execution: ${res.status} ${await res.text()}`);
      }),
    );
  }
}

async function slowInFlight(targetUrl: string): Promise<number> {
  return ((await (await fetch(`${targetUrl}/stats`)).json()) as { slowInFlight: number }).slowInFlight;
}

function mean(a: Measured, b: Measured): Measured {
  return {
    p50: (a.p50 + b.p50) / 2,
    p99: (a.p99 + b.p99) / 2,
    throughput: (a.throughput + b.throughput) / 2,
    completed: a.completed + b.completed,
    errors: a.errors + b.errors,
  };
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : 'n/a');

const cli = ensureTemporalCli(root, (m) => console.error(`bench: ${m}`));
const server = await startDevServer({ cli, port: 0 });
const work = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
const apiPort = await freePort();
const demoPort = await freePort();
const target = spawn(process.execPath, [join(root, 'dist', 'bench', 'target.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
const targetPort = Number((await waitForLine(target, /ready (\d+)/, 'the bench target'))[1]);
const toolUrl = `http://127.0.0.1:${targetPort}/tools/crm.contacts.read`;
// Airlock's tools call the bench target, the very one the baseline's activity calls.
const configPath = join(work, 'airlock.yaml');
const benchConfig = parse(readFileSync(join(root, 'airlock.yaml'), 'utf8').replaceAll('127.0.0.1:8090', `127.0.0.1:${targetPort}`)) as {
  tools: Record<string, Record<string, unknown>>;
};
// The slow tool: the fast one's facts, a target that answers after SLOW_MS, no retries, the default bound.
const { breaker: _breaker, ...fastTool } = benchConfig.tools['crm.contacts.read']!;
benchConfig.tools[SLOW_TOOL] = {
  ...fastTool,
  description: 'the benchmark slow tool',
  executors: { dev: { type: 'http', url: `http://127.0.0.1:${targetPort}/tools/${SLOW_TOOL}`, timeout: '2m', deadline: '10m' } },
  retry: { maxAttempts: 1 },
};
writeFileSync(configPath, stringify(benchConfig));

const childEnv = { ...process.env, TEMPORAL_ADDRESS: server.address, LOG_LEVEL: 'warn' };
const airlockEnv = {
  ...childEnv,
  PORT: String(apiPort),
  DEMO_TARGET_PORT: String(demoPort),
  AIRLOCK_CONFIG: configPath,
  AIRLOCK_TASK_QUEUE: 'bench-airlock',
  AIRLOCK_DATA_DIR: join(work, 'data'),
};
const airlock: { process: ChildProcess; ready: RegExp; what: string }[] =
  topology === 'single'
    ? [{ process: spawn(process.execPath, [join(root, 'dist', 'service', 'start.js')], { env: airlockEnv, stdio: ['ignore', 'pipe', 'inherit'] }), ready: /Airlock is running/, what: 'the Airlock service' }]
    : [
        // `info` only to see each start up; neither logs per action at that level.
        { process: spawn(process.execPath, [join(root, 'dist', 'worker', 'main.js')], { env: { ...airlockEnv, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] }), ready: /worker started/, what: 'the Airlock worker' },
        { process: spawn(process.execPath, [join(root, 'dist', 'api', 'main.js')], { env: { ...airlockEnv, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] }), ready: /api listening/, what: 'the Airlock API' },
      ];
const baselineWorker = spawn(process.execPath, [join(root, 'dist', 'bench', 'baseline-worker.js')], {
  env: { ...childEnv, BASELINE_TASK_QUEUE: 'bench-baseline' },
  stdio: ['ignore', 'pipe', 'inherit'],
});

try {
  await Promise.all([...airlock.map((a) => waitForLine(a.process, a.ready, a.what)), waitForLine(baselineWorker, /ready/, 'the baseline worker')]);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const apiUrl = `http://127.0.0.1:${apiPort}`;

  console.error('bench: warming up');
  await measureBaseline(client, 'bench-baseline', toolUrl, 4, 2);
  await measureAirlock(apiUrl, 4, 2);

  const rows: { concurrency: number; baseline: Measured; airlock: Measured }[] = [];
  for (const c of concurrencies) {
    // A-B-B-A, each side's two runs averaged, so neither side always runs on the
    // warmer (or fuller) server.
    const leg = legSeconds(c);
    console.error(`bench: concurrency ${c}, 2 × ${leg}s per side`);
    const b1 = await measureBaseline(client, 'bench-baseline', toolUrl, c, leg);
    const a1 = await measureAirlock(apiUrl, c, leg);
    const a2 = await measureAirlock(apiUrl, c, leg);
    const b2 = await measureBaseline(client, 'bench-baseline', toolUrl, c, leg);
    rows.push({ concurrency: c, baseline: mean(b1, b2), airlock: mean(a1, a2) });
  }
  await connection.close();

  // Isolation: the same fast tool, alone, then beside `slowCount` executions of a slow one.
  let isolation: { quiet: Measured; loaded: Measured; slowAtTarget: number[] } | undefined;
  if (slowCount > 0) {
    console.error(`bench: the fast tool at concurrency ${ISOLATION_C}, without and with ${slowCount} slow executions in flight, ${seconds}s each`);
    const targetUrl = `http://127.0.0.1:${targetPort}`;
    const quiet = await measureAirlock(apiUrl, ISOLATION_C, seconds);
    await startSlow(apiUrl, slowCount);
    await new Promise((r) => setTimeout(r, 2_000));
    const before = await slowInFlight(targetUrl);
    const loaded = await measureAirlock(apiUrl, ISOLATION_C, seconds);
    isolation = { quiet, loaded, slowAtTarget: [before, await slowInFlight(targetUrl)] };
  }

  console.log(
    `\nAirlock auto path (${topology === 'single' ? 'one process: API and worker' : 'API and worker processes'}; sessions: ${sessionsMode}) vs bare Temporal — 2 runs of ${seconds}s per cell (at least ${MIN_SECONDS_AT_50}s from concurrency 50), A-B-B-A, each run drained, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log('submit→terminal latency in ms (mean of the runs’ percentiles); throughput in completed actions per second\n');
  console.log('| concurrency | what | p50 ms | p99 ms | throughput/s | completed | errors |');
  console.log('|---:|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    for (const [name, m] of [['bare Temporal (workflow → activity → tool)', r.baseline], ['Airlock (HTTP → workflow → executor)', r.airlock]] as const) {
      console.log(`| ${r.concurrency} | ${name} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.throughput)} | ${m.completed} | ${m.errors} |`);
    }
    console.log(
      `| ${r.concurrency} | **ratio Airlock / bare** | ${fmt(r.airlock.p50 / r.baseline.p50)}× | ${fmt(r.airlock.p99 / r.baseline.p99)}× | ${fmt(r.airlock.throughput / r.baseline.throughput)}× | | |`,
    );
  }
  if (isolation) {
    const { quiet, loaded, slowAtTarget } = isolation;
    console.log(
      `\nA fast tool beside a slow one: crm.contacts.read at concurrency ${ISOLATION_C}, ${seconds}s each, alone and with ${slowCount} executions of ${SLOW_TOOL} started (each answering after ${Number(process.env.SLOW_MS ?? 30_000) / 1000} s; ${slowAtTarget.join(' → ')} of them at the target during the measurement, the rest queued on the tool's own task queue)\n`,
    );
    console.log('| fast tool | p50 ms | p99 ms | throughput/s | completed | errors |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const [name, m] of [['alone', quiet], [`with ${slowCount} slow executions`, loaded]] as const) {
      console.log(`| ${name} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.throughput)} | ${m.completed} | ${m.errors} |`);
    }
  }
} finally {
  await Promise.allSettled([...airlock.map((a) => stopChild(a.process)), stopChild(baselineWorker), stopChild(target)]);
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
