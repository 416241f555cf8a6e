import type { ActionState } from '../../domain/action.js';
import { workflowIdOf } from '../../api/actions/ids.js';
import { randomUUID } from 'node:crypto';
import { agentWorkflowId, breakerWorkflowId, sessionWorkflowId } from '../../workflows/messages.js';
import { isolatedAgent, isolatedTool, KEYS, REQUESTS } from '../helpers/config.js';
import { startWebhookReceivers } from '../helpers/webhook-receiver.js';
import { startSlackStandIn } from '../helpers/slack.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startCountingTarget } from '../helpers/target.js';
import { startTestWorker, testEnv } from '../helpers/env.js';
import { testGrantKeys } from '../helpers/grants.js';
import { activityDepsFor } from '../../worker/index.js';

/** The paths the replay corpus must cover; the replay test checks every one has a history. */
export const REQUIRED_PATHS = [
  'auto',
  // Since auto actions are started and awaited to their close: no Update in the history.
  'auto-awaited',
  'review-approved',
  'critical-edit',
  'rejected',
  'expired',
  'cancelled',
  'execution-failed',
  'execution-failed-reported',
  'preview-unavailable',
  'denied',
  'frozen-while-executing',
  'agent-frozen-unfrozen',
  'approval-lapsed',
  'reauthorized-tier-rose',
  'session-outcome-reported',
  'standing-covered',
  'session-closed-cancelled',
  'session-closed',
  'session-outcome-batched',
  'breaker-waited-failed',
  'breaker-waited',
  'breaker',
  'slack-queue-approved',
  'executed-main-queue',
  'tool-overflow',
  'webhooks-delivered',
  'agent-frozen-webhook',
  // Since sessions linger once ended: the outcome of an action batched before the close, taken after it.
  'session-closed-lingered',
] as const;

type Path = (typeof REQUIRED_PATHS)[number];

