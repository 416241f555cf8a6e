import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import type { ToolView } from '../../domain/tool-view.js';
import { breakerWorkflowId, searchAttributes } from '../../workflows/messages.js';
import { workflowIdOf } from '../../api/actions/ids.js';
import { runCli } from '../helpers/cli.js';
import { startSlackStandIn } from '../helpers/slack.js';
import { isolatedTool, KEYS, REQUESTS } from '../helpers/config.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';
import { startCountingTarget, type CountingTarget, type TargetCall } from '../helpers/target.js';

/** Submits `count` auto actions of `tool` without waiting; their ids. */
async function submitMany(stack: Stack, tool: ReturnType<typeof isolatedTool>, count: number, session: string): Promise<string[]> {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => stack.call<ActionState>('POST', '/v1/actions?wait=0', { key: KEYS.billingAgent, body: tool.request(`${session}-${i}`) })),
  );
  for (const a of answers) assert.equal(a.status, 202, JSON.stringify(a.body));
  return answers.map((a) => a.body.id);
}

const toolView = async (stack: Stack, name: string) => (await stack.call<ToolView>('GET', `/v1/tools/${name}`, { key: KEYS.alice })).body;

/** Every action ends `succeeded` with exactly one call answered 200 (the target answers 200 from `recoverAt` on). */
async function assertEachSucceededOnce(stack: Stack, target: CountingTarget, ids: string[], recoverAt: number, timeoutMs: number): Promise<void> {
  const succeededCalls = (id: string) => target.callsFor(id).filter((c) => c.at >= recoverAt);
  for (const id of ids) {
    const done = await stack.waitFor(id, ['succeeded', 'failed'], timeoutMs);
    assert.equal(done.status, 'succeeded', `${id}: ${JSON.stringify(done.error)}`);
    assert.equal(done.waitingFor, undefined);
    assert.equal(succeededCalls(id).length, 1, `${id} had exactly one successful call`);
    assert.ok(done.attempts >= 1 && done.attempts <= 3, `${id} used ${done.attempts} attempts`);
  }
}

