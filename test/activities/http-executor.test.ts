import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import { MAX_RESULT_BODY } from '../../activities/http-executor.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { eventually, startStack } from '../helpers/stack.js';

describe('the HTTP executor', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('caps a 429 Retry-After at the tool’s retry.maximumInterval', async () => {
    const stack = await startStack({ retry: { maxAttempts: 3, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '400ms' } });
    cleanups.push(() => stack.close());
    const at: number[] = [];
    stack.target.respond('crm.contacts.read', (_call, index) => {
      at.push(Date.now());
      // An hour: uncapped, the action would still be waiting when the test gives up.
      return index === 0 ? { status: 429, headers: { 'retry-after': '3600' } } : { status: 200, body: { ok: true } };
    });
    const { body } = await stack.call<ActionState>('POST', '/v1/actions?wait=0', { key: KEYS.billingAgent, body: REQUESTS.devRead() });
    const done = await stack.waitFor(body.id, ['succeeded', 'failed'], 15_000);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.attempts, 2);
    const gap = at[1]! - at[0]!;
    assert.ok(gap >= 350, `the capped Retry-After was still honoured (${gap} ms, not the 50 ms backoff)`);
    assert.ok(gap < 5_000, `the retry came after ${gap} ms, within the 400 ms cap and a generous margin`);
  });

  it('reads at most 4096 bytes of an endless answer, cuts it on a character boundary and drops the connection', async () => {
    let closed = false;
    let sent = 0;
    // Three-byte characters, so 4096 bytes end inside one.
    const chunk = Buffer.from('€'.repeat(10_000));
    const endless: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.on('close', () => (closed = true));
      const pump = () => {
        while (!closed && res.write(chunk)) sent += chunk.length;
        if (!closed) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((r) => endless.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => endless.close(r)));
    const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/tools/crm.contacts.read`;

    const stack = await startStack({
      executorTimeout: '10s',
      edit: (file) => {
        file.tools['crm.contacts.read'].executors.dev.url = url;
      },
    });
    cleanups.push(() => stack.close());
    const started = Date.now();
    const { body } = await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: KEYS.billingAgent, body: REQUESTS.devRead() });
    assert.equal(body.status, 'succeeded', JSON.stringify(body.error));
    assert.ok(Date.now() - started < 5_000, 'answered long before the 10 s timeout: the rest was never awaited');
    assert.equal(body.result?.truncated, true);
    const kept = Buffer.byteLength(body.result!.body);
    assert.ok(kept <= MAX_RESULT_BODY && kept > MAX_RESULT_BODY - 3, `${kept} bytes kept`);
    assert.ok(!body.result!.body.includes('\uFFFD'), 'no broken character at the cut');
    await eventually(async () => (closed ? true : undefined), 5_000, `the connection to be dropped (${sent} bytes sent)`);
  });
});