async function decide(stack: Stack, id: string, key: string, body: Record<string, unknown>): Promise<ActionState> {
  const res = await stack.call<ActionState>('POST', `/v1/actions/${id}/decision`, { key, body });
  if (res.status !== 200) throw new Error(`decision on ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
}

async function waitUntilAsync(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
}

async function submit(stack: Stack, body: unknown): Promise<ActionState> {
  const res = await stack.call<ActionState>('POST', '/v1/actions?wait=20', { key: KEYS.billingAgent, body });
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Runs every path once against real Temporal (Slack through the stand-in) and returns the closed workflows' ids. */
export async function recordPaths(): Promise<{ name: Path; workflowId: string }[]> {
  const slack = await startSlackStandIn();
  const stack = await startStack({
    slack,
    approvalTimeout: '3s',
    edit: (file) => {
      file.approvals.channel = 'C0APPROVALS';
      file.approvals.maxAge = '2s';
      file.approvals.slackRetry = { maxAttempts: 3, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '200ms' };
    },
  });
  // Retries 2 s apart here, so a freeze lands between two attempts.
  const denying = await startStack({
    edit: (file) => (file.policy.thresholds.deny = 95),
    retry: { maxAttempts: 3, initialInterval: '2s', backoffCoefficient: 1, maximumInterval: '2s' },
  });
  const ids = new Map<Path, { stack: Stack; id: string }>();
  const extra: Stack[] = [];
  try {
    stack.target.respond('crm.contacts.read', (call) => (call.body.sessionId === 'fails' ? { status: 500 } : { status: 200, body: { ok: true } }));
    stack.target.respondPreview('crm.contacts.update', (call) =>
      call.body.sessionId === 'preview-down' ? { status: 503 } : { status: 200, body: { records: 200, summary: 'would update 200 contacts' } },
    );

    ids.set('auto', { stack, id: (await submit(stack, REQUESTS.devRead())).id });
    ids.set('auto-awaited', { stack, id: (await submit(stack, REQUESTS.devRead({ sessionId: 'awaited' }))).id });

    const review = await submit(stack, REQUESTS.prodUpdate());
    await decide(stack, review.id, KEYS.bob, { decision: 'approve', version: 1 });
    ids.set('review-approved', { stack, id: review.id });

    const critical = await submit(stack, REQUESTS.prodTransfer());
    const edited = await decide(stack, critical.id, KEYS.alice, {
      decision: 'approve',
      version: 1,
      edit: { parameters: { from: 'acct-9', to: 'acct-1', amount: 120_000, currency: 'USD' } },
    });
    await decide(stack, critical.id, KEYS.carol, { decision: 'approve', version: 2, paramsSha256: edited.versions[1]!.paramsSha256 });
    ids.set('critical-edit', { stack, id: critical.id });

    // approvals.maxAge: alice's approval lapses before carol's, so alice approves again.
    const lapsing = await submit(stack, REQUESTS.prodTransfer({ sessionId: 'lapsing' }));
    await decide(stack, lapsing.id, KEYS.alice, { decision: 'approve', version: 1 });
    await new Promise((r) => setTimeout(r, 2_500));
    await decide(stack, lapsing.id, KEYS.carol, { decision: 'approve', version: 1 });
    await decide(stack, lapsing.id, KEYS.alice, { decision: 'approve', version: 1 });
    ids.set('approval-lapsed', { stack, id: lapsing.id });

    const rejected = await submit(stack, REQUESTS.prodUpdate({ sessionId: 'rejected' }));
    await decide(stack, rejected.id, KEYS.alice, { decision: 'reject', version: 1, reason: 'wrong segment' });
    ids.set('rejected', { stack, id: rejected.id });

    ids.set('expired', { stack, id: (await submit(stack, REQUESTS.prodUpdate({ sessionId: 'expires' }))).id });

    const cancelled = await submit(stack, REQUESTS.prodUpdate({ sessionId: 'cancelled' }));
    await stack.call('POST', `/v1/actions/${cancelled.id}/cancel`, { key: KEYS.billingAgent });
    ids.set('cancelled', { stack, id: cancelled.id });

    ids.set('execution-failed', { stack, id: (await submit(stack, REQUESTS.devRead({ sessionId: 'fails' }))).id });
    // Since loop detection, a failure is reported to the agent's workflow first (behind a patch).
    ids.set('execution-failed-reported', { stack, id: (await submit(stack, REQUESTS.devRead({ sessionId: 'fails' }))).id });

    const down = await submit(stack, REQUESTS.prodUpdate({ sessionId: 'preview-down' }));
    await decide(stack, down.id, KEYS.bob, { decision: 'approve', version: 1 });
    ids.set('preview-unavailable', { stack, id: down.id });

    ids.set('denied', { stack: denying, id: (await submit(denying, REQUESTS.prodTransfer())).id });

    // The kill switch: an action stopped between attempts, and the agent's own workflow (frozen, then unfrozen).
    denying.target.respond('crm.contacts.read', () => ({ status: 503 }));
    const stopped = (await denying.call<ActionState>('POST', '/v1/actions?wait=0', { key: KEYS.supportAgent, body: REQUESTS.devRead() })).body;
    await waitUntil(() => denying.target.callsFor(stopped.id).length >= 1);
    await denying.call('POST', '/v1/agents/support-agent/freeze', { key: KEYS.alice, body: { reason: 'recording the corpus' } });
    await denying.waitFor(stopped.id, ['cancelled']);
    await denying.call('POST', '/v1/agents/support-agent/unfreeze', { key: KEYS.alice });
    ids.set('frozen-while-executing', { stack: denying, id: stopped.id });

    // Re-authorization: the worker's policy is tighter than the API's, so the approved review comes back as critical.
    const tightened: Stack = await startStack({
      noWorker: true,
      edit: (file) => {
        file.policy.version = 'tightened';
        file.policy.thresholds = { review: 20, critical: 40 };
      },
    });
    const reviewed: Stack = await startStack({ noWorker: true, taskQueue: tightened.taskQueue, target: tightened.target });
    extra.push(reviewed, tightened);
    const worker = await startTestWorker(tightened.taskQueue, testEnv.address, activityDepsFor(tightened.config, await testGrantKeys()));
    try {
      const rose = await submit(reviewed, REQUESTS.prodUpdate({ sessionId: 'tier-rose' }));
      await decide(reviewed, rose.id, KEYS.bob, { decision: 'approve', version: 1 });
      await reviewed.waitFor(rose.id, ['awaiting_approval']);
      await decide(reviewed, rose.id, KEYS.alice, { decision: 'approve', version: 1 });
      await decide(reviewed, rose.id, KEYS.carol, { decision: 'approve', version: 1 });
      await reviewed.client.workflow.getHandle(workflowIdOf(rose.id)).result();
      ids.set('reauthorized-tier-rose', { stack: reviewed, id: rose.id });
    } finally {
      await worker.stop();
    }

    // Sessions: an action reports its outcome to its session; a standing approval covers a like action; a
    // session closed between approval and execution cancels the action; the session's own workflow.
    const sessionId = `rec-${randomUUID().slice(0, 8)}`;
    const declared = await stack.call('POST', '/v1/sessions', { key: KEYS.billingAgent, body: { sessionId, intent: 'recording the corpus' } });
    if (declared.status !== 201) throw new Error(`declare: ${declared.status} ${JSON.stringify(declared.body)}`);
    // Reported by the workflow (before batching), then by the executor's batch.
    ids.set('session-outcome-reported', { stack, id: (await submit(stack, REQUESTS.devRead({ sessionId }))).id });
    ids.set('session-outcome-batched', { stack, id: (await submit(stack, REQUESTS.devRead({ sessionId }))).id });
    const granting = await submit(stack, REQUESTS.prodUpdate({ sessionId }));
    await decide(stack, granting.id, KEYS.bob, { decision: 'approve', version: 1, standing: { count: 1, minutes: 10 } });
    await waitUntilAsync(async () => (await stack.call('GET', `/v1/sessions/${sessionId}`, { key: KEYS.billingAgent })).body.standing.length === 1);
    ids.set('standing-covered', { stack, id: (await submit(stack, REQUESTS.prodUpdate({ sessionId }))).id });
    const closing = await submit(stack, REQUESTS.prodUpdate({ sessionId }));
    await stack.call('DELETE', `/v1/sessions/${sessionId}`, { key: KEYS.billingAgent });
    // Past the second for which a worker trusts a session it read as open.
    await new Promise((r) => setTimeout(r, 1_500));
    // Since closing a session cancels its pending actions, this one is usually cancelled by the close itself
    // (the history kept was recorded before that: approved, then cancelled by the executor's check).
    await stack.call('POST', `/v1/actions/${closing.id}/decision`, { key: KEYS.bob, body: { decision: 'approve', version: 1 } });
    ids.set('session-closed-cancelled', { stack, id: closing.id });
    // Opened by its action, so with the default budget (far from spent): its outcome waits for the batch window.
    const lingering = `rec-linger-${randomUUID().slice(0, 8)}`;
    await submit(stack, REQUESTS.devRead({ sessionId: lingering }));
    await stack.call('DELETE', `/v1/sessions/${lingering}`, { key: KEYS.billingAgent });

    // Since breakers: Slack calls on their own queue; an execution that waited for its tool's open
    // breaker (on the tool's own queue), then ran as its probe; the breaker's own workflow.
    const carded = await submit(stack, REQUESTS.prodUpdate({ sessionId: `rec-slack-${randomUUID().slice(0, 8)}` }));
    await decide(stack, carded.id, KEYS.bob, { decision: 'approve', version: 1 });
    ids.set('slack-queue-approved', { stack, id: carded.id });
    const flakyTarget = await startCountingTarget();
    const flaky = isolatedTool('rec-flaky', { breaker: { failures: 1, cooldown: '1s' } });
    // Since overflow: executions start on the main queue; one past the tool's maxConcurrent moves to the tool's queue.
    const narrow = isolatedTool('rec-narrow', { maxConcurrent: 1 });
    let flakyDown = true;
    flakyTarget.respond(flaky.name, () => (flakyDown ? { status: 503 } : { status: 200, body: { ok: true } }));
    flakyTarget.respond(narrow.name, () => ({ status: 200, body: { ok: true }, delayMs: 1_000 }));
    const breaking = await startStack({
      target: flakyTarget,
      edit: (file) => {
        flaky.addTo(file, flakyTarget.url);
        narrow.addTo(file, flakyTarget.url);
      },
    });
    const [first, second] = await Promise.all(
      [1, 2].map(async () => (await breaking.call<ActionState>('POST', '/v1/actions?wait=0', { key: KEYS.billingAgent, body: narrow.request(`rec-narrow-${randomUUID().slice(0, 8)}`) })).body),
    );
    await breaking.client.workflow.getHandle(workflowIdOf(first!.id)).result();
    await breaking.client.workflow.getHandle(workflowIdOf(second!.id)).result();
    const overflowed = async (id: string) =>
      ((await breaking.client.workflow.getHandle(workflowIdOf(id)).fetchHistory()).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'executeHttpTool').length > 1;
    const [spilled, direct] = (await overflowed(first!.id)) ? [first!, second!] : [second!, first!];
    ids.set('executed-main-queue', { stack: breaking, id: direct.id });
    ids.set('tool-overflow', { stack: breaking, id: spilled.id });
    extra.push(breaking);
    // While the tool stays down: waits, probes that fail, and the attempts run out (never more than maxAttempts).
    const exhausted = await submit(breaking, flaky.request(`rec-breaker-${randomUUID().slice(0, 8)}`));
    ids.set('breaker-waited-failed', { stack: breaking, id: exhausted.id });
    const started = await breaking.call<ActionState>('POST', '/v1/actions?wait=0', { key: KEYS.billingAgent, body: flaky.request(`rec-breaker-${randomUUID().slice(0, 8)}`) });
    const waited = started.body;
    await waitUntilAsync(async () => (await breaking.call('GET', `/v1/actions/${waited.id}`, { key: KEYS.alice })).body.waitingFor === 'breaker');
    flakyDown = false;
    await breaking.client.workflow.getHandle(workflowIdOf(waited.id)).result();
    await flakyTarget.close();
    ids.set('breaker-waited', { stack: breaking, id: waited.id });

    // Since webhooks: a review approved with a receiver of every action event (one answering 500 once), and an
    // agent's freeze told to a receiver of agent.frozen.
    const hooks = await startWebhookReceivers();
    hooks.respond('flaky', (_d, index) => (index === 0 ? 500 : 200));
    const hookedAgent = isolatedAgent('rec-hooked');
    const fast = { maxAttempts: 3, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '200ms' };
    const hooked = await startStack({
      webhooks: [
        { url: hooks.url('all'), secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`, events: ['action.awaiting_approval', 'action.approved', 'action.succeeded', 'agent.frozen'], retry: fast },
        { url: hooks.url('flaky'), secret: `whsec_${Buffer.alloc(32, 9).toString('base64')}`, events: ['action.succeeded'], retry: fast },
      ],
      edit: (file) => hookedAgent.addTo(file),
    });
    extra.push(hooked);
    try {
      const announced = await submit(hooked, REQUESTS.prodUpdate({ sessionId: `rec-hooks-${randomUUID().slice(0, 8)}` }));
      await decide(hooked, announced.id, KEYS.bob, { decision: 'approve', version: 1 });
      await hooked.client.workflow.getHandle(workflowIdOf(announced.id)).result();
      ids.set('webhooks-delivered', { stack: hooked, id: announced.id });
      await hooked.call('POST', `/v1/agents/${hookedAgent.id}/freeze`, { key: KEYS.alice, body: { reason: 'recording the corpus' } });
      await waitUntil(() => hooks.to('all').some((d) => d.body.type === 'agent.frozen'));
      // The delivery's completion is in the history before it is taken.
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await hooks.close();
    }

    const out: { name: Path; workflowId: string }[] = [];
    for (const name of REQUIRED_PATHS) {
      if (name === 'session-closed' || name === 'session-closed-lingered') {
        const workflowId = sessionWorkflowId('billing-agent', name === 'session-closed' ? sessionId : lingering);
        await stack.client.workflow.getHandle(workflowId).result();
        out.push({ name, workflowId });
        continue;
      }
      // A breaker's workflow runs for as long as its tool is used: its history so far is the record.
      if (name === 'breaker') {
        out.push({ name, workflowId: breakerWorkflowId(flaky.name) });
        continue;
      }
      // The agent's workflow runs for as long as the agent exists: its history so far is the record.
      if (name === 'agent-frozen-unfrozen') {
        out.push({ name, workflowId: agentWorkflowId('support-agent') });
        continue;
      }
      if (name === 'agent-frozen-webhook') {
        out.push({ name, workflowId: agentWorkflowId(hookedAgent.id) });
        continue;
      }
      const { stack: owner, id } = ids.get(name)!;
      await owner.client.workflow.getHandle(workflowIdOf(id)).result();
      out.push({ name, workflowId: workflowIdOf(id) });
    }
    return out;
  } finally {
    for (const s of extra) await s.close();
    await denying.close();
    await stack.close();
    await slack.close();
  }
}
