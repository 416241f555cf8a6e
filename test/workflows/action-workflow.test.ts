import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type Client, ApplicationFailure } from '@temporalio/client';
import { ActionGateway, workflowIdOf } from '../../api/actions/gateway.js';
import type { ActionRequest, ActionState } from '../../domain/action.js';
import type { DecisionInput } from '../../domain/decision.js';
import type { airlockAction } from '../../workflows/action-workflow.js';
import { cancelUpdate, decideUpdate, searchAttributes, stateQuery } from '../../workflows/messages.js';
import { REQUESTS, testConfig } from '../helpers/config.js';
import { startTestWorker, testClient, testEnv, uniqueTaskQueue } from '../helpers/env.js';
import { startCountingTarget, type CountingTarget } from '../helpers/target.js';
import { testGrantKeys } from '../helpers/grants.js';
import { activityDepsFor } from '../../worker/index.js';

const person = (id: string, decision: 'approve' | 'reject' = 'approve', reason?: string, version = 1): DecisionInput => ({
  by: id,
  ids: [id],
  groups: [],
  decision,
  version,
  via: 'api',
  ...(reason ? { reason } : {}),
});

describe('action workflow', () => {
  let client: Client;
  let closeClient: () => Promise<void>;
  let target: CountingTarget;
  let taskQueue: string;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  before(async () => {
    ({ client, close: closeClient } = await testClient());
    target = await startCountingTarget();
    taskQueue = uniqueTaskQueue('wf');
    worker = await startTestWorker(taskQueue);
  });
  after(async () => {
    await worker.stop();
    await closeClient();
    await target.close();
  });

  /** Starts the workflow as the API would, with the example config and a short approval timeout. */
  async function start(request: ActionRequest, options: { approvalTimeout?: string; denyAt?: number; criticalApprovers?: string[] } = {}) {
    const config = testConfig({
      targetUrl: target.url,
      taskQueue,
      temporalAddress: testEnv.address,
      ...(options.approvalTimeout ? { approvalTimeout: options.approvalTimeout } : {}),
      edit: (file) => {
        if (options.denyAt) file.policy.thresholds.deny = options.denyAt;
        if (options.criticalApprovers) file.approvals.criticalApprovers = options.criticalApprovers;
      },
    });
    // Started exactly as the API starts it (update-with-start), minus HTTP.
    const settled = await new ActionGateway(client, config).submit(config.file.agents[0]!, request, 5_000);
    const actionId = settled.id;
    const handle = client.workflow.getHandle<typeof airlockAction>(workflowIdOf(actionId));
    return { handle, settled, actionId };
  }

  const waitForStatus = (handle: Awaited<ReturnType<typeof start>>['handle'], status: ActionState['status']) =>
    waitForState(handle, (s) => s.status === status);

  async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const err = await promise.then(
      () => assert.fail('the update should have been refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure);
    return err.cause;
  }

  it('expires when nobody decides in time, and never executes', async () => {
    const { handle, settled, actionId } = await start(REQUESTS.prodUpdate(), { approvalTimeout: '1s' });
    assert.equal(settled.status, 'awaiting_approval');
    const final: ActionState = await handle.result();
    assert.equal(final.status, 'expired');
    assert.equal(target.callsFor(actionId).length, 0);
    const late = await handle.executeUpdate(decideUpdate, { args: [person('U0ALICE')] }).then(
      () => 'accepted',
      () => 'refused',
    );
    assert.equal(late, 'refused');
  });

  it('a rejection ends the action with the reason and without executing', async () => {
    const { handle, actionId } = await start(REQUESTS.prodUpdate());
    const state = await handle.executeUpdate(decideUpdate, { args: [person('U0BOB', 'reject', 'not during the freeze')] });
    assert.equal(state.status, 'rejected');
    const final = await handle.result();
    assert.equal(final.approvals[0]?.reason, 'not during the freeze');
    assert.equal(target.callsFor(actionId).length, 0);
  });

  it('critical actions need two different people', async () => {
    const { handle, settled, actionId } = await start(REQUESTS.prodTransfer());
    assert.equal(settled.risk.tier, 'critical');
    const first = await handle.executeUpdate(decideUpdate, { args: [person('U0ALICE')] });
    assert.equal(first.status, 'awaiting_approval');
    assert.equal(first.approvals.length, 1);

    const same = await refusal(handle.executeUpdate(decideUpdate, { args: [person('U0ALICE')] }));
    assert.equal(same.type, 'AlreadyDecided');
    assert.equal(target.callsFor(actionId).length, 0, 'one person is not enough');

    const second = await handle.executeUpdate(decideUpdate, { args: [person('U0CAROL')] });
    assert.equal(second.status, 'approved');
    const final = await handle.result();
    assert.equal(final.status, 'succeeded');
    assert.equal(target.callsFor(actionId).length, 1);
    assert.deepEqual(target.callsFor(actionId)[0]!.body.approvers, ['U0ALICE', 'U0CAROL']);
  });

  it('the validator refuses the owner and people not allowed for the tier', async () => {
    const { handle, actionId } = await start(REQUESTS.prodTransfer());
    const owner = await refusal(handle.executeUpdate(decideUpdate, { args: [person('U0DAVE')] }));
    assert.equal(owner.type, 'OwnerMayNotApprove');
    assert.match(owner.message, /owns agent billing-agent/);
    const reviewer = await refusal(handle.executeUpdate(decideUpdate, { args: [person('U0BOB')] }));
    assert.equal(reviewer.type, 'ApproverNotAllowed');
    const stranger = await refusal(handle.executeUpdate(decideUpdate, { args: [person('U0MALLORY', 'reject', 'no')] }));
    assert.equal(stranger.type, 'ApproverNotAllowed');

    // Refused updates leave no trace in the state.
    assert.deepEqual((await handle.query(stateQuery)).approvals, []);

    await handle.executeUpdate(decideUpdate, { args: [person('U0CAROL', 'reject', 'too much')] });
    assert.equal((await handle.result()).status, 'rejected');
    assert.equal(target.callsFor(actionId).length, 0);
  });

  it('refuses decisions and cancellation while the action executes', async () => {
    target.respond('crm.contacts.update', (call) => (call.body.sessionId === 'slow' ? { status: 200, delayMs: 1_500 } : { status: 200 }));
    const { handle, actionId } = await start(REQUESTS.prodUpdate({ sessionId: 'slow' }));
    await handle.executeUpdate(decideUpdate, { args: [person('U0ALICE')] });
    const executing = await waitForStatus(handle, 'executing');
    assert.equal(executing.status, 'executing');

    const late = await refusal(handle.executeUpdate(decideUpdate, { args: [person('U0CAROL', 'reject', 'wait')] }));
    assert.equal(late.type, 'NotAwaitingApproval');
    const cancel = await refusal(handle.executeUpdate(cancelUpdate, { args: [{ by: 'agent:billing-agent' }] }));
    assert.equal(cancel.type, 'TooLateToCancel');
    assert.equal((await handle.result()).status, 'succeeded');
    assert.equal(target.callsFor(actionId).length, 1);
  });

  it('an operator known by two ids counts once, whichever id the second decision arrives under', async () => {
    const { handle } = await start(REQUESTS.prodTransfer());
    // Alice clicks in Slack, then decides again through the API as operator "alice" (linked to U0ALICE).
    await handle.executeUpdate(decideUpdate, { args: [{ ...person('U0ALICE'), via: 'slack' }] });
    const again = await refusal(handle.executeUpdate(decideUpdate, { args: [{ ...person('alice'), ids: ['alice', 'U0ALICE'] }] }));
    assert.equal(again.type, 'AlreadyDecided');
    assert.equal((await handle.query(stateQuery)).approvals.length, 1);
    await handle.executeUpdate(cancelUpdate, { args: [{ by: 'test' }] });
  });

  it('two different people in the same approver group are two approvals', async () => {
    const { handle } = await start(REQUESTS.prodTransfer(), { criticalApprovers: ['S0PAYMENTS'] });
    await handle.executeUpdate(decideUpdate, { args: [{ ...person('U0ERIN'), groups: ['S0PAYMENTS'] }] });
    const second = await handle.executeUpdate(decideUpdate, { args: [{ ...person('U0FRANK'), groups: ['S0PAYMENTS'] }] });
    assert.equal(second.status, 'approved');
    assert.equal((await handle.result()).status, 'succeeded');
  });

  it('a decision on a version that is no longer current is refused as stale, naming the current one', async () => {
    const { handle, settled } = await start(REQUESTS.prodTransfer());
    const v1 = settled.versions[0]!;
    assert.match(v1.paramsSha256, /^[0-9a-f]{64}$/);
    const wrongHash = await refusal(handle.executeUpdate(decideUpdate, { args: [{ ...person('U0BOB'), paramsSha256: '0'.repeat(64) }] }));
    assert.equal(wrongHash.type, 'StaleVersion');
    const edited = await handle.executeUpdate(decideUpdate, {
      args: [{ ...person('U0ALICE'), edit: { parameters: { from: 'acct-9', to: 'acct-1', amount: 1_000, currency: 'USD' } }, version: 1, paramsSha256: v1.paramsSha256 }],
    });
    assert.equal(edited.status, 'awaiting_approval', 'critical: the editor is one of two');
    assert.equal(edited.versions.length, 2);
    assert.notEqual(edited.versions[1]!.paramsSha256, v1.paramsSha256);
    const stale = await refusal(handle.executeUpdate(decideUpdate, { args: [person('U0BOB', 'approve', undefined, 1)] }));
    assert.equal(stale.type, 'StaleVersion');
    assert.match(stale.message, /current version is v2/);
    assert.deepEqual(stale.details?.[0], { currentVersion: 2, paramsSha256: edited.versions[1]!.paramsSha256 });
    await handle.executeUpdate(cancelUpdate, { args: [{ by: 'test' }] });
  });

  it('denied actions end at once without executing', async () => {
    const { handle, settled, actionId } = await start(REQUESTS.prodTransfer(), { denyAt: 95 });
    assert.equal(settled.status, 'denied');
    assert.equal((await handle.result()).status, 'denied');
    assert.equal(target.callsFor(actionId).length, 0);
  });

  it('cancel is accepted while awaiting approval', async () => {
    const { handle, actionId } = await start(REQUESTS.prodUpdate());
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ by: 'agent:billing-agent' }] });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await handle.result()).status, 'cancelled');
    assert.equal(target.callsFor(actionId).length, 0);

  });

  it('keeps its search attributes current for the Temporal UI', async () => {
    const { handle, settled } = await start(REQUESTS.prodUpdate());
    await handle.executeUpdate(decideUpdate, { args: [person('U0ALICE')] });
    await handle.result();
    const sa = (await handle.describe()).typedSearchAttributes;
    assert.equal(sa.get(searchAttributes.status), 'succeeded');
    assert.equal(sa.get(searchAttributes.tier), 'review');
    assert.equal(sa.get(searchAttributes.riskScore), settled.risk.score);
    assert.equal(sa.get(searchAttributes.agent), 'billing-agent');
    assert.equal(sa.get(searchAttributes.tool), 'crm.contacts.update');
    assert.equal(sa.get(searchAttributes.environment), 'prod');
  });
});

