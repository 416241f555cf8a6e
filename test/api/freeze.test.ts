import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import type { AgentStanding } from '../../domain/standing.js';
import { freePort, startDevServer } from '../../temporal/dev-server.js';
import { isolatedAgent, KEYS, REQUESTS } from '../helpers/config.js';
import { testEnv } from '../helpers/env.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';
import { startCountingTarget } from '../helpers/target.js';

describe('kill switch', () => {
  let stack: Stack;
  // An agent of this test's own (see isolatedAgent), and another one that must not be affected.
  const agent = isolatedAgent('runaway');
  const bystander = isolatedAgent('bystander');
  before(async () => {
    // Retries 2 s apart: longer than the second within which every replica sees a freeze.
    stack = await startStack({
      retry: { maxAttempts: 3, initialInterval: '2s', backoffCoefficient: 1, maximumInterval: '2s' },
      edit: (file) => {
        agent.addTo(file);
        bystander.addTo(file);
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  const submit = (body: unknown, key: string = agent.key) => stack.call<ActionState>('POST', '/v1/actions?wait=10', { key, body });
  const agentPath = `/v1/agents/${agent.id}`;

  it('freezing cancels the agent’s pending actions and refuses new ones with 423; unfrozen, it works again', async () => {
    const pending = await Promise.all([submit(REQUESTS.prodUpdate({ sessionId: 'freeze-1' })), submit(REQUESTS.prodTransfer({ sessionId: 'freeze-2' }))]);
    assert.deepEqual(pending.map((p) => p.body.status), ['awaiting_approval', 'awaiting_approval']);
    await eventually(async () => {
      const view = await stack.call<{ pendingApprovals: number }>('GET', agentPath, { key: KEYS.alice });
      return view.body.pendingApprovals >= 2 ? true : undefined;
    }, 10_000, 'visibility to count the pending actions');

    const frozen = await stack.call<AgentStanding>('POST', `${agentPath}/freeze`, { key: KEYS.alice, body: { reason: 'runaway refunds' } });
    assert.equal(frozen.status, 200, JSON.stringify(frozen.body));
    assert.equal(frozen.body.frozen, true);
    assert.equal(frozen.body.frozenBy, 'U0ALICE');
    for (const p of pending) {
      const state = await stack.waitFor(p.body.id, ['cancelled']);
      assert.equal(state.cancelledBy, 'U0ALICE');
      assert.match(state.cancelReason ?? '', /runaway refunds/);
      assert.equal(stack.target.callsFor(p.body.id).length, 0);
    }

    const refused = await submit(REQUESTS.devRead({ sessionId: 'while-frozen' }));
    assert.equal(refused.status, 423);
    assert.equal(refused.body.error?.code, 'agent_frozen');
    assert.equal(refused.body.error?.details.reason, 'runaway refunds');
    assert.equal(stack.target.callsTo('crm.contacts.read').filter((c) => c.body.sessionId === 'while-frozen').length, 0);
    const other = await submit(REQUESTS.devRead({ sessionId: 'other-agent' }), bystander.key);
    assert.equal(other.body.status, 'succeeded', 'other agents are not stopped');

    const view = await stack.call<{ frozen: boolean; frozenBy: string; reason: string; frozenAt: string }>('GET', agentPath, { key: KEYS.bob });
    assert.deepEqual([view.body.frozen, view.body.frozenBy, view.body.reason], [true, 'U0ALICE', 'runaway refunds']);
    assert.ok(view.body.frozenAt);
    const own = await stack.call('GET', agentPath, { key: agent.key });
    assert.equal(own.status, 200, 'an agent may read its own standing');
    const others = await stack.call('GET', agentPath, { key: bystander.key });
    assert.equal(others.status, 404);
    const byAgent = await stack.call('POST', `${agentPath}/unfreeze`, { key: agent.key });
    assert.equal(byAgent.status, 403, 'an agent cannot unfreeze itself');

    const unfrozen = await stack.call<AgentStanding>('POST', `${agentPath}/unfreeze`, { key: KEYS.carol });
    assert.equal(unfrozen.body.frozen, false);
    assert.equal(unfrozen.body.unfrozenBy, 'U0CAROL');
    const again = await submit(REQUESTS.devRead({ sessionId: 'after-unfreeze' }));
    assert.equal(again.body.status, 'succeeded');
  });

  it('an agent frozen while its action is executing gets no further attempt: the action ends cancelled', async () => {
    stack.target.respond('crm.contacts.read', (call) => (call.body.sessionId === 'frozen-mid-retry' ? { status: 503 } : { status: 200 }));
    const res = await stack.call<ActionState>('POST', '/v1/actions?wait=0', { key: agent.key, body: REQUESTS.devRead({ sessionId: 'frozen-mid-retry' }) });
    await eventually(async () => (stack.target.callsFor(res.body.id).length === 1 ? true : undefined), 10_000, 'the first attempt');
    await stack.call('POST', `${agentPath}/freeze`, { key: KEYS.alice, body: { reason: 'stop now' } });
    const done = await stack.waitFor(res.body.id, ['cancelled', 'failed', 'succeeded'], 20_000);
    assert.equal(done.status, 'cancelled', JSON.stringify(done.error));
    assert.match(done.cancelReason ?? '', /frozen by U0ALICE: stop now/);
    assert.equal(stack.target.callsFor(res.body.id).length, 1, 'the retries never reached the tool');
    await stack.call('POST', `${agentPath}/unfreeze`, { key: KEYS.alice });
  });

  it('the CLI freezes, shows and unfreezes an agent', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const missing = await runCli(stack.url, KEYS.alice, ['freeze', agent.id]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /freeze needs --reason/);
    const frozen = await runCli(stack.url, KEYS.alice, ['freeze', agent.id, '--reason', 'from the terminal']);
    assert.equal(frozen.code, 0, frozen.stderr);
    assert.match(frozen.stdout, new RegExp(`${agent.id}: FROZEN by U0ALICE .*: from the terminal`));
    const shown = await runCli(stack.url, KEYS.bob, ['agent', agent.id]);
    assert.match(shown.stdout, /FROZEN .*; \d+ awaiting approval/);
    assert.equal((await submit(REQUESTS.devRead({ sessionId: 'cli-frozen' }))).status, 423);
    const unfrozen = await runCli(stack.url, KEYS.alice, ['unfreeze', agent.id]);
    assert.match(unfrozen.stdout, new RegExp(`${agent.id}: active`));
    assert.equal((await submit(REQUESTS.devRead({ sessionId: 'cli-unfrozen' }))).body.status, 'succeeded');
  });

  it('bad requests name the field; only operators freeze; unknown agents are 404', async () => {
    const noReason = await stack.call('POST', `${agentPath}/freeze`, { key: KEYS.alice, body: {} });
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.error.details[0].field, 'reason');
    const asAgent = await stack.call('POST', `${agentPath}/freeze`, { key: agent.key, body: { reason: 'x' } });
    assert.equal(asAgent.status, 403);
    const unknown = await stack.call('POST', '/v1/agents/nobody/freeze', { key: KEYS.alice, body: { reason: 'x' } });
    assert.equal(unknown.status, 404);
    const badId = await stack.call('GET', '/v1/agents/Not.An.Id', { key: KEYS.alice });
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.details[0].field, 'params.id');
  });
});

describe('kill switch durability', () => {
  it('a freeze survives a restart of the whole stack, Temporal included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-freeze-'));
    const dbFile = join(dir, 'temporal.sqlite');
    const port = await freePort();
    const target = await startCountingTarget();
    let server = await startDevServer({ cli: testEnv.cli, port, dbFile });
    try {
      const durable = isolatedAgent('audited');
      const edit = (file: Record<string, any>) => durable.addTo(file);
      const first = await startStack({ temporalAddress: server.address, target, edit });
      const frozen = await first.call('POST', `/v1/agents/${durable.id}/freeze`, { key: KEYS.carol, body: { reason: 'audit' } });
      assert.equal(frozen.status, 200);
      await first.close();
      await server.stop();

      server = await startDevServer({ cli: testEnv.cli, port, dbFile });
      const second = await startStack({ temporalAddress: server.address, target, taskQueue: first.taskQueue, edit });
      try {
        const view = await second.call<AgentStanding>('GET', `/v1/agents/${durable.id}`, { key: KEYS.alice });
        assert.deepEqual([view.body.frozen, view.body.reason], [true, 'audit']);
        const refused = await second.call('POST', '/v1/actions?wait=5', { key: durable.key, body: REQUESTS.devRead() });
        assert.equal(refused.status, 423);
        assert.equal(target.callsTo('crm.contacts.read').length, 0);
      } finally {
        await second.close();
      }
    } finally {
      await server.stop();
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
