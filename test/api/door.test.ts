import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { startStack, type Stack } from '../helpers/stack.js';

/** One raw answer: what a client sees of it. */
async function ask(base: string, path: string, init: { key?: string; body?: string; contentType?: string; requestId?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  if (init.requestId) headers['x-request-id'] = init.requestId;
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, ...(init.body === undefined ? {} : { body: init.body }) });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type'), requestId: res.headers.get('x-request-id'), retryAfter: res.headers.get('retry-after') };
}

/** The log line of one request id, without its time. */
function lineOf(logs: string[], requestId: string) {
  const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reqId === requestId && l.msg === 'request completed');
  assert.equal(lines.length, 1, `one line for ${requestId}`);
  const { time: _time, responseTime, pid: _pid, hostname: _hostname, ...rest } = lines[0]!;
  assert.equal(typeof responseTime, 'number');
  return rest;
}

describe('the door: refusals answered before express, exactly as express answers them', () => {
  let stack: Stack;
  let bare: Server;
  let bareUrl: string;
  before(async () => {
    stack = await startStack({ captureLogs: true });
    // The same app without its door: what the door must answer like.
    bare = createServer(stack.app).listen(0, '127.0.0.1');
    await new Promise((r) => bare.once('listening', r));
    bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  });
  after(async () => {
    bare.closeAllConnections();
    await new Promise((r) => bare.close(r));
    await stack.close();
  });

  const valid = JSON.stringify(REQUESTS.devRead({ sessionId: 'door' }));
  const cases: { name: string; path: string; init: { key?: string; body?: string; contentType?: string }; status: number; byExpress?: true }[] = [
    { name: 'no key', path: '/v1/actions', init: { body: valid }, status: 401 },
    { name: 'an unknown key', path: '/v1/actions', init: { key: 'not-a-key', body: valid }, status: 401 },
    { name: 'no key, another /v1 route', path: '/v1/agents/billing-agent/freeze', init: { body: '{}' }, status: 401 },
    { name: 'a body breaking the contract', path: '/v1/actions', init: { key: KEYS.billingAgent, body: '{"tool":5}' }, status: 400 },
    { name: 'a bad wait', path: '/v1/actions?wait=61', init: { key: KEYS.billingAgent, body: valid }, status: 400 },
    { name: 'malformed JSON', path: '/v1/actions', init: { key: KEYS.billingAgent, body: '{"tool":' }, status: 400 },
    { name: 'an empty JSON body', path: '/v1/actions', init: { key: KEYS.billingAgent, body: '' }, status: 400 },
    { name: 'a body too large', path: '/v1/actions', init: { key: KEYS.billingAgent, body: JSON.stringify({ blob: 'x'.repeat(300 * 1024) }) }, status: 413 },
    { name: 'not JSON at all (express answers)', path: '/v1/actions', init: { key: KEYS.billingAgent, body: 'tool=x', contentType: 'text/plain' }, status: 415, byExpress: true },
    { name: 'an operator submitting (express answers)', path: '/v1/actions', init: { key: KEYS.alice, body: valid }, status: 403, byExpress: true },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status}, ${c.byExpress ? 'from express' : 'from the door'}, with the same body, content type, request id and log line as express alone`, async () => {
      const [doorId, bareId] = [`door-${c.status}-${Math.random().toString(36).slice(2)}`, `bare-${c.status}-${Math.random().toString(36).slice(2)}`];
      // Express's app function hands every request it gets to app.handle.
      const app = stack.app as unknown as { handle: (...args: unknown[]) => unknown };
      const handle = app.handle;
      let reachedExpress = 0;
      app.handle = function (this: unknown, ...args: unknown[]) {
        reachedExpress++;
        return handle.apply(this, args);
      };
      let atDoor: Awaited<ReturnType<typeof ask>>;
      try {
        atDoor = await ask(stack.url, c.path, { ...c.init, requestId: doorId });
      } finally {
        app.handle = handle;
      }
      assert.equal(reachedExpress, c.byExpress ? 1 : 0, 'requests that reached express');
      const alone = await ask(bareUrl, c.path, { ...c.init, requestId: bareId });
      assert.equal(atDoor.status, c.status, atDoor.body);
      assert.deepEqual({ ...atDoor, requestId: undefined }, { ...alone, requestId: undefined });
      assert.equal(atDoor.requestId, doorId);
      assert.equal(alone.requestId, bareId);
      const { reqId: a, ...doorLine } = lineOf(stack.logs, doorId);
      const { reqId: b, ...bareLine } = lineOf(stack.logs, bareId);
      assert.deepEqual([a, b], [doorId, bareId]);
      assert.deepEqual(doorLine, bareLine);
    });
  }

  it('a submission it lets in runs as through express alone, once', async () => {
    const res = await ask(stack.url, '/v1/actions?wait=10', { key: KEYS.billingAgent, body: valid });
    assert.equal(res.status, 202, res.body);
    const state = JSON.parse(res.body) as { id: string; status: string };
    assert.equal(state.status, 'succeeded');
    assert.equal(stack.target.callsFor(state.id).length, 1);
  });
});