describe('workflow bundle', () => {
  it('holds no zod: schemas would be rebuilt for every workflow run', async () => {
    const { readFile } = await import('node:fs/promises');
    const code = await readFile(testEnv.bundlePath, 'utf8');
    assert.ok(code.includes('airlockAction') && code.includes('actionWorkflow'));
    assert.doesNotMatch(code, /node_modules\/zod\//);
  });
});

/** A client, a counting target and a worker of the test's own on a fresh task queue, for `body`; all stopped after. */
async function withOwnWorker(
  prefix: string,
  workerConfig: ((target: CountingTarget, taskQueue: string) => ReturnType<typeof testConfig>) | undefined,
  body: (env: { client: Client; target: CountingTarget; taskQueue: string }) => Promise<void>,
): Promise<void> {
  const { client, close } = await testClient();
  const target = await startCountingTarget();
  const taskQueue = uniqueTaskQueue(prefix);
  const deps = workerConfig ? activityDepsFor(workerConfig(target, taskQueue), await testGrantKeys()) : undefined;
  const worker = await startTestWorker(taskQueue, testEnv.address, deps);
  try {
    await body({ client, target, taskQueue });
  } finally {
    await worker.stop();
    await target.close();
    await close();
  }
}

describe('approvals.maxAge', () => {
  it('an approval older than maxAge no longer counts: the second approver does not complete a stale quorum, and the first may approve again', async () => {
    await withOwnWorker('max-age', undefined, async ({ client, target, taskQueue }) => {
      const config = testConfig({ targetUrl: target.url, taskQueue, temporalAddress: testEnv.address, edit: (file) => (file.approvals.maxAge = '2s') });
      const settled = await new ActionGateway(client, config).submit(config.file.agents[0]!, REQUESTS.prodTransfer(), 5_000);
      assert.equal(settled.risk.tier, 'critical');
      const handle = client.workflow.getHandle<typeof airlockAction>(workflowIdOf(settled.id));
      await handle.executeUpdate(decideUpdate, { args: [person('U0ALICE')] });
      await new Promise((r) => setTimeout(r, 2_500));
      const second = await handle.executeUpdate(decideUpdate, { args: [person('U0CAROL')] });
      assert.equal(second.status, 'awaiting_approval', 'alice’s approval lapsed: one fresh approval is not two');
      assert.deepEqual(second.approvals.map((a) => [a.by, Boolean(a.lapsed)]), [['U0ALICE', true], ['U0CAROL', false]]);
      assert.equal(target.callsFor(settled.id).length, 0);
      const again = await handle.executeUpdate(decideUpdate, { args: [person('U0ALICE')] });
      assert.equal(again.status, 'approved');
      assert.equal((await handle.result()).status, 'succeeded');
      assert.deepEqual(target.callsFor(settled.id)[0]!.body.approvers, ['U0CAROL', 'U0ALICE']);
    });
  });
});

describe('re-authorization with the policy in force', () => {
  it('a policy tightened after approval sends the action back for the new tier’s approvals, and nothing runs until then', async () => {
    // The worker runs a newer policy than the one the action was submitted under: critical from 40 on.
    const tightened = (target: CountingTarget, taskQueue: string) =>
      testConfig({
        targetUrl: target.url,
        taskQueue,
        temporalAddress: testEnv.address,
        edit: (file) => {
          file.policy.version = 'tightened';
          file.policy.thresholds = { review: 20, critical: 40 };
        },
      });
    await withOwnWorker('reauth', tightened, async ({ client, target, taskQueue }) => {
      const submitted = testConfig({ targetUrl: target.url, taskQueue, temporalAddress: testEnv.address });
      const settled = await new ActionGateway(client, submitted).submit(submitted.file.agents[0]!, REQUESTS.prodUpdate(), 5_000);
      assert.equal(settled.risk.tier, 'review');
      const handle = client.workflow.getHandle<typeof airlockAction>(workflowIdOf(settled.id));
      const approved = await handle.executeUpdate(decideUpdate, { args: [person('U0BOB')] });
      assert.equal(approved.status, 'approved');
      const back = await waitForState(handle, (s) => s.status === 'awaiting_approval' && s.risk.tier === 'critical');
      assert.ok(back.risk.factors.some((f) => f.name === 'reauthorized' && /policy tightened raised the tier from review to critical/.test(f.detail)));
      assert.equal(back.approvals[0]?.lapsed, true, 'the review approval does not count for critical');
      assert.equal(target.callsFor(settled.id).length, 0, 'nothing ran');
      await handle.executeUpdate(decideUpdate, { args: [person('U0ALICE')] });
      const done = await handle.executeUpdate(decideUpdate, { args: [person('U0CAROL')] });
      assert.equal(done.status, 'approved');
      assert.equal((await handle.result()).status, 'succeeded');
      assert.deepEqual(target.callsFor(settled.id)[0]!.body.approvers, ['U0ALICE', 'U0CAROL']);
    });
  });
});

async function waitForState(handle: { query: (q: typeof stateQuery) => Promise<ActionState> }, ok: (s: ActionState) => boolean): Promise<ActionState> {
  for (let i = 0; i < 200; i++) {
    const state = await handle.query(stateQuery);
    if (ok(state)) return state;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the action never reached the expected state');
}
