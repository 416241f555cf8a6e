import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import type { AgentStanding } from '../../domain/standing.js';
import { isolatedAgent, KEYS, REQUESTS } from '../helpers/config.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';

describe('velocity and pending limits', () => {
  let stack: Stack;
  const fast = isolatedAgent('fast');
  const chatty = isolatedAgent('chatty');
  const flooding = isolatedAgent('flooding');
  const queued = isolatedAgent('queued');
  const waiting = isolatedAgent('waiting');
  const flooder = isolatedAgent('flooder');
  const patient = isolatedAgent('patient');
  before(async () => {
    stack = await startStack({
      // Long enough for the queue's test's slow tool.
      executorTimeout: '10s',
      edit: (file) => {
        for (const a of [fast, chatty, flooding, queued, waiting, flooder, patient]) a.addTo(file);
        // One at a time: the tests besides the queue's own submit one after another.
        file.limits = { agentPerMinute: 4, sessionPerMinute: 2, freezeAfter: 2, maxPendingPerAgent: 2, concurrentSubmissions: 1 };
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  /** The read tool answers these agents after `ms`, everyone else at once. */
  const slowFor = (agents: { id: string }[], ms: number) => {
    const ids = new Set(agents.map((a) => a.id));
    stack.target.respond('crm.contacts.read', (call) => ({ status: 200, body: { ok: true }, delayMs: ids.has(String(call.body.agentId)) ? ms : 0 }));
  };
  const submit = (key: string, body: unknown, wait = 10) => stack.call<ActionState>('POST', `/v1/actions?wait=${wait}`, { key, body });

  it('over agentPerMinute → 429 rate_limited with Retry-After; bursting past freezeAfter refusals freezes the agent (by airlock)', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await submit(fast.key, REQUESTS.devRead({ sessionId: `fast-${i}` }))).status, 202);
    const limited = await submit(fast.key, REQUESTS.devRead({ sessionId: 'fast-4' }));
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error?.code, 'rate_limited');
    assert.equal(limited.body.error?.details.scope, 'agent');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal((await submit(fast.key, REQUESTS.devRead({ sessionId: 'fast-5' }))).status, 429, 'the second refusal is still only a refusal');
    const frozen = await submit(fast.key, REQUESTS.devRead({ sessionId: 'fast-6' }));
    assert.equal(frozen.status, 423, 'the third refusal within the minute is past freezeAfter: 2');
    assert.equal(frozen.body.error?.code, 'agent_frozen');
    const standing = (await stack.call<AgentStanding>('GET', `/v1/agents/${fast.id}`, { key: KEYS.alice })).body;
    assert.deepEqual([standing.frozen, standing.frozenBy], [true, 'airlock']);
    assert.match(standing.reason ?? '', /refused within a minute/);
    assert.equal(stack.target.callsTo('crm.contacts.read').filter((c) => c.body.agentId === fast.id).length, 4);
  });

  it('over sessionPerMinute → 429 naming the session; another session of the agent still works', async () => {
    assert.equal((await submit(chatty.key, REQUESTS.devRead({ sessionId: 'chat-a' }))).status, 202);
    assert.equal((await submit(chatty.key, REQUESTS.devRead({ sessionId: 'chat-a' }))).status, 202);
    const limited = await submit(chatty.key, REQUESTS.devRead({ sessionId: 'chat-a' }));
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error?.details.scope, 'session');
    assert.match(limited.body.error?.message ?? '', /session chat-a may submit at most 2/);
    assert.equal((await submit(chatty.key, REQUESTS.devRead({ sessionId: 'chat-b' }))).body.status, 'succeeded');
  });

  it('with maxPendingPerAgent actions awaiting approval, another that needs approval → 429 too_many_pending; auto actions still run', async () => {
    const pending = [];
    for (const s of ['p1', 'p2']) pending.push((await submit(flooding.key, REQUESTS.prodTransfer({ sessionId: s }))).body);
    assert.deepEqual(pending.map((p) => p.status), ['awaiting_approval', 'awaiting_approval']);
    await eventually(async () => {
      const view = await stack.call<{ pendingApprovals: number }>('GET', `/v1/agents/${flooding.id}`, { key: KEYS.alice });
      return view.body.pendingApprovals === 2 ? true : undefined;
    }, 10_000, 'visibility to count both');
    const refused = await submit(flooding.key, REQUESTS.prodTransfer({ sessionId: 'p3' }));
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error?.code, 'too_many_pending');
    assert.deepEqual([refused.body.error?.details.pending, refused.body.error?.details.limit], [2, 2]);
    assert.equal((await submit(flooding.key, REQUESTS.devRead({ sessionId: 'p4' }))).body.status, 'succeeded', 'an auto action needs no room');
    for (const p of pending) await stack.call('POST', `/v1/actions/${p.id}/cancel`, { key: flooding.key });
  });

  it('past concurrentSubmissions a submission waits its turn: it starts a second after the one at work began, not once that one has run', async () => {
    // The first one's tool takes 3 s: it holds its place for at most a second of that.
    slowFor([queued], 3_000);
    const [first, second] = await Promise.all([
      submit(queued.key, REQUESTS.devRead({ sessionId: 'q-1' })),
      new Promise((r) => setTimeout(r, 50)).then(() => submit(queued.key, REQUESTS.devRead({ sessionId: 'q-2' }))),
    ]);
    assert.deepEqual([first.body.status, second.body.status], ['succeeded', 'succeeded']);
    const [a, b] = [first.body.id, second.body.id].map((id) => stack.target.callsFor(id)[0]!.at);
    assert.ok(b! - a! >= 800, `the second reached its tool ${b! - a!} ms after the first: it did not wait its turn`);
    assert.ok(b! - a! < 2_500, `the second reached its tool ${b! - a!} ms after the first: it waited for the first to run`);
  });

  it('the time spent waiting for a turn counts against ?wait, leaving at least a second: the answer is the state so far, never a 503', async () => {
    slowFor([queued, waiting], 3_000);
    const first = submit(queued.key, REQUESTS.devRead({ sessionId: 'q-3' }));
    await new Promise((r) => setTimeout(r, 50));
    const sent = Date.now();
    // Its turn comes a second later; its tool takes 3 s, so a wait of 2 s ends before it does.
    const second = await submit(queued.key, REQUESTS.devRead({ sessionId: 'q-4' }), 2);
    const took = Date.now() - sent;
    assert.equal(second.status, 202, JSON.stringify(second.body));
    assert.equal(second.body.status, 'executing');
    assert.ok(took >= 1_800 && took < 2_700, `answered after ${took} ms: the wait of 2 s did not include the turn`);
    // Two ahead of it: a wait of 1 s is used up in the queue, and it still gets its second.
    const shortWait = await Promise.all([
      submit(waiting.key, REQUESTS.devRead({ sessionId: 'w-1' })),
      new Promise((r) => setTimeout(r, 50)).then(() => submit(waiting.key, REQUESTS.devRead({ sessionId: 'w-2' }))),
      new Promise((r) => setTimeout(r, 100)).then(() => submit(waiting.key, REQUESTS.devRead({ sessionId: 'w-3' }), 1)),
    ]);
    assert.equal(shortWait[2].status, 202, `a wait of 1 s used up in the queue: ${JSON.stringify(shortWait[2].body)}`);
    assert.equal(shortWait[2].body.status, 'executing');
    assert.equal((await first).body.status, 'succeeded');
  });

  it("an agent's flood waits behind itself: another agent's submission is taken before the flood's later ones", async () => {
    slowFor([flooder, patient], 2_000);
    const later = (ms: number, key: string, sessionId: string) => new Promise((r) => setTimeout(r, ms)).then(() => submit(key, REQUESTS.devRead({ sessionId })));
    const answers = await Promise.all([
      later(0, flooder.key, 'f-1'),
      later(30, flooder.key, 'f-2'),
      later(60, flooder.key, 'f-3'),
      later(90, patient.key, 'p-1'),
    ]);
    assert.deepEqual(answers.map((a) => a.body.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const order = answers.map((a) => a.body.id).sort((x, y) => stack.target.callsFor(x)[0]!.at - stack.target.callsFor(y)[0]!.at);
    assert.deepEqual(order, [answers[0]!.body.id, answers[1]!.body.id, answers[3]!.body.id, answers[2]!.body.id], 'f-1, f-2, then the other agent, then f-3');
  });
});

describe('loops', () => {
  it('the same tool and parameters failing limits.loop.failures times → 409 loop_detected naming those actions; other parameters still go', async () => {
    const looper = isolatedAgent('looper');
    const stack = await startStack({
      edit: (file) => {
        looper.addTo(file);
        file.limits = { loop: { failures: 3, window: '10m' } };
      },
    });
    try {
      stack.target.respond('crm.contacts.read', (call) => ((call.body.parameters as { id?: string }).id === 'broken' ? { status: 400 } : { status: 200 }));
      const broken = REQUESTS.devRead({ parameters: { id: 'broken' } });
      const failed: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: looper.key, body: broken });
        assert.equal(res.body.status, 'failed');
        failed.push(res.body.id);
      }
      // The API trusts an agent's record for up to a second.
      await new Promise((r) => setTimeout(r, 1_100));
      const refused = await stack.call('POST', '/v1/actions?wait=10', { key: looper.key, body: broken });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error?.code, 'loop_detected');
      assert.deepEqual([...refused.body.error?.details.actionIds].sort(), [...failed].sort());
      assert.equal(stack.target.callsTo('crm.contacts.read').filter((c) => (c.body.parameters as { id?: string }).id === 'broken').length, 3);
      const other = await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: looper.key, body: REQUESTS.devRead({ parameters: { id: 'fine' } }) });
      assert.equal(other.body.status, 'succeeded');
    } finally {
      await stack.close();
    }
  });
});
