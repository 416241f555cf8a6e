import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';
import { workflowIdOf } from '../../api/actions/ids.js';
import { searchAttributes } from '../../workflows/messages.js';

describe('submit API → workflow → executor', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  const submit = (body: unknown, wait = 10, key: string = KEYS.billingAgent) =>
    stack.call<ActionState>('POST', `/v1/actions?wait=${wait}`, { key, body });

  it('runs a low-risk action at once and answers with its final state in one round trip', async () => {
    const res = await submit(REQUESTS.devRead());
    assert.equal(res.status, 202);
    const state = res.body;
    assert.equal(state.status, 'succeeded');
    assert.equal(state.risk.tier, 'auto');
    assert.equal(state.attempts, 1);
    assert.equal(state.result?.httpStatus, 200);
    assert.match(state.id, /^billing-agent\.[0-9a-f]{24}$/);
    assert.match(state.links.temporalUi, /\/namespaces\/default\/workflows\/action-billing-agent\./);

    const calls = stack.target.callsFor(state.id);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.headers['idempotency-key'], state.id);
    assert.deepEqual(calls[0]!.body.parameters, REQUESTS.devRead().parameters);
    assert.equal(calls[0]!.body.tool, 'crm.contacts.read');
  });

  it('an auto action is awaited as a bare client would (start, then its close): its history has no Update; one held for approval is settled by an Update', async () => {
    const updates = async (id: string) =>
      ((await stack.client.workflow.getHandle(workflowIdOf(id)).fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
    const auto = await submit(REQUESTS.devRead());
    assert.equal(auto.body.status, 'succeeded');
    assert.equal(await updates(auto.body.id), 0);
    const held = await submit(REQUESTS.prodUpdate());
    assert.equal(held.body.status, 'awaiting_approval', 'answered as soon as it waits for a person');
    assert.equal(await updates(held.body.id), 1);
  });

  it('an auto action’s history holds only its steps: started (indexed executing, with tier and score), the executor call (a local activity), the final status, the close', async () => {
    const auto = await submit(REQUESTS.devRead({ sessionId: 'lean-history' }));
    assert.equal(auto.body.status, 'succeeded');
    const handle = stack.client.workflow.getHandle(workflowIdOf(auto.body.id));
    const events = (await handle.fetchHistory()).events ?? [];
    const kinds = events.map((e) => Object.keys(e).find((k) => k.endsWith('EventAttributes'))!.replace(/EventAttributes$/, ''));
    assert.deepEqual(kinds, [
      'workflowExecutionStarted',
      ...['workflowTaskScheduled', 'workflowTaskStarted', 'workflowTaskCompleted'],
      'markerRecorded',
      'upsertWorkflowSearchAttributes',
      'workflowExecutionCompleted',
    ]);
    // The one marker is the executor's call, run in the first workflow task.
    assert.equal(events[4]!.markerRecordedEventAttributes?.markerName, 'core_local_activity');
    assert.equal(stack.target.callsFor(auto.body.id).length, 1);
    const started = events[0]!.workflowExecutionStartedEventAttributes!;
    assert.equal(started.workflowType?.name, 'airlockAction');
    const indexed = Object.keys(started.searchAttributes?.indexedFields ?? {});
    for (const key of ['AirlockStatus', 'AirlockTier', 'AirlockRiskScore']) assert.ok(indexed.includes(key), key);
    // What the run was started with is what it shows while executing; its end is the one status it writes.
    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(searchAttributes.status), 'succeeded');
    assert.equal(description.typedSearchAttributes.get(searchAttributes.tier), 'auto');
    assert.equal(description.typedSearchAttributes.get(searchAttributes.riskScore), auto.body.risk.score);
  });

  it('without ?wait answers at once, and the action still completes', async () => {
    const res = await submit(REQUESTS.devRead(), 0);
    assert.equal(res.status, 202);
    assert.ok(['assessing', 'executing', 'succeeded'].includes(res.body.status), res.body.status);
    const done = await stack.waitFor(res.body.id, ['succeeded']);
    assert.equal(stack.target.callsFor(done.id).length, 1);
  });

  it('holds a risky action for approval and executes it once after an allowed approval', async () => {
    const res = await submit(REQUESTS.prodUpdate());
    assert.equal(res.status, 202);
    assert.equal(res.body.status, 'awaiting_approval');
    assert.equal(res.body.risk.tier, 'review');
    const id = res.body.id;
    assert.equal(stack.target.callsFor(id).length, 0, 'nothing runs before approval');

    const decided = await stack.call<ActionState>('POST', `/v1/actions/${id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1, reason: 'checked the segment' },
    });
    assert.equal(decided.status, 200);
    assert.equal(decided.body.approvals[0]?.by, 'U0ALICE', 'an operator decides as its Slack identity');
    assert.equal(decided.body.approvals[0]?.via, 'api');

    const done = await stack.waitFor(id, ['succeeded']);
    assert.equal(done.attempts, 1);
    const calls = stack.target.callsFor(id);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.body.approvers, ['U0ALICE']);
  });

  it('GET ?wait holds the answer until the action settles: awaiting approval, then (after a decision) succeeded', async () => {
    const accepted = await submit(REQUESTS.prodUpdate(), 0);
    const id = accepted.body.id;
    const pending = await stack.call<ActionState>('GET', `/v1/actions/${id}?wait=10`, { key: KEYS.billingAgent });
    assert.equal(pending.status, 200);
    assert.equal(pending.body.status, 'awaiting_approval');
    const started = Date.now();
    const waiting = stack.call<ActionState>('GET', `/v1/actions/${id}?wait=20`, { key: KEYS.billingAgent });
    await new Promise((r) => setTimeout(r, 1_000));
    await stack.call('POST', `/v1/actions/${id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
    const done = await waiting;
    assert.equal(done.body.status, 'succeeded', 'the long poll answered with the outcome');
    assert.ok(Date.now() - started >= 1_000, 'it waited for the decision');
    const timedOut = await stack.call<ActionState>('GET', `/v1/actions/${(await submit(REQUESTS.prodUpdate(), 0)).body.id}?wait=1`, {
      key: KEYS.billingAgent,
    });
    assert.equal(timedOut.body.status, 'awaiting_approval', 'at the end of the wait, the state as it is');
    const bad = await stack.call<{ error: { details: { field: string }[] } }>('GET', `/v1/actions/${id}?wait=61`, { key: KEYS.billingAgent });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0]?.field, 'query.wait');
  });

  it('a rejected action never executes, and the reason reaches the agent', async () => {
    const { body } = await submit(REQUESTS.prodUpdate());
    const rejected = await stack.call<ActionState>('POST', `/v1/actions/${body.id}/decision`, {
      key: KEYS.bob,
      body: { decision: 'reject', version: 1, reason: 'wrong segment' },
    });
    assert.equal(rejected.status, 200);
    assert.equal(rejected.body.status, 'rejected');
    const seen = await stack.call<ActionState>('GET', `/v1/actions/${body.id}`, { key: KEYS.billingAgent });
    assert.equal(seen.body.approvals[0]?.reason, 'wrong segment');
    assert.equal(stack.target.callsFor(body.id).length, 0);
  });

  it('the same idempotency key gives the same action, executed at most once', async () => {
    const request = REQUESTS.devRead({ idempotencyKey: `idem-${Date.now()}` });
    const [a, b] = await Promise.all([submit(request), submit(request)]);
    assert.equal(a.body.id, b.body.id);
    const again = await submit(request);
    assert.equal(again.status, 202);
    assert.equal(again.body.id, a.body.id);
    assert.equal(again.body.status, 'succeeded');
    assert.equal(stack.target.callsFor(a.body.id).length, 1);

    const otherAgent = await submit(request, 10, KEYS.supportAgent);
    assert.notEqual(otherAgent.body.id, a.body.id, 'keys are per agent');
  });

  it('refuses an idempotency key reused for a different action', async () => {
    const key = `idem-conflict-${Date.now()}`;
    const first = await submit(REQUESTS.devRead({ idempotencyKey: key }));
    const second = await submit(REQUESTS.devRead({ idempotencyKey: key, parameters: { ids: ['someone-else'] } }));
    assert.equal(second.status, 409);
    assert.equal(second.body.error?.code, 'idempotency_conflict');
    assert.equal(stack.target.callsFor(first.body.id).length, 1);
  });

  it('a target failing with 500 is called exactly maxAttempts times, then the action fails', async () => {
    stack.target.respond('crm.contacts.read', (call) =>
      call.body.sessionId === 'always-500' ? { status: 500, body: { error: 'down' } } : { status: 200 },
    );
    const res = await submit(REQUESTS.devRead({ sessionId: 'always-500' }));
    assert.equal(res.body.status, 'failed');
    assert.equal(res.body.attempts, 3);
    assert.equal(res.body.error?.code, 'ExecutorUnavailable');
    assert.equal(res.body.result?.httpStatus, 500);
    assert.equal(stack.target.callsFor(res.body.id).length, 3);
    assert.deepEqual(
      stack.target.callsFor(res.body.id).map((c) => c.headers['x-airlock-attempt']),
      ['1', '2', '3'],
    );
  });

  it('a target refusing with 400 is called once and the action fails at once', async () => {
    stack.target.respond('crm.contacts.read', (call) =>
      call.body.sessionId === 'always-400' ? { status: 400, body: { error: 'bad where clause' } } : { status: 200 },
    );
    const res = await submit(REQUESTS.devRead({ sessionId: 'always-400' }));
    assert.equal(res.body.status, 'failed');
    assert.equal(res.body.attempts, 1);
    assert.equal(res.body.error?.code, 'ExecutorRejected');
    assert.match(res.body.result?.body ?? '', /bad where clause/);
    assert.equal(stack.target.callsFor(res.body.id).length, 1);
  });

  it('retries 429 (waiting Retry-After, capped at maximumInterval) and 408, and succeeds when the target recovers', async () => {
    stack.target.respond('crm.contacts.read', (call) => {
      if (call.body.sessionId !== 'flaky') return { status: 200 };
      const n = stack.target.callsTo('crm.contacts.read').filter((c) => c.body.sessionId === 'flaky').length;
      return n === 1 ? { status: 429, headers: { 'retry-after': '5' } } : n === 2 ? { status: 408 } : { status: 200, body: { ok: 'at last' } };
    });
    const res = await submit(REQUESTS.devRead({ sessionId: 'flaky' }));
    assert.equal(res.body.status, 'succeeded', JSON.stringify(res.body));
    assert.equal(res.body.attempts, 3);
    const calls = stack.target.callsFor(res.body.id);
    assert.equal(calls.length, 3);
    // The test tools back off 50 ms at first, at most 200 ms (maximumInterval): the 429's
    // Retry-After of 5 s is waited for, but only up to that cap.
    const gap = calls[1]!.at - calls[0]!.at;
    assert.ok(gap >= 180, `Retry-After honoured over the 50 ms backoff (gap ${gap} ms)`);
    assert.ok(gap < 3_000, `Retry-After capped at maximumInterval, not 5 s (gap ${gap} ms)`);
  });

  it('lets the owning agent cancel an action awaiting approval, and refuses once it is over', async () => {
    const { body } = await submit(REQUESTS.prodUpdate());
    const cancelled = await stack.call<ActionState>('POST', `/v1/actions/${body.id}/cancel`, { key: KEYS.billingAgent });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.cancelledBy, 'agent:billing-agent');

    const late = await stack.call('POST', `/v1/actions/${body.id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
    assert.equal(late.status, 409);
    const again = await stack.call('POST', `/v1/actions/${body.id}/cancel`, { key: KEYS.billingAgent });
    assert.equal(again.status, 409);
    assert.equal(stack.target.callsFor(body.id).length, 0);

    const done = await submit(REQUESTS.devRead());
    const tooLate = await stack.call('POST', `/v1/actions/${done.body.id}/cancel`, { key: KEYS.alice });
    assert.equal(tooLate.status, 409);
    assert.match(tooLate.body.error.message, /succeeded/);
  });

  it('refuses decisions the approval rules forbid, each with its reason', async () => {
    // support-agent is owned by U0BOB; its actions are read-only, so use a review one via billing-agent for the others.
    const { body } = await submit(REQUESTS.prodTransfer());
    assert.equal(body.risk.tier, 'critical');
    const decide = (key: string) =>
      stack.call('POST', `/v1/actions/${body.id}/decision`, { key, body: { decision: 'approve', version: 1 } });

    const bob = await decide(KEYS.bob);
    assert.equal(bob.status, 403, 'a reviewer may not approve a critical action');
    assert.match(bob.body.error.message, /may not decide critical/);

    assert.equal((await decide(KEYS.alice)).status, 200);
    const twice = await decide(KEYS.alice);
    assert.equal(twice.status, 409);
    assert.match(twice.body.error.message, /already decided/);
    assert.equal(stack.target.callsFor(body.id).length, 0, 'one approval is not enough for critical');

    const carol = await decide(KEYS.carol);
    assert.equal(carol.status, 200);
    assert.equal(carol.body.status, 'approved');
    await eventually(async () => (stack.target.callsFor(body.id).length === 1 ? true : undefined));
  });

  it('only operators decide, and agents see only their own actions', async () => {
    const { body } = await submit(REQUESTS.prodUpdate());
    const byAgent = await stack.call('POST', `/v1/actions/${body.id}/decision`, {
      key: KEYS.billingAgent,
      body: { decision: 'approve', version: 1 },
    });
    assert.equal(byAgent.status, 403);
    const otherAgent = await stack.call('GET', `/v1/actions/${body.id}`, { key: KEYS.supportAgent });
    assert.equal(otherAgent.status, 404);
    const otherCancel = await stack.call('POST', `/v1/actions/${body.id}/cancel`, { key: KEYS.supportAgent });
    assert.equal(otherCancel.status, 404);
    const operator = await stack.call<ActionState>('GET', `/v1/actions/${body.id}`, { key: KEYS.carol });
    assert.equal(operator.status, 200);
    assert.equal(operator.body.status, 'awaiting_approval');
    const missing = await stack.call('GET', `/v1/actions/billing-agent.${'0'.repeat(24)}`, { key: KEYS.alice });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
  });

  it('lists actions for operators from Temporal visibility, filtered', async () => {
    const { body } = await submit(REQUESTS.prodUpdate({ sessionId: 'listing' }));
    const found = await eventually(async () => {
      const res = await stack.call<{ actions: { id: string; status: string; tier: string; riskScore: number }[] }>(
        'GET',
        '/v1/actions?status=awaiting_approval&agent=billing-agent&tool=crm.contacts.update',
        { key: KEYS.alice },
      );
      assert.equal(res.status, 200);
      return res.body.actions.find((a) => a.id === body.id);
    });
    assert.equal(found.tier, 'review');
    assert.equal(found.riskScore, body.risk.score);

    const none = await stack.call<{ actions: { id: string }[] }>('GET', '/v1/actions?status=succeeded&tool=crm.contacts.update', {
      key: KEYS.alice,
    });
    assert.ok(!none.body.actions.some((a) => a.id === body.id));
    const asAgent = await stack.call('GET', '/v1/actions', { key: KEYS.billingAgent });
    assert.equal(asAgent.status, 403);
    const bad = await stack.call('GET', '/v1/actions?status=sleeping', { key: KEYS.alice });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].field, 'query.status');
  });
});

describe('bad input is answered 4xx naming the field, never 500', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  const post = (body: unknown, key: string = KEYS.billingAgent, query = '') =>
    stack.call('POST', `/v1/actions${query}`, { key, body });

  const cases: { name: string; body: () => unknown; field: string }[] = [
    { name: 'missing tool', body: () => ({ ...REQUESTS.devRead(), tool: undefined }), field: 'tool' },
    { name: 'unknown operation', body: () => ({ ...REQUESTS.devRead(), operation: 'nuke' }), field: 'operation' },
    { name: 'unknown environment', body: () => ({ ...REQUESTS.devRead(), environment: 'moon' }), field: 'environment' },
    {
      name: 'bad sensitivity',
      body: () => ({ ...REQUESTS.devRead(), resources: [{ type: 't', id: 'i', sensitivity: 'top-secret' }] }),
      field: 'resources[0].sensitivity',
    },
    { name: 'negative records', body: () => ({ ...REQUESTS.devRead(), impact: { records: -5 } }), field: 'impact.records' },
    { name: 'negative amount', body: () => ({ ...REQUESTS.devRead(), impact: { amountUsd: -1 } }), field: 'impact.amountUsd' },
    { name: 'parameters not an object', body: () => ({ ...REQUESTS.devRead(), parameters: 'DROP TABLE' }), field: 'parameters' },
    { name: 'unknown field', body: () => ({ ...REQUESTS.devRead(), sudo: true }), field: 'sudo' },
    { name: 'missing justification', body: () => ({ ...REQUESTS.devRead(), justification: undefined }), field: 'justification' },
    { name: 'unconfigured tool', body: () => ({ ...REQUESTS.devRead(), tool: 'crm.contacts.merge' }), field: 'tool' },
    { name: 'array body', body: () => [REQUESTS.devRead()], field: '(root)' },
  ];
  for (const c of cases) {
    it(`${c.name} → 400 naming ${c.field}`, async () => {
      const res = await post(c.body());
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_request');
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === c.field),
        JSON.stringify(res.body.error.details),
      );
      assert.match(res.body.error.message, new RegExp(c.field.replace(/[[\]().]/g, '\\$&')));
    });
  }

  it('wait out of range → 400 naming query.wait', async () => {
    const res = await post(REQUESTS.devRead(), KEYS.billingAgent, '?wait=61');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details[0].field, 'query.wait');
  });

  it('malformed JSON → 400, not JSON at all → 415, too large → 413', async () => {
    const malformed = await stack.call('POST', '/v1/actions', { key: KEYS.billingAgent, rawBody: '{"tool":' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'invalid_request');
    const form = await stack.call('POST', '/v1/actions', { key: KEYS.billingAgent, rawBody: 'tool=x', contentType: 'text/plain' });
    assert.equal(form.status, 415);
    const huge = await post({ ...REQUESTS.devRead(), parameters: { blob: 'x'.repeat(300 * 1024) } });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'payload_too_large');
  });

  it('missing or unknown key → 401; a tool outside the agent’s patterns → 403; an operator cannot submit', async () => {
    const none = await stack.call('POST', '/v1/actions', { body: REQUESTS.devRead() });
    assert.equal(none.status, 401);
    const unknown = await post(REQUESTS.devRead(), 'not-a-key');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error.code, 'unauthorized');
    const outside = await post(REQUESTS.prodUpdate(), KEYS.supportAgent);
    assert.equal(outside.status, 403);
    assert.equal(outside.body.error.details.field, 'tool');
    const operator = await post(REQUESTS.devRead(), KEYS.alice);
    assert.equal(operator.status, 403);
  });

  it('bad ids and decisions → 400 naming the field; unknown routes → 404 in the same shape', async () => {
    const badId = await stack.call('GET', '/v1/actions/not-an-id', { key: KEYS.alice });
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.details[0].field, 'params.id');
    const { body } = await post(REQUESTS.prodUpdate(), KEYS.billingAgent, '?wait=5');
    const noReason = await stack.call('POST', `/v1/actions/${body.id}/decision`, { key: KEYS.alice, body: { decision: 'reject', version: 1 } });
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.error.details[0].field, 'reason');
    const badDecision = await stack.call('POST', `/v1/actions/${body.id}/decision`, { key: KEYS.alice, body: { decision: 'maybe', version: 1 } });
    assert.equal(badDecision.status, 400);
    assert.equal(badDecision.body.error.details[0].field, 'decision');
    const route = await stack.call('GET', '/v2/nothing', { key: KEYS.alice });
    assert.equal(route.status, 404);
    assert.equal(route.body.error.code, 'not_found');
  });

  it('health and readiness', async () => {
    assert.equal((await stack.call('GET', '/healthz')).status, 200);
    const ready = await stack.call('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.temporal, 'reachable');
  });
});

describe('Temporal unreachable', () => {
  it('answers 503 temporal_unavailable, never 500', async () => {
    const { Client, Connection } = await import('@temporalio/client');
    const { createApp } = await import('../../api/app.js');
    const { createLogger } = await import('../../lib/logger.js');
    const { testConfig } = await import('../helpers/config.js');
    const { call } = await import('../helpers/stack.js');
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    const config = testConfig({ targetUrl: 'http://127.0.0.1:1', taskQueue: 'nowhere', temporalAddress: '127.0.0.1:1' });
    const { testGrantKeys } = await import('../helpers/grants.js');
    const deps = { config, client: new Client({ connection }), logger: createLogger({ level: 'silent' }), grantKeys: await testGrantKeys() };
    const server = createApp(deps).app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const submitted = await call(url, 'POST', '/v1/actions?wait=1', { key: KEYS.billingAgent, body: REQUESTS.devRead() });
      assert.equal(submitted.status, 503, JSON.stringify(submitted.body));
      assert.equal(submitted.body.error?.code, 'temporal_unavailable');
      const ready = await call(url, 'GET', '/readyz');
      assert.equal(ready.status, 503);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
