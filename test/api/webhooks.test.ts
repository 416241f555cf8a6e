import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { workflowIdOf } from '../../api/actions/ids.js';
import { parseConfigFile } from '../../config/index.js';
import type { ActionState } from '../../domain/action.js';
import { createLogger } from '../../lib/logger.js';
import { receiverId } from '../../lib/webhook-receivers.js';
import { agentWorkflowId } from '../../workflows/messages.js';
import { exampleYaml, isolatedAgent, KEYS, REQUESTS } from '../helpers/config.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';
import { startWebhookReceivers, type Delivery, type WebhookReceivers } from '../helpers/webhook-receiver.js';
import { parse, stringify } from 'yaml';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** Verifies a delivery exactly as a receiver would: its raw body and its headers. */
function verify(delivery: Delivery, key: string): unknown {
  return new Webhook(key).verify(delivery.raw, delivery.headers as Record<string, string>);
}

/** Every string in a workflow history, payloads decoded: what the Temporal UI can show. */
function historyText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(historyText).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(historyText).join('\n');
  return '';
}

const FAST = { maxAttempts: 5, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '200ms' };

describe('signed webhooks', () => {
  let stack: Stack;
  let hooks: WebhookReceivers;
  const secrets = { all: secret(), succeeded: secret(), flaky: secret(), down: secret(), hang: secret(), gone: secret() };
  // The `succeeded` receiver's secret comes from the environment, not the file.
  const SECRET_ENV = 'AIRLOCK_TEST_WEBHOOK_SECRET';
  const agent = isolatedAgent('hooked');

  before(async () => {
    hooks = await startWebhookReceivers();
    process.env[SECRET_ENV] = secrets.succeeded;
    hooks.respond('flaky', (_d, index) => (index < 3 ? 500 : 200));
    hooks.respond('down', () => 500);
    hooks.respond('hang', () => 'hang');
    hooks.respond('gone', () => 410);
    stack = await startStack({
      captureLogs: true,
      webhooks: [
        {
          url: hooks.url('all'),
          secret: secrets.all,
          events: ['action.awaiting_approval', 'action.approved', 'action.rejected', 'action.expired', 'action.succeeded', 'action.failed', 'action.cancelled', 'agent.frozen'],
          retry: FAST,
        },
        // Listed before the healthy one: it must not wait for them.
        { url: hooks.url('hang'), secret: secrets.hang, events: ['action.succeeded'], retry: { ...FAST, maxAttempts: 3 }, timeout: '500ms' },
        { url: hooks.url('down'), secret: secrets.down, events: ['action.succeeded'], retry: { ...FAST, maxAttempts: 4 } },
        { url: hooks.url('gone'), secret: secrets.gone, events: ['action.succeeded'], retry: FAST },
        // Whole seconds apart, so each attempt has a timestamp (and signature) of its own.
        { url: hooks.url('flaky'), secret: secrets.flaky, events: ['action.succeeded'], retry: { maxAttempts: 5, initialInterval: '1s', backoffCoefficient: 1, maximumInterval: '1s' } },
        { url: hooks.url('succeeded'), secretEnv: SECRET_ENV, events: ['action.succeeded'], retry: FAST },
      ],
      edit: (file) => agent.addTo(file),
    });
  });
  after(async () => {
    await stack.close();
    await hooks.close();
    delete process.env[SECRET_ENV];
  });

  const submit = (body: unknown, key: string = KEYS.billingAgent) => stack.call<ActionState>('POST', '/v1/actions?wait=10', { key, body });
  const decide = (id: string, key: string, body: Record<string, unknown>) => stack.call<ActionState>('POST', `/v1/actions/${id}/decision`, { key, body });
  const types = (list: Delivery[]) => list.map((d) => d.body.type);
  /** Waits until `name` got `count` deliveries about the action. */
  const received = (name: string, actionId: string, count: number) =>
    eventually(async () => (hooks.to(name, actionId).length >= count ? hooks.to(name, actionId) : undefined), 15_000, `${count} deliveries to ${name}`);

  it('an auto action delivers action.succeeded, signed: Webhook.verify accepts it with the secret and refuses another', async () => {
    const action = await submit(REQUESTS.devRead({ sessionId: 'hooks-auto' }));
    assert.equal(action.body.status, 'succeeded');
    const [delivery] = await received('all', action.body.id, 1);
    const payload = verify(delivery!, secrets.all) as Delivery['body'];
    assert.equal(payload.type, 'action.succeeded');
    assert.equal(payload.data.id, action.body.id);
    assert.equal(payload.data.status, 'succeeded');
    assert.equal(payload.data.attempts, 1);
    assert.equal(payload.timestamp, payload.data.updatedAt);
    assert.match(String(delivery!.headers['webhook-id']), /^msg_/);
    assert.match(String(delivery!.headers['webhook-signature']), /^v1,/);
    assert.ok(Math.abs(Number(delivery!.headers['webhook-timestamp']) - Date.now() / 1000) < 30, 'the timestamp is in seconds, now');
    assert.throws(() => verify(delivery!, secret()), /No matching signature/);
    assert.throws(() => verify({ ...delivery!, raw: delivery!.raw.replace('"succeeded"', '"failed"') }, secrets.all), /No matching signature/);
    // The secret named by secretEnv signs too.
    const [other] = await received('succeeded', action.body.id, 1);
    assert.equal((verify(other!, secrets.succeeded) as Delivery['body']).type, 'action.succeeded');
    assert.throws(() => verify(other!, secrets.all));
    // Nothing the auto path did not do: no approved, no other event.
    await stack.client.workflow.getHandle(workflowIdOf(action.body.id)).result();
    assert.deepEqual(types(hooks.to('all', action.body.id)), ['action.succeeded']);
  });

  it('an approval delivers action.awaiting_approval, action.approved and action.succeeded; only subscribed events reach a receiver', async () => {
    const action = await submit(REQUESTS.prodUpdate({ sessionId: 'hooks-approved' }));
    assert.equal(action.body.status, 'awaiting_approval');
    const [waiting] = await received('all', action.body.id, 1);
    const payload = verify(waiting!, secrets.all) as Delivery['body'];
    assert.equal(payload.type, 'action.awaiting_approval');
    assert.equal(payload.data.status, 'awaiting_approval');
    assert.equal(payload.data.risk.tier, 'review');
    assert.equal((await decide(action.body.id, KEYS.bob, { decision: 'approve', version: 1 })).status, 200);
    const all = await received('all', action.body.id, 3);
    await stack.client.workflow.getHandle(workflowIdOf(action.body.id)).result();
    assert.deepEqual(types(hooks.to('all', action.body.id)), ['action.awaiting_approval', 'action.approved', 'action.succeeded']);
    for (const d of all) verify(d, secrets.all);
    assert.equal((verify(all[1]!, secrets.all) as Delivery['body']).data.approvals[0].by, 'U0BOB');
    // One event, one id: three events, three ids.
    assert.equal(new Set(all.map((d) => d.headers['webhook-id'])).size, 3);
    assert.deepEqual(types(hooks.to('succeeded', action.body.id)), ['action.succeeded'], 'a receiver of action.succeeded hears nothing else');
  });

  it('a rejection delivers action.rejected with the reason; a cancel action.cancelled; a failed execution action.failed', async () => {
    stack.target.respond('crm.contacts.read', (call) => (call.body.sessionId === 'hooks-failed' ? { status: 400 } : { status: 200, body: { ok: true } }));
    const failed = await submit(REQUESTS.devRead({ sessionId: 'hooks-failed' }));
    assert.equal(failed.body.status, 'failed');
    const [failure] = await received('all', failed.body.id, 1);
    const failedPayload = verify(failure!, secrets.all) as Delivery['body'];
    assert.equal(failedPayload.type, 'action.failed');
    assert.equal(failedPayload.data.result.httpStatus, 400);

    const rejected = await submit(REQUESTS.prodUpdate({ sessionId: 'hooks-rejected' }));
    await decide(rejected.body.id, KEYS.alice, { decision: 'reject', version: 1, reason: 'wrong segment' });
    // Each event is its own delivery, running beside the others: they may arrive in either order.
    const last = (await received('all', rejected.body.id, 2)).find((d) => d.body.type === 'action.rejected');
    const payload = verify(last!, secrets.all) as Delivery['body'];
    assert.equal(payload.type, 'action.rejected');
    assert.equal(payload.data.approvals[0].reason, 'wrong segment');

    const cancelled = await submit(REQUESTS.prodUpdate({ sessionId: 'hooks-cancelled' }));
    assert.equal((await stack.call('POST', `/v1/actions/${cancelled.body.id}/cancel`, { key: KEYS.billingAgent })).status, 200);
    const end = (await received('all', cancelled.body.id, 2)).find((d) => d.body.type === 'action.cancelled');
    assert.equal((verify(end!, secrets.all) as Delivery['body']).type, 'action.cancelled');
    await stack.client.workflow.getHandle(workflowIdOf(cancelled.body.id)).result();
    assert.deepEqual(types(hooks.to('all', cancelled.body.id)).sort(), ['action.awaiting_approval', 'action.cancelled']);
    assert.equal(hooks.to('succeeded', cancelled.body.id).length + hooks.to('succeeded', rejected.body.id).length, 0);
  });

  it('freezing an agent delivers agent.frozen with its standing, signed, to the receivers of that event only', async () => {
    const frozen = await stack.call('POST', `/v1/agents/${agent.id}/freeze`, { key: KEYS.alice, body: { reason: 'webhook test' } });
    assert.equal(frozen.status, 200, JSON.stringify(frozen.body));
    const delivery = await eventually(
      async () => hooks.to('all').find((d) => d.body.type === 'agent.frozen' && d.body.data.agentId === agent.id),
      15_000,
      'agent.frozen',
    );
    const payload = verify(delivery, secrets.all) as Delivery['body'];
    const view = await stack.call('GET', `/v1/agents/${agent.id}`, { key: KEYS.alice });
    assert.deepEqual(payload.data, { agentId: agent.id, frozen: true, frozenBy: 'U0ALICE', frozenAt: view.body.frozenAt, reason: 'webhook test' });
    assert.equal(payload.timestamp, view.body.frozenAt);
    // A second freeze changes nothing, and tells nobody again.
    await stack.call('POST', `/v1/agents/${agent.id}/freeze`, { key: KEYS.alice, body: { reason: 'again' } });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(hooks.to('all').filter((d) => d.body.type === 'agent.frozen' && d.body.data.agentId === agent.id).length, 1);
    for (const name of ['succeeded', 'flaky', 'down', 'hang', 'gone']) assert.equal(hooks.to(name).filter((d) => d.body.type === 'agent.frozen').length, 0, name);
  });

  it('a receiver answering 500 three times then 200 gets the event on the fourth attempt, with one webhook-id and a fresh timestamp and signature each time', async () => {
    const action = await submit(REQUESTS.devRead({ sessionId: 'hooks-flaky' }));
    assert.equal(action.body.status, 'succeeded');
    const attempts = await received('flaky', action.body.id, 4);
    await stack.client.workflow.getHandle(workflowIdOf(action.body.id)).result();
    assert.equal(hooks.to('flaky', action.body.id).length, 4, 'delivered: no fifth attempt');
    assert.equal(new Set(attempts.map((d) => d.headers['webhook-id'])).size, 1);
    assert.equal(new Set(attempts.map((d) => d.headers['webhook-timestamp'])).size, 4);
    assert.equal(new Set(attempts.map((d) => d.headers['webhook-signature'])).size, 4);
    assert.equal(new Set(attempts.map((d) => d.raw)).size, 1, 'the body is the same on every attempt');
    for (const d of attempts) assert.equal((verify(d, secrets.flaky) as Delivery['body']).type, 'action.succeeded');
    // The id is the receiver's own: another receiver gets another id for the same event.
    assert.notEqual(hooks.to('succeeded', action.body.id)[0]!.headers['webhook-id'], attempts[0]!.headers['webhook-id']);
  });

  it('receivers that fail, hang or refuse delay neither the action nor another receiver, and their attempts stop at their bound', async () => {
    const action = await submit(REQUESTS.devRead({ sessionId: 'hooks-down' }));
    const answeredAt = Date.now();
    assert.equal(action.body.status, 'succeeded');
    const [prompt] = await received('succeeded', action.body.id, 1);
    // The run closes once every delivery has ended, delivered or not.
    await stack.client.workflow.getHandle(workflowIdOf(action.body.id)).result();
    // Causal, not timed: the agent had its answer, and the healthy receiver its event, while the failing one was still being retried.
    const lastDown = hooks.to('down', action.body.id).at(-1)!.at;
    assert.ok(answeredAt < lastDown, 'the action was answered before the failing receiver’s last attempt');
    assert.ok(prompt!.at < lastDown, 'the healthy receiver got its event before the failing receiver’s last attempt');
    assert.equal(hooks.to('down', action.body.id).length, 4, 'down: retry.maxAttempts 4');
    assert.equal(hooks.to('hang', action.body.id).length, 3, 'hang: retry.maxAttempts 3, each cut at its 500 ms timeout');
    assert.equal(hooks.to('gone', action.body.id).length, 1, 'a 410 is final: another try would get the same');
    // On a task queue of their own: a hanging receiver holds a delivery slot, never an executor's.
    const scheduled = ((await stack.client.workflow.getHandle(workflowIdOf(action.body.id)).fetchHistory()).events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes ?? []);
    const queues = new Set(scheduled.filter((a) => a.activityType?.name === 'deliverWebhook').map((a) => a.taskQueue?.name));
    assert.deepEqual([...queues], [`${stack.taskQueue}-webhooks`]);
    assert.equal(scheduled.filter((a) => a.activityType?.name === 'deliverWebhook').length, 6, 'one activity per receiver of the event');
  });

  it('no secret reaches a workflow history (only the receiver ids) nor the logs', async () => {
    const action = await submit(REQUESTS.prodUpdate({ sessionId: 'hooks-history' }));
    await decide(action.body.id, KEYS.bob, { decision: 'approve', version: 1 });
    await received('all', action.body.id, 3);
    const handle = stack.client.workflow.getHandle(workflowIdOf(action.body.id));
    await handle.result();
    const histories = [await handle.fetchHistory(), await stack.client.workflow.getHandle(agentWorkflowId(agent.id)).fetchHistory()].map(historyText);
    for (const text of histories) {
      assert.ok(text.includes(receiverId(hooks.url('all'))), 'the history names the receiver by its id');
      assert.ok(text.includes('deliverWebhook'));
      for (const [name, value] of Object.entries(secrets)) {
        assert.ok(!text.includes(value) && !text.includes(value.slice('whsec_'.length)), `${name}'s secret is in a history`);
      }
      assert.ok(!text.includes(hooks.url('all')), 'nor its URL');
    }
    const logs = stack.logs.join('\n');
    assert.ok(logs.length > 0);
    for (const value of Object.values(secrets)) assert.ok(!logs.includes(value.slice('whsec_'.length)), 'a secret is in the logs');
    // Should the configuration itself be logged, its secrets are redacted.
    const lines: string[] = [];
    createLogger({ level: 'info' }, { write: (line: string) => void lines.push(line) }).info({ webhooks: stack.config.file.webhooks, config: stack.config.file }, 'configuration');
    assert.ok(lines.join('').includes('[redacted]'));
    assert.ok(!lines.join('').includes(secrets.all.slice('whsec_'.length)));
  });
});

