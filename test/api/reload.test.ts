import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ReloadSummary } from '../../config/live.js';
import type { ActionState } from '../../domain/action.js';
import { runCli } from '../helpers/cli.js';
import { isolatedAgent, isolatedTool, KEYS, REQUESTS } from '../helpers/config.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';

/** The example policy's version, in force when the stack starts. */
const EXAMPLE_POLICY = 'example-2026-11';

/** Critical from 40 on: the example's review of 200 prod contacts (45) becomes critical. */
function tighten(file: Record<string, any>, version = 'tightened'): void {
  file.policy.version = version;
  file.policy.thresholds = { review: 20, critical: 40 };
}

describe('reloading the configuration', () => {
  let stack: Stack;
  // Agents of this file's own: a key rotated or a rate limit hit here touches no other suite.
  const rotated = isolatedAgent('rotated');
  const newcomer = isolatedAgent('newcomer');
  const limited = isolatedAgent('limited');
  before(async () => {
    // Retries 2 s apart: time to reload between two attempts.
    stack = await startStack({
      retry: { maxAttempts: 5, initialInterval: '2s', backoffCoefficient: 1, maximumInterval: '2s' },
      edit: (file) => {
        rotated.addTo(file);
        limited.addTo(file);
        // A limit from the start, so submissions are counted before any reload.
        file.limits.agentPerMinute = 100;
      },
    });
  });
  afterEach(() => {
    // Every test starts from the stack's own file.
    stack.writeConfig();
    stack.live.reload('test');
  });
  after(async () => {
    await stack.close();
  });

  const submit = (key: string, body: unknown, wait = 10) => stack.call<ActionState>('POST', `/v1/actions?wait=${wait}`, { key, body });
  const approve = (id: string, key: string, version = 1) =>
    stack.call<ActionState>('POST', `/v1/actions/${id}/decision`, { key, body: { decision: 'approve', version } });
  const reload = (key: string = KEYS.alice) => stack.call<ReloadSummary>('POST', '/v1/admin/reload', { key });

  it('a policy tightened by a reload sends an approved action back for approval, and the target is not called again until the new tier’s approvals', async () => {
    let failedOnce = false;
    stack.target.respond('crm.contacts.update', (call) => {
      if (call.body.sessionId !== 'reload-tightened' || failedOnce) return { status: 200 };
      failedOnce = true;
      return { status: 503 };
    });
    const submitted = await submit(KEYS.billingAgent, REQUESTS.prodUpdate({ sessionId: 'reload-tightened' }));
    assert.equal(submitted.body.status, 'awaiting_approval', JSON.stringify(submitted.body));
    assert.deepEqual([submitted.body.risk.tier, submitted.body.risk.policyVersion], ['review', EXAMPLE_POLICY]);
    const id = submitted.body.id;
    assert.equal((await approve(id, KEYS.bob)).status, 200);
    await eventually(async () => (stack.target.callsFor(id).length === 1 ? true : undefined), 10_000, 'the first attempt (503)');

    // Between the first attempt and its retry, 2 s later.
    stack.writeConfig((file) => tighten(file));
    const reloaded = await reload();
    assert.equal(reloaded.status, 200, JSON.stringify(reloaded.body));
    assert.deepEqual(reloaded.body.policyVersion, { before: EXAMPLE_POLICY, after: 'tightened' });
    assert.deepEqual(reloaded.body.changed, ['policy']);

    const back = await stack.waitFor(id, ['awaiting_approval', 'succeeded', 'failed']);
    assert.equal(back.status, 'awaiting_approval', 'the retry was re-authorized with the reloaded policy');
    assert.equal(back.risk.tier, 'critical');
    assert.ok(
      back.risk.factors.some((f) => f.name === 'reauthorized' && /policy tightened raised the tier from review to critical/.test(f.detail)),
      JSON.stringify(back.risk.factors),
    );
    assert.equal(stack.target.callsFor(id).length, 1, 'the retry never reached the tool');

    const one = await approve(id, KEYS.alice);
    assert.equal(one.body.status, 'awaiting_approval', 'critical needs two people');
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(stack.target.callsFor(id).length, 1, 'nothing ran on one approval, not even after the retry interval');
    const two = await approve(id, KEYS.carol);
    assert.equal(two.body.status, 'approved');
    const done = await stack.waitFor(id, ['succeeded', 'failed']);
    assert.equal(done.status, 'succeeded');
    assert.equal(stack.target.callsFor(id).length, 2);
    assert.deepEqual(stack.target.callsFor(id)[1]!.body.approvers, ['U0ALICE', 'U0CAROL']);
  });

  it('an invalid file keeps the configuration in force: 422 naming each bad field, and requests still authenticate and score with the old one', async () => {
    const before = stack.live.current;
    stack.writeConfig((file) => {
      newcomer.addTo(file);
      tighten(file);
      file.agents[0].keySha256 = 'demo-agent-key';
      file.tools['crm.contacts.read'].retry.initialInterval = 'soon';
    });
    const refused = await reload();
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error?.code, 'invalid_config');
    assert.deepEqual(
      (refused.body.error?.details as { field: string }[]).map((d) => d.field).sort(),
      ['agents[0].keySha256', 'tools["crm.contacts.read"].retry.initialInterval'],
    );
    assert.match(refused.body.error?.message ?? '', /not reloaded .*agents\[0\]\.keySha256/);
    assert.equal(stack.live.current, before, 'nothing of the file was taken');

    assert.equal((await submit(newcomer.key, REQUESTS.devRead({ sessionId: 'invalid-newcomer' }))).status, 401, 'the agent of the bad file is unknown');
    assert.equal((await submit(KEYS.billingAgent, REQUESTS.devRead({ sessionId: 'invalid-old-key' }))).body.status, 'succeeded', 'the key in force still works');
    const scored = await submit(KEYS.billingAgent, REQUESTS.prodUpdate({ sessionId: 'invalid-old-policy' }));
    assert.deepEqual([scored.body.status, scored.body.risk.tier, scored.body.risk.policyVersion], ['awaiting_approval', 'review', EXAMPLE_POLICY]);
    await stack.call('POST', `/v1/actions/${scored.body.id}/cancel`, { key: KEYS.alice });

    writeFileSync(stack.live.current.path, 'agents: [\n');
    const yaml = await reload();
    assert.equal(yaml.status, 422);
    assert.equal(yaml.body.error?.details[0].field, '(yaml)');
    assert.equal(stack.live.current, before);
  });

  it('an agent added, a key rotated and an operator removed by a reload are accepted or refused from the next request', async () => {
    const newKey = `${rotated.key}-2`;
    assert.equal((await submit(newcomer.key, REQUESTS.devRead({ sessionId: 'before-reload' }))).status, 401);
    assert.equal((await submit(rotated.key, REQUESTS.devRead({ sessionId: 'before-reload' }))).body.status, 'succeeded');
    assert.equal((await stack.call('GET', '/v1/actions?limit=1', { key: KEYS.bob })).status, 200);

    stack.writeConfig((file) => {
      newcomer.addTo(file);
      file.agents.find((a: { id: string }) => a.id === rotated.id).keySha256 = createHash('sha256').update(newKey).digest('hex');
      file.operators = file.operators.filter((o: { id: string }) => o.id !== 'bob');
    });
    const reloaded = await reload();
    assert.equal(reloaded.status, 200, JSON.stringify(reloaded.body));
    assert.deepEqual(reloaded.body.changed, ['agents', 'operators']);
    assert.deepEqual(reloaded.body.policyVersion, { before: EXAMPLE_POLICY, after: EXAMPLE_POLICY });

    assert.equal((await submit(newcomer.key, REQUESTS.devRead({ sessionId: 'after-reload' }))).body.status, 'succeeded', 'the new agent is in');
    assert.equal((await submit(rotated.key, REQUESTS.devRead({ sessionId: 'after-reload-old-key' }))).status, 401, 'the old key is out');
    assert.equal((await submit(newKey, REQUESTS.devRead({ sessionId: 'after-reload-new-key' }))).body.status, 'succeeded', 'the new key is in');
    assert.equal((await stack.call('GET', '/v1/actions?limit=1', { key: KEYS.bob })).status, 401, 'a removed operator is out');
    assert.equal((await stack.call(`GET`, `/v1/agents/${newcomer.id}`, { key: KEYS.alice })).status, 200, 'the operator routes know the new agent');
  });

  it('the tools and limits of a reloaded file apply to the next request: schemas compiled again, rate counts kept under the new limit', async () => {
    const read = (sessionId: string) => submit(limited.key, REQUESTS.devRead({ sessionId, parameters: { id: 'c-1' } }));
    assert.equal((await read('limits-1')).body.status, 'succeeded');

    stack.writeConfig((file) => {
      file.tools['crm.contacts.read'].parameters.required = ['id'];
      file.limits.agentPerMinute = 2;
    });
    const reloaded = await reload();
    assert.deepEqual(reloaded.body.changed, ['tools', 'limits']);

    // `ids` without `id` matched the schema in force before the reload.
    const schema = await submit(limited.key, REQUESTS.devRead({ sessionId: 'limits-schema' }));
    assert.equal(schema.status, 400, JSON.stringify(schema.body));
    assert.ok((schema.body.error?.details as { field: string }[]).some((d) => d.field.startsWith('parameters')), JSON.stringify(schema.body));
    // Two submissions counted in this minute, one of them before the reload: the new limit of 2 is reached.
    const throttled = await read('limits-2');
    assert.equal(throttled.status, 429, JSON.stringify(throttled.body));
    assert.match(throttled.body.error?.message ?? '', /at most 2 actions a minute \(limits\.agentPerMinute\)/);
  });

  it('a tool added by a reload executes at once: its own task queue is served without a restart', async () => {
    const added = isolatedTool('added');
    stack.writeConfig((file) => added.addTo(file, stack.target.url));
    assert.deepEqual((await reload()).body.changed, ['agents', 'tools']);
    const run = await submit(KEYS.billingAgent, added.request('reload-added-tool'));
    assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body));
    assert.equal(stack.target.callsFor(run.body.id).length, 1);
  });

  it('a reload says what changed: grants wait for a restart, and a policy changed under the same version is flagged', async () => {
    const grants = stack.live.current.file.grants;
    stack.writeConfig((file) => {
      file.grants = { ttl: '1m' };
      file.policy.factors.irreversible = 20;
    });
    const reloaded = await reload();
    assert.equal(reloaded.status, 200);
    assert.deepEqual(reloaded.body.changed, ['policy', 'grants']);
    assert.deepEqual(reloaded.body.restartRequired, ['grants']);
    assert.equal(reloaded.body.warnings.length, 2);
    assert.match(reloaded.body.warnings[0]!, /policy changed but policy\.version is still "example-2026-11"/);
    assert.deepEqual(stack.live.current.file.grants, grants, 'the grants loaded at start stay in force');
    assert.equal(stack.live.current.file.policy.factors.irreversible, 20);
  });

  it('only operators reload: an agent gets 403 and nothing is read', async () => {
    const before = stack.live.current;
    stack.writeConfig((file) => tighten(file));
    const asAgent = await reload(KEYS.billingAgent);
    assert.equal(asAgent.status, 403);
    assert.equal(asAgent.body.error?.code, 'forbidden');
    assert.equal((await stack.call('POST', '/v1/admin/reload')).status, 401);
    assert.equal(stack.live.current, before);
  });

  it('the CLI reloads, and names the bad field of an invalid file', async () => {
    stack.writeConfig((file) => tighten(file, 'tightened-cli'));
    const ok = await runCli(stack.url, KEYS.alice, ['reload']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /reloaded .*airlock\.yaml: changed policy/);
    assert.match(ok.stdout, /policy example-2026-11 -> tightened-cli/);

    stack.writeConfig((file) => (file.agents[0].keySha256 = 'nope'));
    const bad = await runCli(stack.url, KEYS.alice, ['reload']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /422 invalid_config: .*agents\[0\]\.keySha256/);
    assert.equal(stack.live.current.file.policy.version, 'tightened-cli');
  });
});
