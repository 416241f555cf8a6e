import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import type { GrantRequest, GrantSigner } from '../../grants/sign.js';
import { createLogger } from '../../lib/logger.js';
import { freePort } from '../../temporal/dev-server.js';
import { startDemoTarget, type DemoTarget } from '../../demo/target.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { testSigner } from '../helpers/grants.js';
import { startStack, type Stack } from '../helpers/stack.js';

const silent = createLogger({ level: 'silent' });

/** The body Airlock sends for `parameters`, and a grant request matching it. */
function callOf(tool: string, parameters: Record<string, unknown>, mode: GrantRequest['mode'] = 'execute') {
  const actionId = `billing-agent.${randomBytes(12).toString('hex')}`;
  const body = { actionId, agentId: 'billing-agent', tool, environment: 'prod' as const, parameters, approvers: [], version: 1 };
  const grant: GrantRequest = { tool, agentId: 'billing-agent', actionId, environment: 'prod', mode, tier: 'review', approvers: [], parameters };
  return { body, grant };
}

describe('the demo target trusts only grants', () => {
  let stack: Stack;
  let demo: DemoTarget;
  let signer: GrantSigner;
  before(async () => {
    signer = await testSigner();
    // The demo's port is known before Airlock's configuration points the tools at it; the demo then fetches the API's JWKS.
    const port = await freePort();
    stack = await startStack({
      edit: (file) => {
        for (const [name, tool] of Object.entries<Record<string, any>>(file.tools)) {
          for (const executor of Object.values<Record<string, any>>(tool.executors)) {
            executor.url = `http://127.0.0.1:${port}/tools/${name}`;
            if (executor.previewUrl) executor.previewUrl = `http://127.0.0.1:${port}/tools/${name}/preview`;
          }
        }
      },
    });
    demo = await startDemoTarget({ port, host: '127.0.0.1', logger: silent, issuer: 'airlock', jwksUrl: `${stack.url}/.well-known/jwks.json` });
  });
  after(async () => {
    await demo.close();
    await stack.close();
  });

  async function post(path: string, body: unknown, grant?: string) {
    const res = await fetch(`${demo.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(grant ? { authorization: `Bearer ${grant}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  it('a direct call with no grant, a grant for another tool or altered parameters gets 401 and does nothing', async () => {
    const { body, grant } = callOf('db.records.delete', { table: 'customers', where: {} });
    const before = demo.executed.length;

    const none = await post('/tools/db.records.delete', body);
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'missing');
    const otherTool = await post('/tools/db.records.delete', body, await signer.sign({ ...grant, tool: 'crm.contacts.read' }));
    assert.equal(otherTool.status, 401);
    assert.equal(otherTool.body.error.code, 'wrong_audience');
    const narrowed = await signer.sign({ ...grant, parameters: { table: 'customers', where: { id: 42 } } });
    const widened = await post('/tools/db.records.delete', body, narrowed);
    assert.equal(widened.status, 401);
    assert.equal(widened.body.error.code, 'params_mismatch');
    const previewGrant = await post('/tools/db.records.delete', body, await signer.sign({ ...grant, mode: 'preview' }));
    assert.equal(previewGrant.status, 401, 'a preview grant cannot execute');
    assert.equal(demo.executed.length, before, 'nothing was done');

    const granted = await post('/tools/db.records.delete', body, await signer.sign(grant));
    assert.equal(granted.status, 200, 'the same call with its own grant runs');
    assert.deepEqual(demo.executed.slice(before), [{ tool: 'db.records.delete', actionId: body.actionId }]);
  });

  it('previews count the rows a where matches and echo amounts, under a preview grant only', async () => {
    const preview = async (tool: string, parameters: Record<string, unknown>) => {
      const { body, grant } = callOf(tool, parameters, 'preview');
      return post(`/tools/${tool}/preview`, body, await signer.sign(grant));
    };
    const all = await preview('db.records.delete', { table: 'customers', where: {} });
    assert.deepEqual(all, { status: 200, body: { records: 48_211, reversible: false, summary: 'would delete 48 211 rows from customers' } });
    assert.equal((await preview('db.records.delete', { table: 'customers', where: { id: 42 } })).body.records, 1);
    const update = await preview('crm.contacts.update', { set: { tier: 'gold' }, where: { segment: 7 } });
    assert.deepEqual(update.body, { records: 200, reversible: true, summary: 'would update 200 contacts' });
    const transfer = await preview('payments.transfer', { amount: 250_000, currency: 'USD', to: 'acct-evil' });
    assert.deepEqual(transfer.body, { amountUsd: 250_000, summary: 'would transfer 250 000 USD to acct-evil' });

    const { body, grant } = callOf('db.records.delete', { table: 'customers', where: {} });
    const withExecuteGrant = await post('/tools/db.records.delete/preview', body, await signer.sign(grant));
    assert.equal(withExecuteGrant.status, 401);
    assert.equal(withExecuteGrant.body.error.code, 'wrong_mode');
  });

  it('through Airlock, the demo previews a delete of every row and executes an approved read', async () => {
    const { body: read } = await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: KEYS.billingAgent, body: REQUESTS.devRead() });
    assert.equal(read.status, 'succeeded', JSON.stringify(read.error ?? read.result));
    assert.ok(demo.executed.some((e) => e.actionId === read.id));

    const { body: wipe } = await stack.call<ActionState>('POST', '/v1/actions?wait=10', {
      key: KEYS.billingAgent,
      body: {
        ...REQUESTS.prodUpdate(),
        tool: 'db.records.delete',
        operation: 'delete',
        resources: [{ type: 'table', id: 'customers' }],
        parameters: { table: 'customers', where: {} },
        impact: { records: 1 },
      },
    });
    assert.equal(wipe.risk.preview?.status, 'ok', JSON.stringify(wipe.risk.preview));
    assert.equal(wipe.risk.preview?.summary, 'would delete 48 211 rows from customers');
    assert.ok(!demo.executed.some((e) => e.actionId === wipe.id), 'nothing was deleted before approval');
  });
});