describe('without webhooks', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  it('an action does nothing more than before: no subscriptions in its input, no marker, no delivery', async () => {
    const action = await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: KEYS.billingAgent, body: REQUESTS.devRead({ sessionId: 'no-hooks' }) });
    assert.equal(action.body.status, 'succeeded');
    const handle = stack.client.workflow.getHandle(workflowIdOf(action.body.id));
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const text = historyText(events);
    // New actions record no patch markers at all (airlockAction asks no patch), webhooks' least of all.
    assert.equal(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length, 0);
    assert.ok(text.includes('executeHttpTool'), 'the history is the action run');
    assert.ok(!text.includes('webhooks') && !text.includes('airlock-webhooks') && !text.includes('deliverWebhook'));
  });
});

describe('webhook configuration', () => {
  const withWebhooks = (webhooks: unknown[]) => {
    const file = parse(exampleYaml()) as Record<string, unknown>;
    file.webhooks = webhooks;
    return stringify(file);
  };
  const issues = (webhooks: unknown[]) => {
    try {
      parseConfigFile(withWebhooks(webhooks), 'test.yaml');
      return [];
    } catch (err) {
      return (err as { issues: { field: string; message: string }[] }).issues;
    }
  };

  it('defaults to none, and to 8 attempts from 1 s, doubling, at most 5 min apart', () => {
    assert.deepEqual(parseConfigFile(exampleYaml(), 'airlock.yaml').webhooks, []);
    const [hook] = parseConfigFile(withWebhooks([{ url: 'https://example.com/hook', secret: secret(), events: ['action.failed'] }]), 't').webhooks;
    assert.deepEqual(hook!.retry, { maxAttempts: 8, initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 300_000 });
    assert.equal(hook!.timeout, 10_000);
  });

  it('a bad secret, event, url or a missing secretEnv variable is refused naming the field, never echoing the secret', () => {
    const short = `whsec_${randomBytes(16).toString('base64')}`;
    const found = issues([
      { url: 'https://example.com/a', secret: short, events: ['action.failed'] },
      { url: 'https://example.com/b', secret: 'not-a-secret', events: ['action.failed'] },
      { url: 'https://example.com/c', secret: secret(), events: ['action.exploded'] },
      { url: 'ftp://example.com/d', secret: secret(), events: ['action.failed'] },
      { url: 'https://example.com/f', events: ['action.failed'] },
    ]);
    const fields = found.map((i) => i.field);
    for (const field of ['webhooks[0].secret', 'webhooks[1].secret', 'webhooks[2].events[0]', 'webhooks[3].url', 'webhooks[4].secret']) {
      assert.ok(fields.includes(field), `${field} in ${JSON.stringify(found)}`);
    }
    assert.match(found.find((i) => i.field === 'webhooks[0].secret')!.message, /16 bytes; at least 24/);
    assert.ok(!JSON.stringify(found).includes(short.slice(6)), 'the secret is not repeated');
    const twice = issues([
      { url: 'https://example.com/a', secret: secret(), events: ['action.failed'] },
      { url: 'https://example.com/a', secret: secret(), events: ['agent.frozen'] },
    ]);
    assert.deepEqual(twice.map((i) => i.field), ['webhooks[1].url'], 'a receiver is listed once');
    // A secret kept in the environment is checked at load too.
    const unset = issues([{ url: 'https://example.com/e', secretEnv: 'AIRLOCK_TEST_UNSET_SECRET', events: ['action.failed'] }]);
    assert.deepEqual(unset, [{ field: 'webhooks[0].secretEnv', message: 'the environment variable AIRLOCK_TEST_UNSET_SECRET is not set' }]);
    process.env.AIRLOCK_TEST_SHORT_SECRET = short;
    try {
      const weak = issues([{ url: 'https://example.com/e', secretEnv: 'AIRLOCK_TEST_SHORT_SECRET', events: ['action.failed'] }]);
      assert.deepEqual(weak.map((i) => i.field), ['webhooks[0].secretEnv']);
      assert.ok(!JSON.stringify(weak).includes(short.slice(6)));
    } finally {
      delete process.env.AIRLOCK_TEST_SHORT_SECRET;
    }
  });
});
