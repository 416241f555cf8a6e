import { createServer, type Server } from 'node:http';
import type { Logger } from '../lib/logger.js';

/**
 * The demo target that the example tools execute against: it stands in for the
 * systems agents act on. It answers 200 once per idempotency key (a repeat gets
 * the first answer back), and `parameters.simulate` of `error500` or `error400`
 * shows Airlock's retry and refusal handling.
 */
export function startDemoTarget(port: number, host: string, logger: Logger): Promise<Server> {
  const seen = new Map<string, string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const tool = /^\/tools\/([\w.-]+)$/.exec(req.url ?? '')?.[1];
      if (req.method !== 'POST' || !tool) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"POST /tools/<name>"}');
        return;
      }
      let body: { actionId?: string; parameters?: { simulate?: string } } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"body is not JSON"}');
        return;
      }
      const key = req.headers['idempotency-key'];
      const simulate = body.parameters?.simulate;
      logger.info({ tool, actionId: body.actionId, attempt: req.headers['x-airlock-attempt'], simulate }, 'demo target called');
      if (simulate === 'error500') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"simulated outage"}');
      if (simulate === 'error400') return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"simulated refusal"}');
      const previous = typeof key === 'string' ? seen.get(key) : undefined;
      const answer = previous ?? JSON.stringify({ ok: true, tool, actionId: body.actionId, executedAt: new Date().toISOString() });
      if (typeof key === 'string') seen.set(key, answer);
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
