import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import type { PreviewAnswer } from '../domain/preview.js';
import type { Logger } from '../lib/logger.js';
import { createGrantVerifier, GrantError } from '../sdk/verify-grant.js';

/** Options of {@link startDemoTarget}. */
export interface DemoTargetOptions {
  port: number;
  host: string;
  logger: Logger;
  /** Airlock's `grants.issuer`. */
  issuer: string;
  /** The API's `/.well-known/jwks.json`… */
  jwksUrl?: string;
  /** …or the key set itself (tests). */
  jwks?: JSONWebKeySet;
}

/** One call the demo target carried out. */
export interface DemoExecution {
  tool: string;
  actionId: string;
}

/** A running demo target. */
export interface DemoTarget {
  url: string;
  /** What it carried out, oldest first (previews and refused calls are not in it). */
  executed: DemoExecution[];
  close(): Promise<void>;
}

/** The demo's customers table: ids 1…48 211 over 242 segments, so segment 7 holds exactly 200 rows. */
const CUSTOMERS = Array.from({ length: 48_211 }, (_, i) => ({ id: i + 1, segment: (i + 1) % 242 }));

/** Rows whose fields equal every entry of `where` (`{}` matches all). */
function matching(where: unknown): number {
  if (typeof where !== 'object' || where === null) return 0;
  const conditions = Object.entries(where);
  return CUSTOMERS.filter((row) => conditions.every(([field, value]) => (row as Record<string, unknown>)[field] === value)).length;
}

/** `48211` → `48 211`, as the summaries read. */
const grouped = (n: number) => n.toLocaleString('en-US').replace(/,/g, ' ');

/** What the demo's previews answer: the rows a `where` matches, or the amount to move. */
function previewOf(tool: string, p: Record<string, unknown>): PreviewAnswer | undefined {
  const amount = typeof p.amount === 'number' ? p.amount : 0;
  switch (tool) {
    case 'db.records.delete': {
      const records = matching(p.where);
      return { records, reversible: false, summary: `would delete ${grouped(records)} rows from ${String(p.table ?? 'customers')}` };
    }
    case 'crm.contacts.update': {
      const records = matching(p.where);
      return { records, reversible: true, summary: `would update ${grouped(records)} contacts` };
    }
    case 'payments.transfer':
      return { amountUsd: amount, summary: `would transfer ${grouped(amount)} USD to ${String(p.to)}` };
    case 'payments.refund':
      return { amountUsd: amount, summary: `would refund ${grouped(amount)} USD of payment ${String(p.payment)}` };
    default:
      return undefined;
  }
}

interface DemoBody {
  actionId?: string;
  parameters?: Record<string, unknown>;
}

/** Demo bodies are small; a larger one is refused rather than buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The demo target that the example tools execute against: it stands in for the
 * systems agents act on, and trusts only Airlock. Every call must carry a grant
 * for its tool, its mode and exactly its body (else `401`, and nothing happens).
 * `POST /tools/<name>` executes, once per idempotency key (a repeat gets the
 * first answer back); `parameters.simulate` of `error500` or `error400` shows
 * Airlock's retry and refusal handling. `POST /tools/<name>/preview` says what
 * the call would do, for the tools that have a preview.
 */
export async function startDemoTarget(options: DemoTargetOptions): Promise<DemoTarget> {
  const { logger } = options;
  const verify = createGrantVerifier({
    issuer: options.issuer,
    ...(options.jwks ? { jwks: options.jwks } : {}),
    ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : {}),
  });
  const seen = new Map<string, string>();
  const executed: DemoExecution[] = [];

  async function answer(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const match = /^\/tools\/([\w.-]+)(\/preview)?$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return { status: 404, body: { error: 'POST /tools/<name> or /tools/<name>/preview' } };
    const tool = match[1]!;
    const mode = match[2] ? 'preview' : 'execute';
    const text = await readBody(req);
    if (text === undefined) return { status: 413, body: { error: 'body too large' } };
    let body: DemoBody;
    try {
      body = JSON.parse(text) as DemoBody;
    } catch {
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    try {
      await verify(req.headers.authorization, body, { mode, audience: tool });
    } catch (err) {
      if (!(err instanceof GrantError)) throw err;
      logger.warn({ tool, mode, code: err.code }, 'demo target refused a call without a valid grant');
      return { status: 401, body: { error: { code: err.code, message: err.message } } };
    }
    const parameters = body.parameters ?? {};
    if (mode === 'preview') {
      const preview = previewOf(tool, parameters);
      return preview ? { status: 200, body: preview } : { status: 404, body: { error: `no preview for ${tool}` } };
    }

    const key = req.headers['idempotency-key'];
    const { simulate } = parameters;
    logger.info({ tool, actionId: body.actionId, attempt: req.headers['x-airlock-attempt'], simulate }, 'demo target called');
    if (simulate === 'error500') return { status: 500, body: { error: 'simulated outage' } };
    if (simulate === 'error400') return { status: 400, body: { error: 'simulated refusal' } };
    const previous = typeof key === 'string' ? seen.get(key) : undefined;
    if (previous) return { status: 200, body: JSON.parse(previous) };
    const result = { ok: true, tool, actionId: body.actionId, executedAt: new Date().toISOString() };
    if (typeof key === 'string') seen.set(key, JSON.stringify(result));
    executed.push({ tool, actionId: String(body.actionId) });
    return { status: 200, body: result };
  }

  const server: Server = createServer((req, res) => {
    void answer(req)
      .catch((err: unknown) => {
        logger.error({ err }, 'demo target failed');
        return { status: 500, body: { error: 'demo target failed' } };
      })
      .then(({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    url: `http://${options.host}:${(server.address() as AddressInfo).port}`,
    executed,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
