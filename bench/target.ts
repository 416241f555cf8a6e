/**
 * The benchmark's tool: one process that both sides call, Airlock's executor
 * and the baseline's activity, so the target costs them the same. It reads the
 * JSON body and answers 200 with a small JSON result, as a fast tool would; it
 * checks no grant (verifying one is the tool's cost, not Airlock's). A tool
 * whose name ends in `.slow` answers after `SLOW_MS` (default 30 s): the slow
 * tool of the isolation measurement; `GET /stats` says how many such calls are
 * in flight.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const slowMs = Number(process.env.SLOW_MS ?? 30_000);
let slowInFlight = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ slowInFlight }));
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const tool = /^\/tools\/([\w.-]+)$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'POST' || !tool) return void res.writeHead(404).end();
    let actionId: unknown;
    try {
      ({ actionId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { actionId?: unknown });
    } catch {
      return void res.writeHead(400).end();
    }
    const answer = () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, tool, actionId, executedAt: new Date().toISOString() }));
    if (!tool.endsWith('.slow')) return answer();
    slowInFlight++;
    setTimeout(() => {
      slowInFlight--;
      answer();
    }, slowMs);
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
});
