import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { connectWithRetry } from './connection.js';
import { devServerSearchAttributeFlags, registerSearchAttributes } from './search-attributes.js';

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  /** Path of the Temporal CLI (see `ensureTemporalCli`). */
  cli: string;
  /** gRPC port; 0 picks a free one. */
  port: number;
  /** Web UI port; omitted means no UI (`--headless`). */
  uiPort?: number;
  /** SQLite file; omitted means in memory, gone when the server stops. */
  dbFile?: string;
  namespace?: string;
  /** Where the server's own output goes (default: discarded). */
  stdio?: 'inherit' | 'ignore';
  /** Serves the server's Prometheus metrics on this port (the benchmark counts requests per action). */
  metricsPort?: number;
}

/** A running `temporal server start-dev`. */
export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`, default 10 s) and waits for it to exit. */
  stop(graceMs?: number): Promise<void>;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts the Temporal dev server with Airlock's search attributes registered and
 * resolves once its frontend answers.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port || (await freePort());
  // A server that dies while starting (seen when a port it binds besides --port was just
  // taken by another process on a busy machine) gets two more tries before it is an error.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, port);
    } catch (err) {
      if (!(err instanceof EarlyExit) || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/** The server process ended before it answered. */
class EarlyExit extends Error {}

async function startOnce(options: DevServerOptions, port: number): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  args.push('--namespace', options.namespace ?? 'default');
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  args.push(...devServerSearchAttributeFlags());

  const child = spawn(options.cli, args, { stdio: ['ignore', options.stdio ?? 'ignore', 'pipe'] });
  // A Go panic says why on its first lines and where on the rest: keep the head, and the tail.
  let head = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (head.length < 1500) head = (head + chunk.toString()).slice(0, 1500);
    stderr = (stderr + chunk.toString()).slice(-2500);
    if (options.stdio === 'inherit') process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const address = `127.0.0.1:${port}`;
  const ready = connectWithRetry({ address }, 60_000).then(async (conn) => {
    await conn.workflowService.getSystemInfo({});
    // The flags register attributes only in a new database: one kept from an
    // earlier version of Airlock gets the attributes added since.
    await registerSearchAttributes(conn, options.namespace ?? 'default');
    await conn.close();
  });
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then((code) => code)]);
  if (outcome !== 'ready') {
    // Its connection attempts end on their own; their failure is this one.
    ready.catch(() => {});
    const output = head.length < 1500 ? head : `${head}\n…\n${stderr}`;
    throw new EarlyExit(`temporal server start-dev exited (${outcome}) before it was ready: ${output.trim() || 'no output'}`);
  }

  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://localhost:${options.uiPort}`,
    process: child,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
