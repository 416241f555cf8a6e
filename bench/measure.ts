/** What every leg of the benchmark shares: the closed loop, percentiles, child processes, /proc readings. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One side of one leg. */
export interface Measured {
  p50: number;
  p99: number;
  throughput: number;
  completed: number;
  errors: number;
}

/** The p-th percentile of ascending `sorted` (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * `concurrency` loops, each sending one request and awaiting it, until
 * `durationS` is over. A leg drains: the requests in flight at the end are
 * awaited and counted, and throughput is successes over the whole leg, start
 * to the last answer. Both sides of every leg are measured by this one
 * function; `once` is told which loop calls it (a loop may own a connection).
 */
export async function closedLoop(concurrency: number, durationS: number, once: (loop: number) => Promise<boolean>): Promise<Measured> {
  const latencies: number[] = [];
  let errors = 0;
  const started = Date.now();
  const end = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      while (Date.now() < end) {
        const t0 = performance.now();
        let ok = false;
        try {
          ok = await once(loop);
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

/** The two runs of an A-B-B-A pair as one: percentiles and throughput averaged, counts added. */
export function mean(a: Measured, b: Measured): Measured {
  return {
    p50: (a.p50 + b.p50) / 2,
    p99: (a.p99 + b.p99) / 2,
    throughput: (a.throughput + b.throughput) / 2,
    completed: a.completed + b.completed,
    errors: a.errors + b.errors,
  };
}

/** A figure for a table: no decimals from 100 up, one below. */
export const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : 'n/a');
/** A ratio for a table. */
export const ratio = (a: number, b: number) => `${Number.isFinite(a / b) ? (a / b).toFixed(2) : 'n/a'}×`;

/** Progress and notes go to stderr; the report alone goes to stdout. */
export const say = (message: string) => console.error(`bench: ${message}`);

/** Resolves with the match once the child's output matches `pattern`. */
export function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolveWait, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        child.stdout?.off('data', onData);
        // Keep the pipe drained (a child logging per request must never block on it), and discard.
        child.stdout?.resume();
        resolveWait(match);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready`)));
  });
}

/** SIGTERM, and wait for the exit. */
export async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** A process's resident set (VmRSS) in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kib === undefined ? NaN : Number(kib) / 1024;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ on Linux
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
