import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the target received. */
export interface TargetCall {
  tool: string;
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
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const tool = /^\/tools\/(.+)$/.exec(req.url ?? '')?.[1] ?? '';
      const call: TargetCall = { tool, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') };
      const index = calls.filter((c) => c.tool === tool).length;
      calls.push(call);
      const answer: TargetAnswer = (responders.get(tool) ?? (() => ({ status: 200, body: { ok: true } })))(call, index);
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
    /** Calls received, for one tool or one action. */
    callsTo(tool: string, actionId?: string) {
      return calls.filter((c) => c.tool === tool && (actionId === undefined || c.body.actionId === actionId));
    },
    callsFor(actionId: string) {
      return calls.filter((c) => c.body.actionId === actionId);
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
export type CountingTarget = Awaited<ReturnType<typeof startCountingTarget>>;
