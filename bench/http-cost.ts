/**
 * The HTTP leg: what Airlock's cheapest answers cost beside a bare `node:http`
 * handler (bench/bare-http.ts, its own process) giving the same answers and
 * logging the same one line per request at the same level: `GET /healthz`, a
 * 401 (`POST /v1/actions` without a key) and a 400 (a bad body from an agent).
 * The client is a minimal keep-alive HTTP/1.1 client over raw sockets, one
 * connection per loop and one request in flight on each, so that as little of
 * the two cores as possible goes to the client: both sides share it.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { closedLoop, mean, say, stopChild, waitForLine, type Measured } from './measure.js';

/** One keep-alive connection; `send` writes a whole request and resolves with the answer's status once its body is in. */
class RawConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (status: number) => void; reject: (err: Error) => void } | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(request: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close() {
    this.socket.destroy();
  }

  private onData(chunk: Buffer) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
    if (length === undefined) return this.fail(new Error('an answer without content-length'));
    const total = headEnd + 4 + Number(length);
    if (this.buffer.length < total) return;
    this.buffer = this.buffer.subarray(total);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(Number(head.slice(9, 12)));
  }

  private fail(err: Error) {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(err);
  }
}

/** One kind of request, and the status it must get. */
interface Probe {
  name: string;
  request: Buffer;
  status: number;
}

function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body !== undefined) lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
}

/** The bad body of the 400: a tool that is not a string, and nothing else. */
const BAD_BODY = JSON.stringify({ tool: 42 });
const ACTION_BODY = JSON.stringify({ tool: 'crm.contacts.read', environment: 'dev', parameters: { id: 'c-1' }, sessionId: 'bench' });

const PROBES: Probe[] = [
  { name: 'GET /healthz', request: rawRequest('GET', '/healthz', {}), status: 200 },
  { name: '401: POST /v1/actions without a key', request: rawRequest('POST', '/v1/actions', {}, ACTION_BODY), status: 401 },
  { name: '400: POST /v1/actions, a bad body from an agent', request: rawRequest('POST', '/v1/actions', { authorization: 'Bearer demo-agent-key' }, BAD_BODY), status: 400 },
];

/** `concurrency` connections to `port`, each sending `probe` back to back for `seconds`. */
async function measureProbe(port: number, probe: Probe, concurrency: number, seconds: number): Promise<Measured> {
  const connections = await Promise.all(Array.from({ length: concurrency }, () => RawConnection.open(port)));
  try {
    return await closedLoop(concurrency, seconds, async (loop) => (await connections[loop]!.send(probe.request)) === probe.status);
  } finally {
    for (const c of connections) c.close();
  }
}

/** One row of the HTTP leg's table. */
export interface HttpRow {
  probe: string;
  bare: Measured;
  airlock: Measured;
}

/**
 * Runs the HTTP leg against Airlock's API at `airlockPort`: starts the bare
 * handler (answering Airlock's own 401 and 400 bodies) at `logLevel`, then
 * for each probe A-B-B-A at `concurrency` connections, `seconds` per run.
 */
export async function httpLeg(opts: { root: string; airlockPort: number; logLevel: string; concurrency: number; seconds: number }): Promise<HttpRow[]> {
  const airlockUrl = `http://127.0.0.1:${opts.airlockPort}`;
  const bodyOf = async (init: RequestInit) => (await fetch(`${airlockUrl}/v1/actions`, { method: 'POST', ...init })).text();
  const json = { 'content-type': 'application/json' };
  const bare401 = await bodyOf({ headers: json, body: ACTION_BODY });
  const bare400 = await bodyOf({ headers: { ...json, authorization: 'Bearer demo-agent-key' }, body: BAD_BODY });
  const bare = spawn(process.execPath, [join(opts.root, 'dist', 'bench', 'bare-http.js')], {
    env: { ...process.env, LOG_LEVEL: opts.logLevel, BARE_401: bare401, BARE_400: bare400 },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const barePort = Number((await waitForLine(bare, /ready (\d+)/, 'the bare HTTP handler'))[1]);
    for (const probe of PROBES) {
      await measureProbe(barePort, probe, 4, 1);
      await measureProbe(opts.airlockPort, probe, 4, 1);
    }
    const rows: HttpRow[] = [];
    for (const probe of PROBES) {
      say(`${probe.name}: ${opts.concurrency} connections, 2 × ${opts.seconds}s per side`);
      const b1 = await measureProbe(barePort, probe, opts.concurrency, opts.seconds);
      const a1 = await measureProbe(opts.airlockPort, probe, opts.concurrency, opts.seconds);
      const a2 = await measureProbe(opts.airlockPort, probe, opts.concurrency, opts.seconds);
      const b2 = await measureProbe(barePort, probe, opts.concurrency, opts.seconds);
      rows.push({ probe: probe.name, bare: mean(b1, b2), airlock: mean(a1, a2) });
    }
    return rows;
  } finally {
    await stopChild(bare);
  }
}
