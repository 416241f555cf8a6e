/**
 * `npm run bench`: Airlock beside bare Temporal (and a bare `node:http`
 * handler) on the same machine, in the same run. It reports; it asserts nothing.
 *
 * It starts its own stack: an in-memory dev server, `dist/service/start.js`
 * (API, worker; as `npm start` runs it), a baseline worker and the tool both
 * sides call (`bench/target.ts`), each its own process. Legs (BENCH_ONLY, a
 * comma list, picks some; default all, in this order):
 * - `auto`: submit→terminal latency and throughput of auto-approved actions at
 *   BENCH_C (default 1,10,50,200) concurrent connections beside a bare workflow
 *   whose one activity POSTs the same body to the same tool. BENCH_SESSIONS=fresh
 *   opens a new session for every request instead of one per connection.
 * - `http`: `GET /healthz`, a 401 and a 400 beside a bare `node:http` handler
 *   (bench/http-cost.ts) at BENCH_HTTP_C (default 50) connections.
 * - `approval`: decision → succeeded, BENCH_DECISIONS (default 40) single
 *   decisions and two bursts of 200 per side (bench/approval.ts).
 * - `pending`: BENCH_PENDING (default 2000) actions awaiting approval: RSS of
 *   each process, idle CPU, then decisions on a random sample and a burst of 200.
 * - `slow`: a fast tool's latency alone and beside BENCH_SLOW (default 200; 0
 *   skips it) executions of a slow tool (answering after SLOW_MS, default 30 s).
 * Every closed-loop leg runs A-B-B-A, each run drained; BENCH_SECONDS sets a
 * run's length (default 10; at least 25 from concurrency 50 in the auto leg).
 * BENCH_TOPOLOGY=split runs Airlock as an API process and a worker process
 * instead of `npm start`'s one. BENCH_LOG_LEVEL (default warn) is the level of
 * Airlock and of the bare HTTP handler. BENCH_AIRLOCK_NODE_ARGS (space-separated)
 * are given to node for Airlock's processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`;
 * BENCH_BASELINE_NODE_ARGS to the baseline worker's, to profile both sides alike.
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
import { MAX_CONCURRENT_WORKFLOW_TASKS, WORKFLOW_THREADS } from '../worker/cache.js';
import { freePort, startDevServer } from '../temporal/dev-server.js';
import { approvalLeg, BURST, pendingLeg, REVIEW_TOOL, type ApprovalFigures, type ApprovalSides, type PendingFigures } from './approval.js';
import type { baselineWorkflow } from './baseline-workflow.js';
import { httpLeg, type HttpRow } from './http-cost.js';
import { addCounts, countsSince, readServerCounts, type ServerCounts } from './server-metrics.js';
import { cpuSeconds, sleep, closedLoop, fmt, mean, ratio, say, stopChild, waitForLine, type Measured } from './measure.js';
import { AGENT_KEY, baselineCall, declareSessions, readBody } from './requests.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
/** Legs at concurrency 50 and above last at least this long: shorter ones end before the load settles. */
const MIN_SECONDS_AT_50 = 25;
const legSeconds = (c: number) => (c >= 50 ? Math.max(seconds, MIN_SECONDS_AT_50) : seconds);
const concurrencies = (process.env.BENCH_C ?? '1,10,50,200').split(',').map(Number);
// `single`: `npm start`'s one process (API and worker together); `split`: an API
// process and a worker process, the topology of the bare side (client apart from worker).
const topology = process.env.BENCH_TOPOLOGY === 'split' ? 'split' : 'single';
const LEGS = ['auto', 'http', 'approval', 'pending', 'slow'] as const;
type Leg = (typeof LEGS)[number];
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
for (const leg of only ?? []) if (!(LEGS as readonly string[]).includes(leg)) throw new Error(`BENCH_ONLY: no leg ${leg} (legs: ${LEGS.join(', ')})`);
const runs = (leg: Leg) => !only || only.includes(leg);
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'warn';
const httpConcurrency = Number(process.env.BENCH_HTTP_C ?? 50);
const decisions = Number(process.env.BENCH_DECISIONS ?? 40);
const pendingCount = Number(process.env.BENCH_PENDING ?? 2000);
const settleSeconds = Number(process.env.BENCH_SETTLE_S ?? 30);
const IDLE_SECONDS = 10;
const METRICS_LAG_MS = 2_000;

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
  const ids = await declareSessions(apiUrl, concurrency);
  let next = 0;
  return () => ids[next++ % ids.length]!;
}