describe('circuit breaker', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('30 actions against a target failing for 20 s (failures 3, cooldown 5s, maxAttempts 3): at most 15 calls during the outage, then each succeeds with one successful call', async (t) => {
    const target = await startCountingTarget();
    cleanups.push(() => target.close());
    const tool = isolatedTool('flaky', { breaker: { failures: 3, cooldown: '5s', maxConcurrent: 5 } });
    const stack = await startStack({ target, edit: (file) => tool.addTo(file, target.url) });
    cleanups.push(() => stack.close());
    const recoverAt = Date.now() + 20_000;
    target.respond(tool.name, () => (Date.now() < recoverAt ? { status: 500 } : { status: 200, body: { ok: true } }));

    const ids = await submitMany(stack, tool, 30, 'outage');

    // While it is open: the operators' view, the actions' state, the CLI and the Temporal UI's search attribute.
    const open = await eventually(async () => {
      const view = await toolView(stack, tool.name);
      return view.breaker?.state === 'open' && view.breaker.waiting >= 20 ? view : undefined;
    }, 10_000, 'the breaker to open with the actions waiting');
    assert.equal(open.breaker?.settings?.failures, 3);
    assert.ok(open.breaker?.openedAt && open.breaker.nextProbeAt && Date.parse(open.breaker.nextProbeAt) > Date.parse(open.breaker.openedAt));
    assert.match(open.breaker?.lastError ?? '', /executor answered 500/);
    // The last action may still be ending an attempt the breaker refused when the count is reached.
    const waiting = await eventually(async () => {
      const state = (await stack.call<ActionState>('GET', `/v1/actions/${ids[29]}`, { key: KEYS.alice })).body;
      return state.waitingFor === 'breaker' ? state : undefined;
    }, 10_000, `${ids[29]} to wait for the breaker`);
    assert.deepEqual([waiting.status, waiting.waitingFor], ['executing', 'breaker']);
    const cli = await runCli(stack.url, KEYS.alice, ['tool', tool.name]);
    assert.match(cli.stdout, new RegExp(`${tool.name.replace('.', '\\.')} \\(read; dev\\): breaker OPEN since .*, next probe at `));
    assert.match(cli.stdout, /\d+ waiting/);
    const query = `WorkflowId = '${breakerWorkflowId(tool.name)}' AND ${searchAttributes.breakerState.name} = 'open' AND ${searchAttributes.tool.name} = '${tool.name}'`;
    await eventually(async () => ((await stack.client.workflow.count(query)).count === 1 ? true : undefined), 10_000, 'the breaker in visibility');

    await assertEachSucceededOnce(stack, target, ids, recoverAt, 60_000);
    const duringOutage = target.callsTo(tool.name).filter((c: TargetCall) => c.at < recoverAt).length;
    t.diagnostic(`calls during the 20 s outage: ${duringOutage} (30 actions × 3 attempts would be 90)`);
    assert.ok(duringOutage <= 15, `the target received ${duringOutage} calls during the outage`);
    assert.equal(target.callsTo(tool.name).length, duringOutage + 30);
    const closed = await toolView(stack, tool.name);
    assert.deepEqual([closed.breaker?.state, closed.breaker?.failures, closed.breaker?.waiting, closed.breaker?.recoveries], ['closed', 0, 0, 1]);
  });

  it('an open breaker survives a restart of worker and API: still open, and its waiting actions run once the tool is back', async () => {
    const target = await startCountingTarget();
    cleanups.push(() => target.close());
    const tool = isolatedTool('restarted', { breaker: { failures: 2, cooldown: '3s' } });
    const edit = (file: Record<string, any>) => tool.addTo(file, target.url);
    let down = true;
    target.respond(tool.name, () => (down ? { status: 503 } : { status: 200 }));
    const first = await startStack({ target, edit });
    const ids = await submitMany(first, tool, 6, 'restart');
    await eventually(async () => {
      const view = await toolView(first, tool.name);
      return view.breaker?.state === 'open' && view.breaker.waiting >= 4 ? true : undefined;
    }, 10_000, 'the breaker to open');
    await first.close();

    const second = await startStack({ target, edit, taskQueue: first.taskQueue });
    cleanups.push(() => second.close());
    const view = await toolView(second, tool.name);
    assert.notEqual(view.breaker?.state, 'closed', 'still open after the restart');
    assert.equal(view.breaker?.recoveries, 0);
    assert.ok((view.breaker?.waiting ?? 0) + (view.breaker?.released ?? 0) >= 4);
    const recoverAt = Date.now();
    down = false;
    await assertEachSucceededOnce(second, target, ids, recoverAt, 30_000);
    assert.equal((await toolView(second, tool.name)).breaker?.state, 'closed');
  });

  it('a slow tool runs at most maxConcurrent executions at once per worker, and another tool’s action runs meanwhile', async () => {
    const target = await startCountingTarget();
    cleanups.push(() => target.close());
    const slow = isolatedTool('slow', { maxConcurrent: 3 });
    const stack = await startStack({ target, edit: (file) => slow.addTo(file, target.url) });
    cleanups.push(() => stack.close());
    const delayMs = 1_500;
    target.respond(slow.name, () => ({ status: 200, delayMs }));
    const ids = await submitMany(stack, slow, 9, 'slow');
    await eventually(async () => (target.callsTo(slow.name).length >= 3 ? true : undefined), 10_000, 'the first slow calls');

    const fast = await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: KEYS.billingAgent, body: REQUESTS.devRead({ sessionId: 'beside-slow' }) });
    assert.equal(fast.body.status, 'succeeded');
    assert.ok(target.callsTo(slow.name).length < 9, 'the slow tool’s executions were still queued when the other tool’s ran');

    for (const id of ids) assert.equal((await stack.waitFor(id, ['succeeded'], 30_000)).attempts, 1);
    // Every call is answered `delayMs` after it arrives: the calls that arrived within `delayMs` of one another were in flight together.
    const arrivals = target.callsTo(slow.name).map((c) => c.at);
    const inFlight = Math.max(...arrivals.map((at) => arrivals.filter((other) => other <= at && other > at - delayMs).length));
    assert.equal(inFlight, 3);
    // The first three ran on the main queue; the rest were refused there at once and queued on the tool's own.
    let overflowed = 0;
    for (const id of ids) {
      const history = await stack.client.workflow.getHandle(workflowIdOf(id)).fetchHistory();
      const queues = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name === 'executeHttpTool' ? [e.activityTaskScheduledEventAttributes.taskQueue?.name] : []));
      if (queues.includes(`${stack.taskQueue}-tool-${slow.name}`)) overflowed++;
    }
    assert.ok(overflowed >= 6, `${overflowed} of 9 executions went to the tool's own queue`);
  });

  it('waiting for an open breaker holds no attempt and not past the deadline: the action fails at its deadline, having called once', async () => {
    const target = await startCountingTarget();
    cleanups.push(() => target.close());
    const tool = isolatedTool('stuck', { breaker: { failures: 1, cooldown: '30s' } });
    target.respond(tool.name, () => ({ status: 503 }));
    const stack = await startStack({
      target,
      edit: (file) => {
        tool.addTo(file, target.url);
        file.tools[tool.name].executors.dev.deadline = '3s';
      },
    });
    cleanups.push(() => stack.close());
    const started = Date.now();
    const { body } = await stack.call<ActionState>('POST', '/v1/actions?wait=0', { key: KEYS.billingAgent, body: tool.request('stuck') });
    const waiting = await eventually(async () => {
      const state = (await stack.call<ActionState>('GET', `/v1/actions/${body.id}`, { key: KEYS.alice })).body;
      return state.waitingFor === 'breaker' ? state : undefined;
    }, 5_000, 'the wait');
    assert.equal(waiting.attempts, 1, 'the attempt made before the breaker opened shows while it waits');
    const done = await stack.waitFor(body.id, ['failed', 'succeeded'], 15_000);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'ExecutorDeadline');
    assert.match(done.error?.message ?? '', /waiting for the circuit breaker/);
    assert.equal(done.attempts, 1, 'the wait used no attempt');
    assert.equal(target.callsFor(body.id).length, 1);
    assert.ok(Date.now() - started < 10_000, 'it ended at its deadline, not at the cooldown');
    assert.equal((await toolView(stack, tool.name)).breaker?.waiting, 0, 'it left the queue');
  });

  it('Slack calls have a task queue of their own; an execution starts on the main queue, where no poll stands between workflow and activity', async () => {
    const slack = await startSlackStandIn();
    cleanups.push(() => slack.close());
    const stack = await startStack({
      slack,
      edit: (file) => Object.assign(file.approvals, { channel: 'C0APPROVALS', slackRetry: { maxAttempts: 2, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '100ms' } }),
    });
    cleanups.push(() => stack.close());
    const { body } = await stack.call<ActionState>('POST', '/v1/actions?wait=5', { key: KEYS.billingAgent, body: REQUESTS.prodUpdate({ sessionId: 'queues' }) });
    assert.equal(body.status, 'awaiting_approval');
    await stack.call('POST', `/v1/actions/${body.id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
    await stack.waitFor(body.id, ['succeeded']);
    const history = await stack.client.workflow.getHandle(workflowIdOf(body.id)).fetchHistory();
    const queues = new Map<string, string>();
    for (const e of history.events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name) queues.set(scheduled.activityType.name, scheduled.taskQueue?.name ?? '');
    }
    assert.equal(queues.get('slackPostCard'), `${stack.taskQueue}-slack`);
    assert.equal(queues.get('executeHttpTool'), stack.taskQueue);
  });

  it('GET /v1/tools/:name is for operators: unknown tools are 404, a tool without a breaker shows its default bound', async () => {
    const stack = await startStack();
    cleanups.push(() => stack.close());
    const view = await toolView(stack, 'payments.transfer');
    assert.deepEqual([view.operation, view.environments, view.maxConcurrent, view.maxAttempts, view.breaker], ['transfer', ['prod'], 10, 3, null]);
    assert.equal((await stack.call('GET', '/v1/tools/payments.transfer', { key: KEYS.billingAgent })).status, 403);
    assert.equal((await stack.call('GET', '/v1/tools/no.such.tool', { key: KEYS.alice })).status, 404);
    const bad = await stack.call('GET', '/v1/tools/Not%20A%20Tool', { key: KEYS.alice });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].field, 'params.name');
  });
});
