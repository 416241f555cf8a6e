import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import type { SessionState } from '../../domain/session.js';
import { isolatedAgent, KEYS, REQUESTS } from '../helpers/config.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';
import { sessionWorkflowId } from '../../workflows/messages.js';

describe('sessions', () => {
  let stack: Stack;
  // Sessions belong to their agent and outlive a stack: this test's agents are its own.
  const agent = isolatedAgent('session');
  const other = isolatedAgent('session-other');
  before(async () => {
    stack = await startStack({
      edit: (file) => {
        agent.addTo(file);
        other.addTo(file);
        file.sessions.defaults = { riskBudget: 90, ttl: '2h' };
        // Batches of sessions far from their budget are sent after 3 s here (30 s by default).
        file.sessions.batchWindow = '3s';
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  const fresh = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;
  const submit = (body: unknown, key: string = agent.key) => stack.call<ActionState>('POST', '/v1/actions?wait=15', { key, body });
  const declare = (body: Record<string, unknown>, key: string = agent.key) => stack.call<SessionState>('POST', '/v1/sessions', { key, body });
  const session = (id: string, key: string = agent.key, query = '') =>
    stack.call<SessionState>('GET', `/v1/sessions/${encodeURIComponent(id)}${query}`, { key });
  /** The session once the outcomes of `count` actions have reached it (the action answers before telling its session). */
  const settledIn = (id: string, count: number) =>
    eventually(async () => {
      const s = (await session(id)).body;
      return s.actions.count >= count ? s : undefined;
    }, 10_000, `${count} actions recorded in ${id}`);

  it('declares a session, answers a retry with it, and refuses a different declaration or one reaching beyond the agent', async () => {
    const sessionId = fresh('declared');
    const body = { sessionId, intent: 'reconcile March invoices', allowedTools: ['crm.contacts.*', 'payments.refund'], riskBudget: 120, ttl: '30m' };
    const created = await declare(body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'open');
    assert.equal(created.body.agentId, agent.id);
    assert.deepEqual(created.body.allowedTools, ['crm.contacts.*', 'payments.refund']);
    assert.equal(created.body.riskBudget, 120);
    assert.equal(created.body.spent, 0);
    assert.deepEqual(created.body.actions, { count: 0, recent: [] });
    const ttl = Date.parse(created.body.expiresAt) - Date.parse(created.body.openedAt);
    assert.equal(ttl, 30 * 60_000);

    const retried = await declare(body);
    assert.equal(retried.status, 200);
    const changed = await declare({ ...body, riskBudget: 500 });
    assert.equal(changed.status, 409);

    const wider = await declare({ sessionId: fresh('wide'), intent: 'x', allowedTools: ['crm.contacts.read', '**'] });
    assert.equal(wider.status, 400);
    assert.deepEqual(wider.body.error?.details.map((d: { field: string }) => d.field), ['allowedTools[1]']);
    const otherTools = await declare({ sessionId: fresh('wide'), intent: 'x', allowedTools: ['k8s.*'] });
    assert.equal(otherTools.status, 400);
    const tooLong = await declare({ sessionId: fresh('long'), intent: 'x', ttl: '30d' });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error?.details[0].field, 'ttl');
    const noIntent = await declare({ sessionId: fresh('bad'), riskBudget: -1 });
    assert.deepEqual(noIntent.body.error?.details.map((d: { field: string }) => d.field).sort(), ['intent', 'riskBudget']);
    assert.equal((await declare(body, KEYS.alice)).status, 403, 'operators do not declare sessions');

    assert.equal((await session(sessionId)).status, 200);
    assert.equal((await session(sessionId, other.key)).status, 404, "another agent's session is unknown to it");
    assert.equal((await session(sessionId, KEYS.alice)).status, 400, 'an operator names the agent');
    const seen = await session(sessionId, KEYS.alice, `?agent=${agent.id}`);
    assert.equal(seen.body.intent, 'reconcile March invoices');
  });

  it('an action naming an undeclared session opens one with sessions.defaults and all of the agent’s tools', async () => {
    const sessionId = fresh('undeclared');
    const res = await submit(REQUESTS.devRead({ sessionId }));
    assert.equal(res.body.status, 'succeeded');
    const s = await settledIn(sessionId, 1);
    assert.equal(s.openedBy, 'defaults');
    assert.equal(s.riskBudget, 90);
    assert.deepEqual(s.allowedTools, ['crm.**', 'payments.*', 'db.**', 'iam.**', 'mail.*']);
    assert.equal(Date.parse(s.expiresAt) - Date.parse(s.openedAt), 2 * 3_600_000);
    assert.deepEqual(
      s.actions.recent.map((a) => [a.actionId, a.tool, a.tier, a.outcome]),
      [[res.body.id, 'crm.contacts.read', 'auto', 'succeeded']],
    );
    assert.equal(s.spent, res.body.risk.score);
  });

  it('a session spending its budget makes later actions escalate to review', async () => {
    const sessionId = fresh('budget');
    // A dev read of one contact scores 5: the budget holds three of them, not a fourth.
    await declare({ sessionId, intent: 'look up three customers', riskBudget: 15 });
    for (let i = 1; i <= 3; i++) {
      const read = await submit(REQUESTS.devRead({ sessionId }));
      assert.equal(read.body.status, 'succeeded', `read ${i}`);
      assert.equal(read.body.risk.score, 5);
      await settledIn(sessionId, i);
    }
    assert.equal((await session(sessionId)).body.spent, 15);
    const fourth = await submit(REQUESTS.devRead({ sessionId }));
    assert.equal(fourth.body.status, 'awaiting_approval');
    assert.equal(fourth.body.risk.tier, 'review');
    const factor = fourth.body.risk.factors.find((f) => f.name === 'session_budget');
    assert.match(factor?.detail ?? '', /spent 15 of its 15 points/);
    assert.equal(stack.target.callsFor(fourth.body.id).length, 0);

    // Only executed actions spend: one awaiting approval, then rejected, costs nothing.
    await stack.call('POST', `/v1/actions/${fourth.body.id}/decision`, { key: KEYS.alice, body: { decision: 'reject', version: 1, reason: 'enough' } });
    const after = await settledIn(sessionId, 4);
    assert.equal(after.spent, 15);
    assert.deepEqual(after.actions.recent.at(-1)?.outcome, 'rejected');
  });

  it('a tool outside the session’s allowedTools needs review (drift)', async () => {
    const sessionId = fresh('drift');
    await declare({ sessionId, intent: 'read contacts only', allowedTools: ['crm.contacts.read'] });
    const inside = await submit(REQUESTS.devRead({ sessionId }));
    assert.equal(inside.body.status, 'succeeded');
    const mail = await submit(mailTo(sessionId));
    assert.equal(mail.body.status, 'awaiting_approval');
    assert.equal(mail.body.risk.tier, 'review');
    assert.match(mail.body.risk.factors.find((f) => f.name === 'drift')?.detail ?? '', /outside the session's allowed tools/);
  });

  it('restricted data read, then sent out, is critical (restricted-then-egress)', async () => {
    const control = await submit(mailTo(fresh('no-restricted')));
    assert.equal(control.body.status, 'succeeded', 'mail alone is auto');
    assert.equal(control.body.risk.tier, 'auto');

    const sessionId = fresh('exfil');
    const read = await submit(REQUESTS.devRead({ sessionId, resources: [{ type: 'table', id: 'customers' }] }));
    assert.equal(read.body.status, 'succeeded');
    assert.equal(read.body.risk.facts?.effective.sensitivity, 'restricted');
    await settledIn(sessionId, 1);
    const mail = await submit(mailTo(sessionId));
    assert.equal(mail.body.status, 'awaiting_approval');
    assert.equal(mail.body.risk.tier, 'critical');
    assert.equal(mail.body.risk.approvalsRequired, 2);
    assert.ok(mail.body.risk.factors.some((f) => f.name === 'sequence:restricted-then-egress'));
  });

  it('the egress step cannot outrun the restricted read: a read still running already counts', async () => {
    const sessionId = fresh('race');
    stack.target.respond('crm.contacts.read', (call) => (call.body.sessionId === sessionId ? { status: 200, delayMs: 1_500 } : { status: 200 }));
    const read = await stack.call<ActionState>('POST', '/v1/actions?wait=0', {
      key: agent.key,
      body: REQUESTS.devRead({ sessionId, resources: [{ type: 'table', id: 'customers' }] }),
    });
    assert.equal(read.status, 202);
    const mail = await submit(mailTo(sessionId));
    assert.equal(mail.body.risk.tier, 'critical', 'scored with the read on record, though it has not finished');
    assert.equal((await stack.waitFor(read.body.id, ['succeeded'])).status, 'succeeded');
  });

  it('the executed actions of a session far from its budget reach it in one batch, not one signal each', async () => {
    const sessionId = fresh('batched');
    await declare({ sessionId, intent: 'many small reads', riskBudget: 10_000 });
    for (let i = 1; i <= 3; i++) assert.equal((await submit(REQUESTS.devRead({ sessionId }))).body.status, 'succeeded');
    const state = await settledIn(sessionId, 3);
    assert.equal(state.spent, 15);
    const history = await stack.client.workflow.getHandle(sessionWorkflowId(agent.id, sessionId)).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'actionsExecuted');
    assert.equal(signals.length, 1, 'three reads, one signal');
  });

  it('a session closed while its executed actions wait in a batch still takes them: its last actions count', async () => {
    const sessionId = fresh('closed-late');
    await declare({ sessionId, intent: 'one read, then done', riskBudget: 10_000 });
    assert.equal((await submit(REQUESTS.devRead({ sessionId }))).body.status, 'succeeded');
    const closed = await stack.call<SessionState>('DELETE', `/v1/sessions/${sessionId}`, { key: agent.key });
    assert.equal(closed.body.actions.count, 0, 'closed before the batch was sent');
    const state = await settledIn(sessionId, 1);
    assert.equal(state.status, 'closed');
    assert.equal(state.spent, 5);
  });

  it('closing a session cancels its actions awaiting approval and refuses new ones with 409 session_closed', async () => {
    const sessionId = fresh('closing');
    await declare({ sessionId, intent: 'one update' });
    const pending = await submit(REQUESTS.prodUpdate({ sessionId }));
    assert.equal(pending.body.status, 'awaiting_approval');
    const elsewhere = await submit(REQUESTS.prodUpdate({ sessionId: fresh('other-session') }));
    assert.equal(elsewhere.body.status, 'awaiting_approval');
    // The sweep finds actions through visibility, a second or so behind.
    await eventually(async () => {
      const listed = (await stack.call<{ actions: { id: string }[] }>('GET', `/v1/actions?status=awaiting_approval&agent=${agent.id}`, { key: KEYS.alice })).body;
      return listed.actions.some((a) => a.id === pending.body.id) ? true : undefined;
    }, 10_000, 'the pending action in visibility');

    assert.equal((await stack.call('DELETE', `/v1/sessions/${sessionId}`, { key: other.key })).status, 404);
    const closed = await stack.call<SessionState>('DELETE', `/v1/sessions/${sessionId}`, { key: agent.key });
    assert.equal(closed.status, 200);
    assert.equal(closed.body.status, 'closed');
    assert.equal(closed.body.closedBy, `agent:${agent.id}`);

    const cancelled = (await stack.call<ActionState>('GET', `/v1/actions/${pending.body.id}`, { key: KEYS.alice })).body;
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.cancelledBy, `agent:${agent.id}`);
    assert.match(cancelled.cancelReason ?? '', /session .* was closed/);
    assert.equal((await stack.call<ActionState>('GET', `/v1/actions/${elsewhere.body.id}`, { key: KEYS.alice })).body.status, 'awaiting_approval', 'another session is untouched');
    const late = await stack.call('POST', `/v1/actions/${pending.body.id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
    assert.equal(late.status, 409);
    assert.equal(stack.target.callsFor(pending.body.id).filter((c) => c.mode === 'execute').length, 0);

    const refused = await submit(REQUESTS.devRead({ sessionId }));
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error?.code, 'session_closed');
    assert.equal(refused.body.error?.details.field, 'sessionId');
  });

  it('a standing approval covers exactly the next N like actions of the session, and no more', async () => {
    const sessionId = fresh('standing');
    await declare({ sessionId, intent: 'tier upgrades', riskBudget: 10_000 });
    const first = await submit(REQUESTS.prodUpdate({ sessionId }));
    assert.equal(first.body.status, 'awaiting_approval');
    assert.equal(first.body.risk.tier, 'review');
    const approved = await stack.call<ActionState>('POST', `/v1/actions/${first.body.id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1, standing: { count: 2, minutes: 30 } },
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.deepEqual(approved.body.approvals[0]?.standing, { count: 2, minutes: 30 });
    await eventually(async () => ((await session(sessionId)).body.standing.length === 1 ? true : undefined), 10_000, 'the grant');

    const covered: ActionState[] = [];
    for (let i = 0; i < 3; i++) covered.push((await submit(REQUESTS.prodUpdate({ sessionId }))).body);
    assert.deepEqual(covered.map((a) => a.status), ['succeeded', 'succeeded', 'awaiting_approval']);
    for (const [i, a] of covered.slice(0, 2).entries()) {
      assert.equal(a.approvals.length, 1);
      assert.equal(a.approvals[0]!.via, 'standing');
      assert.equal(a.approvals[0]!.by, 'U0ALICE');
      assert.equal(a.approvals[0]!.standingOf?.actionId, first.body.id);
      assert.equal(a.approvals[0]!.standingOf?.remaining, 1 - i);
      assert.equal(a.risk.tier, 'review', 'still scored');
    }
    const grant = (await session(sessionId)).body.standing[0]!;
    assert.deepEqual([grant.remaining, grant.covered], [0, covered.slice(0, 2).map((a) => a.id)]);
  });

  it('a standing approval never covers a higher score, another tool or a critical action, and is refused on one', async () => {
    const sessionId = fresh('standing-bounds');
    await declare({ sessionId, intent: 'bounded', riskBudget: 10_000 });
    const first = await submit(REQUESTS.prodUpdate({ sessionId }));
    await stack.call('POST', `/v1/actions/${first.body.id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1, standing: { count: 5, minutes: 30 } },
    });
    await eventually(async () => ((await session(sessionId)).body.standing.length === 1 ? true : undefined), 10_000, 'the grant');

    // The same tool touching far more records scores higher: a person decides.
    const bigger = await submit(REQUESTS.prodUpdate({ sessionId, impact: { records: 20_000, reversible: true } }));
    assert.ok(bigger.body.risk.score > first.body.risk.score);
    assert.equal(bigger.body.status, 'awaiting_approval');
    const transfer = await submit(REQUESTS.prodTransfer({ sessionId }));
    assert.equal(transfer.body.status, 'awaiting_approval');

    const onCritical = await stack.call('POST', `/v1/actions/${transfer.body.id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1, standing: { count: 1, minutes: 5 } },
    });
    assert.equal(onCritical.status, 409);
    assert.match(onCritical.body.error?.message ?? '', /review-tier actions only/);
    const tooMany = await stack.call('POST', `/v1/actions/${bigger.body.id}/decision`, {
      key: KEYS.bob,
      body: { decision: 'approve', version: 1, standing: { count: 6, minutes: 5 } },
    });
    assert.equal(tooMany.status, 409);
    assert.match(tooMany.body.error?.message ?? '', /standing.count: at most 5/);
  });
});

function mailTo(sessionId: string) {
  return {
    tool: 'mail.send',
    environment: 'dev',
    resources: [],
    parameters: { to: ['partner@example.com'], subject: 'the numbers' },
    justification: 'send the partner the report',
    sessionId,
  };
}
