import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { ActionGateway, workflowIdOf } from '../../api/actions/gateway.js';
import type { ActionState } from '../../domain/action.js';
import type { DecisionInput } from '../../domain/decision.js';
import type { airlockAction } from '../../workflows/action-workflow.js';
import { decideUpdate } from '../../workflows/messages.js';
import { REQUESTS, testConfig } from '../helpers/config.js';
import { startTestWorker, testClient, testEnv, uniqueTaskQueue } from '../helpers/env.js';
import { startCountingTarget, type CountingTarget } from '../helpers/target.js';
import { workflowCacheOptions } from '../../worker/cache.js';
import { bundleWorkflowsApart } from '../../worker/bundle.js';

const alice: DecisionInput = { by: 'U0ALICE', ids: ['U0ALICE'], groups: [], decision: 'approve', version: 1, via: 'api' };

describe('the workflow cache (maxCachedWorkflows)', () => {
  let client: Client;
  let closeClient: () => Promise<void>;
  let target: CountingTarget;
  let taskQueue: string;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  before(async () => {
    ({ client, close: closeClient } = await testClient());
    target = await startCountingTarget();
    taskQueue = uniqueTaskQueue('cache');
    // The smallest cache the SDK allows: of six waiting actions, at least four are evicted.
    worker = await startTestWorker(taskQueue, testEnv.address, {}, undefined, { maxCachedWorkflows: 2 });
  });
  after(async () => {
    await worker.stop();
    await closeClient();
    await target.close();
  });

  it('a decision on an action evicted from the cache replays it and executes it exactly once', async () => {
    const config = testConfig({ targetUrl: target.url, taskQueue, temporalAddress: testEnv.address });
    const gateway = new ActionGateway(client, config);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const settled = await gateway.submit(config.file.agents[0]!, REQUESTS.prodUpdate({ parameters: { set: { tier: 'gold' }, where: { segment: i } } }), 5_000);
      assert.equal(settled.status, 'awaiting_approval');
      ids.push(settled.id);
    }
    assert.ok(worker.worker.cachedWorkflows() <= 2, `${worker.worker.cachedWorkflows()} workflows cached`);

    // The first, long evicted, alone; then the rest at once, each evicting another.
    const decide = async (id: string): Promise<ActionState> => {
      const handle = client.workflow.getHandle<typeof airlockAction>(workflowIdOf(id));
      assert.equal((await handle.executeUpdate(decideUpdate, { args: [alice] })).status, 'approved');
      return handle.result();
    };
    assert.equal((await decide(ids[0]!)).status, 'succeeded');
    const rest = await Promise.all(ids.slice(1).map(decide));
    assert.deepEqual(rest.map((s) => s.status), Array(5).fill('succeeded'));
    for (const id of ids) assert.equal(target.callsFor(id).length, 1, `${id} executed once`);
    assert.ok(worker.worker.cachedWorkflows() <= 2);
  });

  it('workflow code captures no stack for its promises (the SDK source-maps and keeps one per pending promise)', async () => {
    const config = testConfig({ targetUrl: target.url, taskQueue, temporalAddress: testEnv.address });
    const settled = await new ActionGateway(client, config).submit(config.file.agents[0]!, REQUESTS.prodUpdate({ parameters: { set: { tier: 'silver' }, where: { segment: 99 } } }), 5_000);
    assert.equal(settled.status, 'awaiting_approval');
    // The stack-trace query answers from what the SDK kept for the action's pending promises.
    const stacks = await client.workflow.getHandle(workflowIdOf(settled.id)).query<string>('__stack_trace');
    assert.doesNotMatch(stacks, /action-workflow|at /);
  });

  it('runs workflow code on 2 threads (each call into a workflow waits on a watchdog thread; one thread was the bottleneck)', () => {
    assert.equal(worker.worker.workflowThreads(), 2);
  });
});

describe('AIRLOCK_WORKFLOW_STACK_TRACES', () => {
  it('a worker bundled with stack traces records where a pending action waits (the Web UI\'s stack-trace tab)', async () => {
    const { client, close } = await testClient();
    const target = await startCountingTarget();
    const taskQueue = uniqueTaskQueue('stacks');
    const worker = await startTestWorker(taskQueue, testEnv.address, {}, undefined, { workflowBundle: { code: await bundleWorkflowsApart({ stackTraces: true }) } });
    try {
      const config = testConfig({ targetUrl: target.url, taskQueue, temporalAddress: testEnv.address });
      const settled = await new ActionGateway(client, config).submit(config.file.agents[0]!, REQUESTS.prodUpdate({ parameters: { set: { tier: 'bronze' }, where: { segment: 98 } } }), 5_000);
      assert.equal(settled.status, 'awaiting_approval');
      const stacks = await client.workflow.getHandle(workflowIdOf(settled.id)).query<string>('__stack_trace');
      assert.match(stacks, /at decideAndExecute \(.*action-workflow\.ts:\d+:\d+\)/);
    } finally {
      await worker.stop();
      await close();
      await target.close();
    }
  });
});

describe('workflow task slots', () => {
  it('a worker runs up to 200 workflow tasks at once (an auto action’s first task holds its call), never more than its cache holds', () => {
    assert.deepEqual(workflowCacheOptions(), { maxCachedWorkflows: 500, maxConcurrentWorkflowTaskExecutions: 200 });
    assert.equal(workflowCacheOptions(50).maxConcurrentWorkflowTaskExecutions, 50);
    assert.equal(workflowCacheOptions(1).maxConcurrentWorkflowTaskExecutions, 2);
    assert.equal(workflowCacheOptions(0).maxConcurrentWorkflowTaskExecutions, 200);
    assert.equal(workflowCacheOptions(500, 100).maxConcurrentWorkflowTaskExecutions, 100);
    assert.equal(workflowCacheOptions(50, 100).maxConcurrentWorkflowTaskExecutions, 50);
    assert.equal(workflowCacheOptions(0, 7).maxConcurrentWorkflowTaskExecutions, 7);
  });
});