/** Airlock: each loop POSTs an auto-tier action with ?wait=30, so each answer is its terminal state. */
async function measureAirlock(apiUrl: string, concurrency: number, durationS: number): Promise<Measured> {
  const session = await sessionPicker(apiUrl, concurrency);
  return closedLoop(concurrency, durationS, async () => {
    const res = await fetch(`${apiUrl}/v1/actions?wait=30`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_KEY}`, 'content-type': 'application/json' },
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
          headers: { authorization: `Bearer ${AGENT_KEY}`, 'content-type': 'application/json' },
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

const cli = ensureTemporalCli(root, say);
const metricsPort = await freePort();
const server = await startDevServer({ cli, port: 0, metricsPort });
const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
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
  limits: Record<string, unknown>;
};
// The slow tool: the fast one's facts, a target that answers after SLOW_MS, no retries, the default bound.
const { breaker: _breaker, ...fastTool } = benchConfig.tools['crm.contacts.read']!;
benchConfig.tools[SLOW_TOOL] = {
  ...fastTool,
  description: 'the benchmark slow tool',
  executors: { dev: { type: 'http', url: `http://127.0.0.1:${targetPort}/tools/${SLOW_TOOL}`, timeout: '2m', deadline: '10m' } },
  retry: { maxAttempts: 1 },
};
// The review tool: the fast one's facts and target, with a base risk that puts every call in `review` (score 45).
benchConfig.tools[REVIEW_TOOL] = {
  ...fastTool,
  description: 'the benchmark review tool',
  executors: { dev: { type: 'http', url: toolUrl, timeout: '5s' } },
  baseRisk: 40,
};
// The pending leg keeps thousands of one agent's actions awaiting approval.
benchConfig.limits.maxPendingPerAgent = 1_000_000;
// The bare side has no bound on the calls in flight: the fast tool's is the largest load's (its bound at 10 is
// the slow leg's subject), so the auto leg measures what Airlock adds, not a queue it was told to keep.
const FAST_TOOL_MAX_CONCURRENT = Math.max(...concurrencies, 10);
(benchConfig.tools['crm.contacts.read'] as { breaker: { maxConcurrent: number } }).breaker.maxConcurrent = FAST_TOOL_MAX_CONCURRENT;
writeFileSync(configPath, stringify(benchConfig));

const childEnv = { ...process.env, TEMPORAL_ADDRESS: server.address, LOG_LEVEL: logLevel };
const airlockEnv = {
  ...childEnv,
  PORT: String(apiPort),
  DEMO_TARGET_PORT: String(demoPort),
  AIRLOCK_CONFIG: configPath,
  AIRLOCK_TASK_QUEUE: 'bench-airlock',
  AIRLOCK_DATA_DIR: join(work, 'data'),
};
const extraNodeArgs = process.env.BENCH_AIRLOCK_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
/**
 * How an npm script runs an entry point (`npm start` runs `dist/service/start.js`):
 * the environment it sets (`NAME=value`, `NAME=${NAME:-value}`) and node's flags,
 * then BENCH_AIRLOCK_NODE_ARGS; so the bench measures what the script runs.
 */
const runOf = (script: string, entry: string): { args: string[]; env: Record<string, string> } => {
  const m = new RegExp(`((?:\\w+=\\S+\\s+)*)node((?:\\s+--\\S+)*)\\s+${entry.replaceAll('.', '\\.')}\\b`).exec(scripts[script] ?? '');
  if (!m) throw new Error(`package.json: the ${script} script does not run node ${entry}`);
  const env: Record<string, string> = {};
  for (const [, name, value] of m[1]!.matchAll(/(\w+)=(\S+)/g)) {
    const fallback = /^\$\{(\w+):-(.*)\}$/.exec(value!);
    env[name!] = fallback ? (process.env[fallback[1]!] ?? fallback[2]!) : value!;
  }
  return { args: [...m[2]!.split(/\s+/).filter(Boolean), ...extraNodeArgs, join(root, entry)], env };
};
const spawnAs = (script: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess => {
  const run = runOf(script, entry);
  return spawn(process.execPath, run.args, { env: { ...env, ...run.env }, stdio: ['ignore', 'pipe', 'inherit'] });
};
const airlock: { process: ChildProcess; ready: RegExp; what: string; name: string }[] =
  topology === 'single'
    ? [
        {
          process: spawnAs('start', 'dist/service/start.js', airlockEnv),
          ready: /Airlock is running/,
          what: 'the Airlock service',
          name: 'Airlock (dist/service/start.js)',
        },
      ]
    : [
        // `info` only to see each start up; neither logs per action at that level.
        { process: spawnAs('worker', 'dist/worker/main.js', { ...airlockEnv, LOG_LEVEL: 'info' }), ready: /worker started/, what: 'the Airlock worker', name: 'Airlock worker' },
        { process: spawnAs('api', 'dist/api/main.js', { ...airlockEnv, LOG_LEVEL: 'info' }), ready: /api listening/, what: 'the Airlock API', name: 'Airlock API' },
      ];
const baselineWorker = spawn(process.execPath, [...(process.env.BENCH_BASELINE_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(root, 'dist', 'bench', 'baseline-worker.js')], {
  env: { ...childEnv, BASELINE_TASK_QUEUE: 'bench-baseline' },
  stdio: ['ignore', 'pipe', 'inherit'],
});

/** Everything measured, printed at the end. */
const report: {
  auto?: { concurrency: number; baseline: Measured; airlock: Measured }[];
  /** What the server did per side over the whole auto leg, and how many actions that was. */
  autoServer?: { baseline: ServerCounts; airlock: ServerCounts; baselineActions: number; airlockActions: number };
  /** CPU seconds each process used during each side's runs of the auto leg. */
  autoCpu?: { baseline: Map<string, number>; airlock: Map<string, number> };
  http?: HttpRow[];
  approval?: ApprovalFigures;
  pending?: PendingFigures;
  isolation?: { quiet: Measured; loaded: Measured; slowAtTarget: number[] };
} = {};

try {
  await Promise.all([...airlock.map((a) => waitForLine(a.process, a.ready, a.what)), waitForLine(baselineWorker, /ready/, 'the baseline worker')]);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const sides: ApprovalSides = { apiUrl, client, baselineTaskQueue: 'bench-baseline', toolUrl };

  say('warming up');
  await measureBaseline(client, 'bench-baseline', toolUrl, 4, 2);
  await measureAirlock(apiUrl, 4, 2);

  /** Runs one leg; a leg that fails is reported on stderr and the others still run. */
  const leg = async (name: Leg, run: () => Promise<void>) => {
    if (!runs(name)) return;
    try {
      await run();
    } catch (err) {
      say(`the ${name} leg failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  };

  await leg('auto', async () => {
    const rows: NonNullable<typeof report.auto> = [];
    report.auto = rows;
    const serverWork = { baseline: new Map(), airlock: new Map(), baselineActions: 0, airlockActions: 0 } as NonNullable<typeof report.autoServer>;
    report.autoServer = serverWork;
    // The server's counters around each run (requests in flight at either edge belong to the run: each run drains).
    const cpu = { baseline: new Map<string, number>(), airlock: new Map<string, number>() };
    report.autoCpu = cpu;
    const processes = [
      { name: 'Temporal dev server', pid: server.process.pid! },
      ...airlock.map((a) => ({ name: a.name, pid: a.process.pid! })),
      { name: 'bare worker', pid: baselineWorker.pid! },
      { name: 'tool (bench target)', pid: target.pid! },
      { name: 'load generator (this process)', pid: process.pid },
    ];
    const cpuNow = () => new Map(processes.map((p) => [p.name, cpuSeconds(p.pid)]));
    const counted = async (side: 'baseline' | 'airlock', run: () => Promise<Measured>) => {
      const before = await readServerCounts(metricsUrl);
      const cpuBefore = cpuNow();
      const m = await run();
      for (const [name, used] of cpuNow()) cpu[side].set(name, (cpu[side].get(name) ?? 0) + used - cpuBefore.get(name)!);
      // The server publishes its counters about once a second.
      await sleep(METRICS_LAG_MS);
      serverWork[side] = addCounts(serverWork[side], countsSince(before, await readServerCounts(metricsUrl)));
      serverWork[`${side}Actions`] += m.completed + m.errors;
      return m;
    };
    for (const c of concurrencies) {
      // A-B-B-A, each side's two runs averaged, so neither side always runs on the
      // warmer (or fuller) server.
      const length = legSeconds(c);
      say(`concurrency ${c}, 2 × ${length}s per side`);
      const b1 = await counted('baseline', () => measureBaseline(client, 'bench-baseline', toolUrl, c, length));
      const a1 = await counted('airlock', () => measureAirlock(apiUrl, c, length));
      const a2 = await counted('airlock', () => measureAirlock(apiUrl, c, length));
      const b2 = await counted('baseline', () => measureBaseline(client, 'bench-baseline', toolUrl, c, length));
      rows.push({ concurrency: c, baseline: mean(b1, b2), airlock: mean(a1, a2) });
    }
  });

  await leg('http', async () => {
    report.http = await httpLeg({ root, airlockPort: apiPort, logLevel, concurrency: httpConcurrency, seconds });
  });

  await leg('approval', async () => {
    report.approval = await approvalLeg(sides, decisions);
  });

  await leg('pending', async () => {
    report.pending = await pendingLeg(sides, {
      n: pendingCount,
      decisions,
      settleS: settleSeconds,
      idleS: IDLE_SECONDS,
      watched: [
        ...airlock.map((a) => ({ name: a.name, pid: a.process.pid! })),
        { name: 'Temporal dev server', pid: server.process.pid! },
        { name: 'bare worker', pid: baselineWorker.pid! },
      ],
    });
  });

  // Isolation: the same fast tool, alone, then beside `slowCount` executions of a slow one.
  await leg('slow', async () => {
    if (slowCount === 0) return;
    say(`the fast tool at concurrency ${ISOLATION_C}, without and with ${slowCount} slow executions in flight, ${seconds}s each`);
    const targetUrl = `http://127.0.0.1:${targetPort}`;
    const quiet = await measureAirlock(apiUrl, ISOLATION_C, seconds);
    await startSlow(apiUrl, slowCount);
    await new Promise((r) => setTimeout(r, 2_000));
    const before = await slowInFlight(targetUrl);
    const loaded = await measureAirlock(apiUrl, ISOLATION_C, seconds);
    report.isolation = { quiet, loaded, slowAtTarget: [before, await slowInFlight(targetUrl)] };
  });
  await connection.close();
  printReport();
} finally {
  await Promise.allSettled([...airlock.map((a) => stopChild(a.process)), stopChild(baselineWorker), stopChild(target)]);
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}

function printReport() {
  const topologyText = topology === 'single' ? 'one process: API and worker' : 'API and worker processes';
  console.log(
    `\nAirlock benchmark, ${new Date().toISOString()} — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; Airlock: ${topologyText}; workflow task slots ${process.env.AIRLOCK_WORKFLOW_TASK_SLOTS ?? MAX_CONCURRENT_WORKFLOW_TASKS}, workflow threads ${process.env.AIRLOCK_WORKFLOW_THREADS ?? WORKFLOW_THREADS}; log level ${logLevel}; legs: ${(only ?? LEGS).join(', ')}`,
  );
  if (report.auto) {
    console.log(
      `\n### Auto path vs bare Temporal (sessions: ${sessionsMode}) — 2 runs of ${seconds}s per cell (at least ${MIN_SECONDS_AT_50}s from concurrency 50), A-B-B-A, each run drained`,
    );
    console.log(`submit→terminal latency in ms (mean of the runs’ percentiles); throughput in completed actions per second; the fast tool's maxConcurrent ${FAST_TOOL_MAX_CONCURRENT}\n`);
    console.log('| concurrency | what | p50 ms | p99 ms | throughput/s | completed | errors |');
    console.log('|---:|---|---:|---:|---:|---:|---:|');
    for (const r of report.auto) {
      for (const [name, m] of [['bare Temporal (workflow → activity → tool)', r.baseline], ['Airlock (HTTP → workflow → executor)', r.airlock]] as const) {
        console.log(`| ${r.concurrency} | ${name} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.throughput)} | ${m.completed} | ${m.errors} |`);
      }
      console.log(`| ${r.concurrency} | **ratio Airlock / bare** | ${ratio(r.airlock.p50, r.baseline.p50)} | ${ratio(r.airlock.p99, r.baseline.p99)} | ${ratio(r.airlock.throughput, r.baseline.throughput)} | | |`);
    }
  }
  if (report.autoCpu && report.autoServer) {
    const { baselineActions, airlockActions } = report.autoServer;
    console.log('\nCPU per action over the auto leg, by process (ms of user + system time, /proc)\n');
    console.log('| process | bare | Airlock |');
    console.log('|---|---:|---:|');
    const ms = (m: Map<string, number>, name: string, n: number) => ((1000 * (m.get(name) ?? 0)) / Math.max(1, n)).toFixed(1);
    for (const name of report.autoCpu.airlock.keys()) console.log(`| ${name} | ${ms(report.autoCpu.baseline, name, baselineActions)} | ${ms(report.autoCpu.airlock, name, airlockActions)} |`);
    const sum = (m: Map<string, number>, n: number) => ((1000 * [...m.values()].reduce((a, b) => a + b, 0)) / Math.max(1, n)).toFixed(1);
    console.log(`| **all** | ${sum(report.autoCpu.baseline, baselineActions)} | ${sum(report.autoCpu.airlock, airlockActions)} |`);
  }
  if (report.autoServer) {
    const { baseline, airlock, baselineActions, airlockActions } = report.autoServer;
    console.log('\nTemporal server work per action over the auto leg (its own counters: frontend requests `rpc:`, persistence operations `db:`; idle polls included)\n');
    console.log('| operation | bare | Airlock |');
    console.log('|---|---:|---:|');
    const per = (counts: ServerCounts, key: string, n: number) => ((counts.get(key) ?? 0) / Math.max(1, n)).toFixed(2);
    const keys = [...new Set([...baseline.keys(), ...airlock.keys()])].sort();
    for (const kind of ['rpc:', 'db:']) {
      const total = (counts: ServerCounts, n: number) => ([...counts].filter(([k]) => k.startsWith(kind)).reduce((t, [, v]) => t + v, 0) / Math.max(1, n)).toFixed(2);
      for (const key of keys.filter((k) => k.startsWith(kind))) console.log(`| ${key} | ${per(baseline, key, baselineActions)} | ${per(airlock, key, airlockActions)} |`);
      console.log(`| **${kind} all** | ${total(baseline, baselineActions)} | ${total(airlock, airlockActions)} |`);
    }
  }
  if (report.http) {
    console.log(
      `\n### Health check and refusals vs a bare node:http handler — ${httpConcurrency} keep-alive connections, one request in flight on each, 2 runs of ${seconds}s per side, A-B-B-A; both log one line per request at ${logLevel} (2xx at info, 4xx at warn)\n`,
    );
    console.log('| request | bare req/s | bare p50 / p99 ms | Airlock req/s | Airlock p50 / p99 ms | ratio bare / Airlock req/s | ratio p50 · p99 | errors (bare / Airlock) |');
    console.log('|---|---:|---|---:|---|---:|---|---|');
    for (const r of report.http) {
      console.log(
        `| ${r.probe} | ${fmt(r.bare.throughput)} | ${fmt(r.bare.p50)} / ${fmt(r.bare.p99)} | ${fmt(r.airlock.throughput)} | ${fmt(r.airlock.p50)} / ${fmt(r.airlock.p99)} | ${ratio(r.bare.throughput, r.airlock.throughput)} | ${ratio(r.airlock.p50, r.bare.p50)} · ${ratio(r.airlock.p99, r.bare.p99)} | ${r.bare.errors} / ${r.airlock.errors} |`,
      );
    }
  }
  const approvalTable = (f: ApprovalFigures) => {
    const bursts = (b: { ms: number; failed: number }[]) => b.map((x) => `${fmt(x.ms)}${x.failed ? ` (${x.failed} failed)` : ''}`).join(', ');
    const meanBurst = (b: { ms: number }[]) => b.reduce((t, x) => t + x.ms, 0) / b.length;
    console.log(`| side | single decision p50 / p99 ms | decisions (failed) | burst of ${BURST}: ms until all succeeded |`);
    console.log('|---|---|---|---|');
    console.log(`| bare Temporal (signal → activity) | ${fmt(f.bare.singles.p50)} / ${fmt(f.bare.singles.p99)} | ${f.bare.singles.count} (${f.bare.singles.failed}) | ${bursts(f.bare.bursts)} |`);
    console.log(`| Airlock (POST decision → executed) | ${fmt(f.airlock.singles.p50)} / ${fmt(f.airlock.singles.p99)} | ${f.airlock.singles.count} (${f.airlock.singles.failed}) | ${bursts(f.airlock.bursts)} |`);
    console.log(
      `| **ratio Airlock / bare** | ${ratio(f.airlock.singles.p50, f.bare.singles.p50)} · ${ratio(f.airlock.singles.p99, f.bare.singles.p99)} | | ${ratio(meanBurst(f.airlock.bursts), meanBurst(f.bare.bursts))} |`,
    );
  };
  if (report.approval) {
    console.log(
      `\n### Approval path: decision → succeeded (from sending the decision to the workflow closed, as the Temporal client sees it) — ${decisions} single decisions per side (two halves, A-B-B-A), then bursts of ${BURST} (B-A-A-B)\n`,
    );
    approvalTable(report.approval);
  }
  if (report.pending) {
    const p = report.pending;
    console.log(
      `\n### Memory with ${p.n} actions awaiting approval — created 20 at a time in ${fmt(p.createS)} s; settled ${p.settleS} s; idle CPU over ${p.idleS} s\n`,
    );
    console.log(`| process | RSS MiB at rest | after creating ${p.n} | after ${p.settleS} s | after the decisions | with ${p.n} bare workflows waiting too | idle CPU with ${p.n} pending |`);
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of p.rss) {
      const cpu = p.idleCpu.find((c) => c.name === r.name)?.percent ?? NaN;
      console.log(`| ${r.name} | ${fmt(r.rest)} | ${fmt(r.created)} | ${fmt(r.settled)} | ${fmt(r.decided)} | ${fmt(r.withBare)} | ${fmt(cpu)} % |`);
    }
    console.log(`\nDecisions on a random sample of the ${p.n} (and the bare side's on ${p.n} bare workflows waiting for their signal):\n`);
    approvalTable(p.figures);
  }
  if (report.isolation) {
    const { slowAtTarget } = report.isolation;
    console.log(
      `\n### A fast tool beside a slow one: crm.contacts.read at concurrency ${ISOLATION_C}, ${seconds}s each, alone and with ${slowCount} executions of ${SLOW_TOOL} started (each answering after ${Number(process.env.SLOW_MS ?? 30_000) / 1000} s; ${slowAtTarget.join(' → ')} of them at the target during the measurement, the rest queued on the tool's own task queue)${report.pending ? `; the ${report.pending.n} pending actions still waiting` : ''}\n`,
    );
    console.log('| fast tool | p50 ms | p99 ms | throughput/s | completed | errors |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const [name, m] of [['alone', report.isolation.quiet], [`with ${slowCount} slow executions`, report.isolation.loaded]] as const) {
      console.log(`| ${name} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.throughput)} | ${m.completed} | ${m.errors} |`);
    }
  }
}
