import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import { freePort, startDevServer } from '../../temporal/dev-server.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { ROOT, testEnv } from '../helpers/env.js';
import { testGrantKeyFile } from '../helpers/grants.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';
import { startCountingTarget } from '../helpers/target.js';

// Worker processes sign with the key the test stacks publish.
const grantKeyFile = await testGrantKeyFile();

/** A real worker process (`dist/worker/main.js`), as operators run it. */
function spawnWorker(stack: Stack): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'dist', 'worker', 'main.js')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: testEnv.address,
      AIRLOCK_TASK_QUEUE: stack.taskQueue,
      AIRLOCK_WORKFLOW_BUNDLE: testEnv.bundlePath,
      AIRLOCK_CONFIG: join(ROOT, 'airlock.yaml'),
      AIRLOCK_SIGNING_KEY_FILE: grantKeyFile,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function statusOf(stack: Stack, id: string): Promise<ActionState> {
  return (await stack.call<ActionState>('GET', `/v1/actions/${id}`, { key: KEYS.alice })).body;
}

describe('durability', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('a worker killed while an action awaits approval loses nothing: a new worker executes it once', async () => {
    const stack = await startStack({ noWorker: true });
    cleanups.push(() => stack.close());
    let worker = spawnWorker(stack);
    cleanups.push(() => kill(worker));

    const submitted = await stack.call<ActionState>('POST', '/v1/actions?wait=30', { key: KEYS.billingAgent, body: REQUESTS.prodUpdate() });
    assert.equal(submitted.body.status, 'awaiting_approval');

    await kill(worker);
    worker = spawnWorker(stack);

    const decided = await stack.call<ActionState>('POST', `/v1/actions/${submitted.body.id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1 },
    });
    assert.equal(decided.status, 200);
    const done = await stack.waitFor(submitted.body.id, ['succeeded'], 30_000);
    assert.equal(done.attempts, 1);
    assert.equal(stack.target.callsFor(submitted.body.id).length, 1);
  });

  it('with no worker running, a submission is accepted, answered, and runs once a worker starts', async () => {
    const stack = await startStack({ noWorker: true });
    cleanups.push(() => stack.close());
    const started = Date.now();
    const submitted = await stack.call<ActionState>('POST', '/v1/actions?wait=1', { key: KEYS.billingAgent, body: REQUESTS.devRead() });
    assert.equal(submitted.status, 202);
    assert.equal(submitted.body.status, 'assessing');
    assert.equal(submitted.body.risk.tier, 'auto');
    assert.ok(Date.now() - started < 8_000, 'the wait is bounded');
    assert.equal(stack.target.callsFor(submitted.body.id).length, 0);

    const worker = spawnWorker(stack);
    cleanups.push(() => kill(worker));
    const done = await stack.waitFor(submitted.body.id, ['succeeded'], 30_000);
    assert.equal(done.attempts, 1);
    assert.equal(stack.target.callsFor(submitted.body.id).length, 1);
  });

  it('with no worker running, a decision is answered 503 worker_unavailable within limits.workerAnswer instead of hanging', async () => {
    const stack = await startStack({ noWorker: true, edit: (file) => void (file.limits.workerAnswer = '3s') });
    cleanups.push(() => stack.close());
    const submitted = await stack.call<ActionState>('POST', '/v1/actions?wait=1', { key: KEYS.billingAgent, body: REQUESTS.prodUpdate() });
    assert.equal(submitted.status, 202);

    const started = Date.now();
    const decided = await stack.call('POST', `/v1/actions/${submitted.body.id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1 },
    });
    assert.equal(decided.status, 503, JSON.stringify(decided.body));
    assert.equal((decided.body as { error: { code: string } }).error.code, 'worker_unavailable');
    assert.equal(decided.headers.get('retry-after'), '5');
    assert.ok(Date.now() - started < 8_000, 'answered within the bound');

    // Once a worker runs, the action is whole: approved (by the late Update or a new decision) and executed once.
    const worker = spawnWorker(stack);
    cleanups.push(() => kill(worker));
    const waiting = await stack.waitFor(submitted.body.id, ['awaiting_approval', 'succeeded'], 30_000);
    if (waiting.status === 'awaiting_approval' && waiting.approvals.length === 0) {
      const again = await stack.call('POST', `/v1/actions/${submitted.body.id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
      assert.ok([200, 409].includes(again.status), JSON.stringify(again.body));
    }
    await stack.waitFor(submitted.body.id, ['succeeded'], 30_000);
    assert.equal(stack.target.callsFor(submitted.body.id).length, 1);
  });

  it('a worker killed mid-execution: the call is retried with the same Idempotency-Key, within maxAttempts, never more', async () => {
    const stack = await startStack({
      noWorker: true,
      executorTimeout: '1s',
      retry: { maxAttempts: 2, initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '1s' },
    });
    cleanups.push(() => stack.close());
    // The first call hangs long enough for the worker to die holding it.
    stack.target.respond('crm.contacts.read', (_call, index) => (index === 0 ? { status: 200, delayMs: 3_000 } : { status: 200 }));
    let worker = spawnWorker(stack);
    cleanups.push(() => kill(worker));

    const submitted = await stack.call<ActionState>('POST', '/v1/actions?wait=0', { key: KEYS.billingAgent, body: REQUESTS.devRead() });
    await eventually(async () => (stack.target.callsFor(submitted.body.id).length === 1 ? true : undefined), 15_000, 'the first call');
    await kill(worker);
    worker = spawnWorker(stack);

    // The retry waits out the attempt's timeout (6 s), then the workflow task the dead worker's sticky queue (10 s), and a
    // new worker's start: ~20 s, which a loaded 2-core machine has stretched past 30. The claim is the count, not the time.
    const done = await stack.waitFor(submitted.body.id, ['succeeded', 'failed'], 60_000);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.attempts, 2);
    const calls = stack.target.callsFor(submitted.body.id);
    assert.equal(calls.length, 2);
    // The target can only drop the repeat of a call it may have carried out if both carry one key.
    assert.deepEqual(calls.map((c) => c.headers['idempotency-key']), [submitted.body.id, submitted.body.id]);
    assert.deepEqual(calls.map((c) => c.headers['x-airlock-attempt']), ['1', '2']);
  });

  it('a Temporal server restarted on its SQLite file keeps every pending approval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-durable-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const dbFile = join(dir, 'temporal.sqlite');
    const port = await freePort();
    const target = await startCountingTarget();
    cleanups.push(() => target.close());

    let server = await startDevServer({ cli: testEnv.cli, port, dbFile });
    cleanups.push(() => server.stop());
    const first = await startStack({ temporalAddress: server.address, target });
    const pending = await Promise.all(
      [REQUESTS.prodUpdate(), REQUESTS.prodTransfer()].map(async (body) =>
        (await first.call<ActionState>('POST', '/v1/actions?wait=10', { key: KEYS.billingAgent, body })).body,
      ),
    );
    assert.deepEqual(pending.map((p) => p.status), ['awaiting_approval', 'awaiting_approval']);
    await first.close();
    await server.stop();

    server = await startDevServer({ cli: testEnv.cli, port, dbFile });
    const second = await startStack({ temporalAddress: server.address, target, taskQueue: first.taskQueue });
    cleanups.push(() => second.close());
    for (const p of pending) assert.equal((await statusOf(second, p.id)).status, 'awaiting_approval');

    const [review, critical] = pending as [ActionState, ActionState];
    await second.call('POST', `/v1/actions/${review.id}/decision`, { key: KEYS.bob, body: { decision: 'approve', version: 1 } });
    await second.call('POST', `/v1/actions/${critical.id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
    await second.call('POST', `/v1/actions/${critical.id}/decision`, { key: KEYS.carol, body: { decision: 'approve', version: 1 } });
    for (const p of pending) {
      const done = await second.waitFor(p.id, ['succeeded']);
      assert.equal(done.attempts, 1);
      assert.equal(target.callsFor(p.id).length, 1);
    }
  });
});
