import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { actionIdFor } from '../../api/actions/ids.js';
import type { ActionState } from '../../domain/action.js';
import { AirlockClient, AirlockError, ApiRequestError, Frozen, NeedsApproval, RateLimited, Rejected, Unauthorized, Unavailable, type SubmitRequest } from '../../sdk/client.js';
import { isolatedAgent, KEYS, REQUESTS } from '../helpers/config.js';
import { startStack, type Stack } from '../helpers/stack.js';

/** Runs `fn` and answers the error it throws, failing if it does not throw. */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

/** One request the stand-in API received. */
interface Received {
  at: number;
  body: Record<string, unknown>;
}

/** A stand-in API answering each `POST /v1/actions` with the next of `answers` (the last one repeats). */
async function startScriptedApi(answers: { status: number; headers?: Record<string, string>; body: unknown }[]) {
  const received: Received[] = [];
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((r) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => r(Buffer.concat(chunks).toString('utf8')));
    });
  const server: Server = createServer(async (req, res) => {
    received.push({ at: Date.now(), body: JSON.parse(await readBody(req)) });
    const answer = answers[Math.min(received.length - 1, answers.length - 1)]!;
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('typed client', () => {
  let stack: Stack;
  let agent: AirlockClient;
  const frozenAgent = isolatedAgent('client-frozen');
  /** A real succeeded state, replayed by the stand-in API. */
  let succeeded: ActionState;
  before(async () => {
    stack = await startStack({ edit: (file) => frozenAgent.addTo(file) });
    agent = new AirlockClient({ url: stack.url, key: KEYS.billingAgent });
  });
  after(async () => {
    await stack.close();
  });
  const session = () => `client-${randomUUID().slice(0, 8)}`;

  it('run: an auto action answers the succeeded state with the executor’s result, executed once', async () => {
    stack.target.respond('crm.contacts.read', () => ({ status: 200, body: { contacts: [{ id: 'c-1', name: 'Ada' }] } }));
    const request = REQUESTS.devRead({ sessionId: session() });
    succeeded = await agent.run(request, { timeoutMs: 20_000 });
    assert.equal(succeeded.status, 'succeeded');
    assert.deepEqual(JSON.parse(succeeded.result!.body), { contacts: [{ id: 'c-1', name: 'Ada' }] });
    const calls = stack.target.callsFor(succeeded.id);
    assert.equal(calls.length, 1);
    assert.equal((await agent.get(succeeded.id)).status, 'succeeded');
  });

  it('run: an action awaiting approval raises NeedsApproval with its state; approved over HTTP, wait answers succeeded', async () => {
    const err = await thrown(() => agent.run(REQUESTS.prodUpdate({ sessionId: session() }), { timeoutMs: 1_500 }));
    assert.ok(err instanceof NeedsApproval, String(err));
    assert.equal(err.code, 'needs_approval');
    assert.equal(err.state?.status, 'awaiting_approval');
    const id = err.state.id;
    assert.equal(stack.target.callsFor(id).length, 0);
    const approved = await stack.call('POST', `/v1/actions/${id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const done = await agent.wait(id, { timeoutMs: 20_000 });
    assert.equal(done.status, 'succeeded');
    assert.equal(stack.target.callsFor(id).length, 1);
  });

  it('run: a rejected action raises Rejected carrying the approver’s reason; nothing executes', async () => {
    const key = randomUUID();
    const id = actionIdFor('billing-agent', key);
    const running = thrown(() => agent.run(REQUESTS.prodUpdate({ sessionId: session(), idempotencyKey: key }), { timeoutMs: 20_000 }));
    await stack.waitFor(id, ['awaiting_approval']);
    const rejected = await stack.call('POST', `/v1/actions/${id}/decision`, { key: KEYS.bob, body: { decision: 'reject', version: 1, reason: 'wrong segment' } });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    const err = await running;
    assert.ok(err instanceof Rejected, String(err));
    assert.equal(err.reason, 'wrong segment');
    assert.equal(err.state?.id, id);
    assert.match(err.message, /wrong segment/);
    assert.equal(stack.target.callsFor(id).length, 0);
  });

  it('a frozen agent’s submission raises Frozen (423) with who froze it and why', async () => {
    const frozen = await stack.call('POST', `/v1/agents/${frozenAgent.id}/freeze`, { key: KEYS.alice, body: { reason: 'runaway refunds' } });
    assert.equal(frozen.status, 200);
    const client = new AirlockClient({ url: stack.url, key: frozenAgent.key });
    const err = await thrown(() => client.run(REQUESTS.devRead({ sessionId: session() })));
    assert.ok(err instanceof Frozen, String(err));
    assert.ok(err instanceof AirlockError);
    assert.equal(err.status, 423);
    assert.equal(err.code, 'agent_frozen');
    assert.equal((err.details as { reason?: string }).reason, 'runaway refunds');
  });

  it('a bad request raises ApiRequestError naming each bad field', async () => {
    const bad = { ...REQUESTS.devRead({ sessionId: session() }), environment: 'moon', resources: [{ type: 'contact' }] } as unknown as SubmitRequest;
    const err = await thrown(() => agent.submit(bad));
    assert.ok(err instanceof ApiRequestError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'invalid_request');
    assert.deepEqual(err.fields.map((f) => f.field).sort(), ['environment', 'resources[0].id']);
  });

  it('an unknown key raises Unauthorized (401)', async () => {
    const err = await thrown(() => new AirlockClient({ url: stack.url, key: 'not-a-key' }).get(succeeded.id));
    assert.ok(err instanceof Unauthorized, String(err));
    assert.deepEqual([err.status, err.code], [401, 'unauthorized']);
  });

  it('a 429 is retried after its Retry-After, with the same idempotency key: one logical submission', async () => {
    const api = await startScriptedApi([
      { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'rate_limited', message: 'slow down' } } },
      { status: 202, body: succeeded },
    ]);
    try {
      const client = new AirlockClient({ url: api.url, key: 'k' });
      const state = await client.submit(REQUESTS.devRead());
      assert.equal(state.id, succeeded.id);
      assert.equal(api.received.length, 2);
      const [first, second] = api.received as [Received, Received];
      assert.ok(second.at - first.at >= 1_000, `retried after ${second.at - first.at} ms`);
      assert.equal(typeof first.body.idempotencyKey, 'string');
      assert.equal(second.body.idempotencyKey, first.body.idempotencyKey);
      await client.submit(REQUESTS.devRead());
      assert.notEqual(api.received[2]!.body.idempotencyKey, first.body.idempotencyKey, 'a new submission gets a key of its own');
    } finally {
      await api.close();
    }
  });

  it('a 503 is retried with the same key; an Airlock that cannot be reached raises Unavailable after bounded retries', async () => {
    const api = await startScriptedApi([
      { status: 503, body: { error: { code: 'temporal_unavailable', message: 'Temporal cannot be reached' } } },
      { status: 202, body: succeeded },
    ]);
    try {
      const state = await new AirlockClient({ url: api.url, key: 'k' }).submit(REQUESTS.devRead());
      assert.equal(state.id, succeeded.id);
      assert.equal(api.received.length, 2);
      assert.equal(api.received[1]!.body.idempotencyKey, api.received[0]!.body.idempotencyKey);
    } finally {
      await api.close();
    }
    const gone = new AirlockClient({ url: api.url, key: 'k', retry: { unavailable: 1 } });
    const err = await thrown(() => gone.get(succeeded.id));
    assert.ok(err instanceof Unavailable, String(err));
    assert.equal(err.status, 0);
  });

  it('an answer that breaks the ActionState contract is an AirlockError naming the fields, not a half-read state', async () => {
    const api = await startScriptedApi([{ status: 202, body: { ...succeeded, status: 'teleported' } }]);
    try {
      const err = await thrown(() => new AirlockClient({ url: api.url, key: 'k' }).submit(REQUESTS.devRead()));
      assert.ok(err instanceof AirlockError, String(err));
      assert.equal(err.code, 'unexpected_answer');
      assert.equal(err.status, 202);
      assert.match(err.message, /status/);
    } finally {
      await api.close();
    }
  });

  it('a 429 that outlasts the retries raises RateLimited with retryAfterS', async () => {
    const api = await startScriptedApi([{ status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'rate_limited', message: 'slow down' } } }]);
    try {
      const client = new AirlockClient({ url: api.url, key: 'k', retry: { rateLimited: 1 } });
      const err = await thrown(() => client.submit(REQUESTS.devRead()));
      assert.ok(err instanceof RateLimited, String(err));
      assert.equal(err.retryAfterS, 1);
      assert.equal(err.status, 429);
      assert.equal(api.received.length, 2, 'one retry, then the error');
    } finally {
      await api.close();
    }
  });
});
