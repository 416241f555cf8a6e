import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the target received. */
export interface TargetCall {
  tool: string;
  /** `preview` for calls to `/tools/<name>/preview`. */
  mode: 'execute' | 'preview';
  /** When it arrived (ms since the epoch). */
  at: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** How the target answers one call. */
export interface TargetAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Decides the answer from the call and how many calls this tool had before it (0-based). */
export type Responder = (call: TargetCall, index: number) => TargetAnswer;

/**
 * A real HTTP target that counts calls per tool (`/tools/<name>`), standing in
 * for the systems the executors act on. Answers 200 unless told otherwise.
 */
export async function startCountingTarget() {
  const calls: TargetCall[] = [];
  const responders = new Map<string, Responder>();
  const previewResponders = new Map<string, Responder>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/tools\/([^/]+)(\/preview)?$/.exec(req.url ?? '');
      const tool = match?.[1] ?? '';
      const mode = match?.[2] ? 'preview' : 'execute';
      const call: TargetCall = { tool, mode, at: Date.now(), headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') };
      const index = calls.filter((c) => c.tool === tool && c.mode === mode).length;
      calls.push(call);
      const responder = (mode === 'preview' ? previewResponders : responders).get(tool);
      const answer: TargetAnswer = (responder ?? (() => ({ status: 200, body: mode === 'preview' ? {} : { ok: true } })))(call, index);
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body ?? {}));
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** The executor URL of a tool on this target. */
    toolUrl: (tool: string) => `http://127.0.0.1:${port}/tools/${tool}`,
    /** Sets how calls to `tool` are answered. */
    respond(tool: string, responder: Responder) {
      responders.set(tool, responder);
    },
    /** Sets how preview calls to `tool` are answered (default: 200 `{}`). */
    respondPreview(tool: string, responder: Responder) {
      previewResponders.set(tool, responder);
    },
    /** Executions received, for one tool or one action. */
    callsTo(tool: string, actionId?: string) {
      return calls.filter((c) => c.mode === 'execute' && c.tool === tool && (actionId === undefined || c.body.actionId === actionId));
    },
    callsFor(actionId: string) {
      return calls.filter((c) => c.mode === 'execute' && c.body.actionId === actionId);
    },
    /** Preview calls received for one action. */
    previewsFor(actionId: string) {
      return calls.filter((c) => c.mode === 'preview' && c.body.actionId === actionId);
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
export type CountingTarget = Awaited<ReturnType<typeof startCountingTarget>>;
