import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import { workflowIdOf } from '../../api/actions/ids.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';

/** The transfer from the report: a quarter of a million described as a dev read of nothing. */
const talkedAround = {
  tool: 'payments.transfer',
  operation: 'read',
  environment: 'dev',
  resources: [],
  parameters: { amount: 250_000, currency: 'USD', to: 'acct-evil' },
  impact: {},
  justification: 'just looking',
  sessionId: 'evil-1',
};

describe('the gate judges facts, not the agent’s description', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  const submit = (body: unknown, wait = 10) => stack.call<ActionState>('POST', `/v1/actions?wait=${wait}`, { key: KEYS.billingAgent, body });

  it('the talked-around transfer: operation read → 400 claim_mismatch naming operation; environment dev → 400 naming environment', async () => {
    const lie = await submit({ ...talkedAround, environment: 'prod' });
    assert.equal(lie.status, 400);
    assert.equal(lie.body.error?.code, 'claim_mismatch');
    assert.equal(lie.body.error?.details[0].field, 'operation');

    const { operation: _omitted, ...noOperation } = talkedAround;
    const dev = await submit(noOperation);
    assert.equal(dev.status, 400);
    assert.equal(dev.body.error?.code, 'invalid_request');
    assert.equal(dev.body.error?.details[0].field, 'environment');
    assert.match(dev.body.error?.details[0].message, /no executor for dev \(it serves prod\)/);
    assert.equal(stack.target.callsTo('payments.transfer').length, 0, 'nothing reached the tool');
  });

  it('with no claims at all, the amount comes from the parameters and the transfer is critical', async () => {
    const { operation: _o, ...body } = talkedAround;
    const res = await submit({ ...body, environment: 'prod' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.status, 'awaiting_approval');
    assert.equal(res.body.risk.tier, 'critical');
    assert.equal(res.body.operation, 'transfer', 'the tool’s operation, not a claim');
    assert.equal(res.body.risk.facts?.effective.amountUsd, 250_000);
    assert.equal(stack.target.callsFor(res.body.id).length, 0);
    await stack.call('POST', `/v1/actions/${res.body.id}/cancel`, { key: KEYS.billingAgent });
  });

  it('a preview reporting 48 000 rows against a claim of 10 gives understated, at least review, and its summary everywhere', async () => {
    stack.target.respondPreview('crm.contacts.update', (call) =>
      call.body.sessionId === 'understate' ? { status: 200, body: { records: 48_000, summary: 'would update 48 000 contacts' } } : { status: 200, body: {} },
    );
    const res = await submit({ ...REQUESTS.prodUpdate({ sessionId: 'understate', impact: { records: 10, reversible: true } }), environment: 'staging' });
    assert.equal(res.status, 202);
    const state = res.body;
    assert.notEqual(state.risk.tier, 'auto');
    const understated = state.risk.factors.find((f) => f.name === 'understated');
    assert.ok(understated, JSON.stringify(state.risk.factors));
    assert.match(understated.detail, /claimed 10 records, the preview says 48000/);
    assert.equal(state.risk.preview?.summary, 'would update 48 000 contacts');
    assert.equal(stack.target.previewsFor(state.id).length, 1);
    assert.equal(stack.target.previewsFor(state.id)[0]!.headers['airlock-mode'], 'preview');
    assert.deepEqual(stack.target.previewsFor(state.id)[0]!.body.parameters, state.versions[0]!.parameters, 'the preview gets the exact call');
    assert.equal(stack.target.callsFor(state.id).length, 0);
    // The Temporal UI shows it as the workflow's current details.
    const handle = stack.client.workflow.getHandle(workflowIdOf(state.id));
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    assert.match(metadata.currentDetails ?? '', /would update 48 000 contacts/);
    await stack.call('POST', `/v1/actions/${state.id}/cancel`, { key: KEYS.billingAgent });
  });

  it('a preview that is down holds a harmless action for review, after bounded attempts', async () => {
    stack.target.respondPreview('crm.contacts.update', (call) => (call.body.sessionId === 'preview-down' ? { status: 503 } : { status: 200, body: {} }));
    const harmless = { ...REQUESTS.prodUpdate({ sessionId: 'preview-down', impact: { records: 1, reversible: true } }), environment: 'staging' };
    const res = await submit(harmless, 20);
    assert.equal(res.body.status, 'awaiting_approval', JSON.stringify(res.body.risk));
    assert.equal(res.body.risk.tier, 'review');
    assert.ok(res.body.risk.factors.some((f) => f.name === 'preview_unavailable'));
    assert.equal(res.body.risk.preview?.status, 'unavailable');
    assert.equal(stack.target.previewsFor(res.body.id).length, 3, 'three attempts, no more');

    stack.target.respondPreview('crm.contacts.update', () => ({ status: 200, body: { records: 1 } }));
    const healthy = await submit({ ...harmless, sessionId: 'preview-up' });
    assert.equal(healthy.body.risk.tier, 'auto', 'the same action with a working preview runs at once');
    assert.equal(healthy.body.status, 'succeeded');
    await stack.call('POST', `/v1/actions/${res.body.id}/cancel`, { key: KEYS.billingAgent });
  });

  it('parameters breaking the tool’s schema → 400 naming the path; too deep → 400; too large → 413 naming the limit', async () => {
    const bad = await submit(REQUESTS.prodTransfer({ parameters: { amount: 'a lot', to: 'acct-1' } }));
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error?.details.map((d: { field: string }) => d.field), ['parameters.amount']);

    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 3_080; i++) deep = { d: deep };
    const tooDeep = await submit(REQUESTS.devRead({ parameters: deep }));
    assert.equal(tooDeep.status, 400);
    assert.equal(tooDeep.body.error?.details[0].field, 'parameters');
    assert.match(tooDeep.body.error?.details[0].message, /deeper than 64/);

    const big = await submit(REQUESTS.devRead({ parameters: { ids: Array.from({ length: 7_000 }, (_, i) => `contact-${i}`) } }));
    assert.equal(big.status, 413);
    assert.equal(big.body.error?.code, 'payload_too_large');
    assert.equal(big.body.error?.details.limit, 65_536);
    assert.match(big.body.error?.message ?? '', /limits\.parametersBytes/);
  });

  it('an approval of a version that is no longer current is refused with 409 stale_version', async () => {
    const res = await submit(REQUESTS.prodTransfer({ sessionId: 'stale' }));
    const id = res.body.id;
    const v1 = res.body.versions[0]!;
    const edit = await stack.call<ActionState>('POST', `/v1/actions/${id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1, paramsSha256: v1.paramsSha256, edit: { parameters: { from: 'acct-9', to: 'acct-1', amount: 900, currency: 'USD' } } },
    });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    assert.equal(edit.body.versions.length, 2);
    assert.equal(edit.body.approvals[0]?.paramsSha256, edit.body.versions[1]!.paramsSha256, 'an approval carries the hash it approved');
    const stale = await stack.call('POST', `/v1/actions/${id}/decision`, { key: KEYS.carol, body: { decision: 'approve', version: 1 } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error?.code, 'stale_version');
    assert.equal(stale.body.error?.details.currentVersion, 2);
    const missing = await stack.call('POST', `/v1/actions/${id}/decision`, { key: KEYS.carol, body: { decision: 'approve' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error?.details[0].field, 'version');
    const current = await stack.call<ActionState>('POST', `/v1/actions/${id}/decision`, { key: KEYS.carol, body: { decision: 'approve', version: 2 } });
    assert.equal(current.body.status, 'approved');
    const done = await stack.waitFor(id, ['succeeded']);
    assert.equal((stack.target.callsFor(id)[0]!.body.parameters as { amount: number }).amount, 900, 'exactly the approved version executes');
    assert.equal(done.attempts, 1);
  });

  it('an edit is previewed and scored on what it does: widening where {id: 42} to where {} needs the critical tier', async () => {
    stack.target.respondPreview('crm.contacts.update', (call) => {
      const where = (call.body.parameters as { where?: Record<string, unknown> }).where ?? {};
      return Object.keys(where).length === 0
        ? { status: 200, body: { records: 48_211, users: 48_211, summary: 'would update every contact' } }
        : { status: 200, body: { records: 1, users: 1, summary: 'would update 1 contact' } };
    });
    const res = await submit(REQUESTS.prodUpdate({ sessionId: 'widen', parameters: { set: { tier: 'gold' }, where: { id: 42 } }, impact: { records: 1, reversible: true } }));
    assert.equal(res.body.risk.tier, 'review');
    const widened = await stack.call<ActionState>('POST', `/v1/actions/${res.body.id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1, edit: { parameters: { set: { tier: 'gold' }, where: {} }, impact: { records: 1 } } },
    });
    assert.equal(widened.status, 200, JSON.stringify(widened.body));
    assert.equal(widened.body.risk.tier, 'critical', JSON.stringify(widened.body.risk.factors));
    assert.equal(widened.body.status, 'awaiting_approval', 'one approval is not enough any more');
    assert.ok(widened.body.risk.factors.some((f) => f.name === 'understated'));
    assert.equal(widened.body.risk.preview?.summary, 'would update every contact');
    assert.equal(stack.target.previewsFor(res.body.id).length, 2, 'the agent’s version and the edit were both previewed');
    assert.equal(stack.target.callsFor(res.body.id).length, 0);
    await stack.call('POST', `/v1/actions/${res.body.id}/cancel`, { key: KEYS.billingAgent });
  });

  it('reads never write history: 20 GETs and 5 resubmissions leave the event count unchanged', async () => {
    const key = `history-${Date.now()}`;
    const first = await submit(REQUESTS.prodUpdate({ idempotencyKey: key }));
    assert.equal(first.body.status, 'awaiting_approval');
    const handle = stack.client.workflow.getHandle(workflowIdOf(first.body.id));
    const events = async () => (await handle.fetchHistory()).events?.length ?? 0;
    // Let the workflow task that follows the start (and the card, if any) settle first.
    await eventually(async () => ((await handle.describe()).historyLength > 0 ? true : undefined));
    const before = await events();
    for (let i = 0; i < 20; i++) assert.equal((await stack.call('GET', `/v1/actions/${first.body.id}`, { key: KEYS.alice })).status, 200);
    for (let i = 0; i < 5; i++) {
      const again = await submit(REQUESTS.prodUpdate({ idempotencyKey: key }), i % 2);
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.body.status, 'awaiting_approval');
    }
    assert.equal(await events(), before);
    await stack.call('POST', `/v1/actions/${first.body.id}/cancel`, { key: KEYS.billingAgent });
  });
});

describe('idempotency without a worker', () => {
  it('a resubmission with the same key and a different body is 409 even before any worker answers', async () => {
    const stack = await startStack({ noWorker: true });
    try {
      const key = `no-worker-${Date.now()}`;
      const first = await stack.call<ActionState>('POST', '/v1/actions', { key: KEYS.billingAgent, body: REQUESTS.devRead({ idempotencyKey: key }) });
      assert.equal(first.status, 202);
      assert.equal(first.body.status, 'assessing');
      const same = await stack.call<ActionState>('POST', '/v1/actions', { key: KEYS.billingAgent, body: REQUESTS.devRead({ idempotencyKey: key }) });
      assert.equal(same.status, 202);
      assert.equal(same.body.id, first.body.id);
      const other = await stack.call('POST', '/v1/actions', {
        key: KEYS.billingAgent,
        body: REQUESTS.devRead({ idempotencyKey: key, parameters: { ids: ['someone-else'] } }),
      });
      assert.equal(other.status, 409);
      assert.equal(other.body.error?.code, 'idempotency_conflict');
    } finally {
      await stack.close();
    }
  });
});
