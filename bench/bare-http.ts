/**
 * The benchmark's bare `node:http` handler: what Airlock's health check and
 * refusals are compared with. It answers `GET /healthz` with `{"ok":true}`,
 * and `POST /v1/actions` with Airlock's own 401 (no or unknown key) or 400
 * (any body from a known key) JSON, given in BARE_401 and BARE_400; it reads
 * the body and parses it, as a handler refusing a bad body must. Like Airlock
 * it gives each request an id (`x-request-id`) and logs one line when the
 * answer is sent, with the same pino configuration, at the same level (LOG_LEVEL):
 * warn from 400, info below.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestIdFrom } from '../api/request-id.js';
import { createLogger } from '../lib/logger.js';

const logger = createLogger({ name: 'bench-bare-http' });
const agentKeySha256 = createHash('sha256').update('demo-agent-key').digest('hex');
const healthy = JSON.stringify({ ok: true });
const unauthorized = process.env.BARE_401 ?? '{}';
const invalid = process.env.BARE_400 ?? '{}';

const server = createServer((req, res) => {
  const started = performance.now();
  const id = requestIdFrom(req.headers['x-request-id']);
  res.setHeader('x-request-id', id);
  res.once('close', () => {
    const status = res.statusCode;
    logger[status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'](
      { reqId: id, req: { method: req.method, url: req.url }, res: { statusCode: status }, responseTime: Math.round(performance.now() - started) },
      'request completed',
    );
  });
  const answer = (status: number, body: string) => void res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  if (req.method === 'GET' && req.url === '/healthz') return answer(200, healthy);
  if (req.method !== 'POST' || req.url !== '/v1/actions') return answer(404, '{}');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const key = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!key || createHash('sha256').update(key).digest('hex') !== agentKeySha256) return answer(401, unauthorized);
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(400, invalid);
    }
    answer(400, invalid);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
