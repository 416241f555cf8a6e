import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import type { ActionState } from '../../domain/action.js';
import { paramsSha256 } from '../../lib/params-hash.js';
import { createGrantVerifier, GrantError, type GrantVerifier } from '../../sdk/verify-grant.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { testGrantKeys } from '../helpers/grants.js';
import { startStack, type Stack } from '../helpers/stack.js';
import type { TargetCall } from '../helpers/target.js';

const bearer = (call: TargetCall) => call.headers.authorization;
const tokenOf = (call: TargetCall) => bearer(call)!.replace(/^Bearer /, '');

describe('grants on real executions', () => {
  let stack: Stack;
  /** A tool's verifier, as a tool author sets it up: Airlock's JWKS URL and the tool's name. */
  let verifierFor: (tool: string) => GrantVerifier;
  before(async () => {
    stack = await startStack();
    verifierFor = (audience) => createGrantVerifier({ jwksUrl: `${stack.url}/.well-known/jwks.json`, audience });
  });
  after(async () => {
    await stack.close();
  });

  const submit = (body: unknown) => stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: KEYS.billingAgent, body });

  it('an executed call carries a grant that passes verifyGrant against the published JWKS and binds exactly the executed parameters', async () => {
    const request = REQUESTS.devRead();
    const { body: state } = await submit(request);
    assert.equal(state.status, 'succeeded');
    const [call] = stack.target.callsFor(state.id);
    assert.ok(call);

    const claims = await verifierFor('crm.contacts.read')(bearer(call), call.body, { mode: 'execute' });
    assert.equal(claims.iss, 'airlock');
    assert.equal(claims.aud, 'crm.contacts.read');
    assert.equal(claims.sub, 'billing-agent');
    assert.equal(claims.action_id, state.id);
    assert.equal(claims.mode, 'execute');
    assert.equal(claims.tier, 'auto');
    assert.deepEqual(claims.approvers, []);
    assert.equal(claims.params_sha256, paramsSha256(request.parameters));
    assert.ok(claims.exp - claims.iat <= 300, 'lives at most 5 minutes');

    const header = decodeProtectedHeader(tokenOf(call));
    assert.equal(header.alg, 'EdDSA');
    assert.equal(header.kid, (await testGrantKeys()).signing.kid);
  });

  it('an approved edit executes with a grant naming its approver and the hash of the edited parameters, not the agent’s', async () => {
    const { body: submitted } = await submit(REQUESTS.prodUpdate());
    assert.equal(submitted.status, 'awaiting_approval');
    const edited = { set: { tier: 'silver' }, where: { segment: 7 } };
    const decided = await stack.call<ActionState>('POST', `/v1/actions/${submitted.id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1, edit: { parameters: edited } },
    });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    const done = await stack.waitFor(submitted.id, ['succeeded', 'failed', 'awaiting_approval']);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const [call] = stack.target.callsFor(submitted.id);
    assert.ok(call);

    const verify = verifierFor('crm.contacts.update');
    const forged = { ...call.body, parameters: REQUESTS.prodUpdate().parameters };
    await assert.rejects(verify(bearer(call), forged, { mode: 'execute' }), { name: 'GrantError', code: 'params_mismatch' });
    const claims = await verify(bearer(call), call.body, { mode: 'execute' });
    assert.equal(claims.params_sha256, paramsSha256(edited));
    assert.deepEqual(claims.approvers, ['U0ALICE']);
    assert.equal(claims.tier, done.risk.tier);
  });

  it('a preview call carries a preview grant, which is refused where an execute grant is expected', async () => {
    const { body: state } = await submit(REQUESTS.prodUpdate());
    const [preview] = stack.target.previewsFor(state.id);
    assert.ok(preview, 'the tool was asked for a preview');
    assert.equal(preview.headers['airlock-mode'], 'preview');

    const verify = verifierFor('crm.contacts.update');
    const refused = await verify(bearer(preview), preview.body, { mode: 'execute' }).catch((err: unknown) => err);
    assert.ok(refused instanceof GrantError);
    assert.equal(refused.code, 'wrong_mode');
    const claims = await verify(bearer(preview), preview.body, { mode: 'preview' });
    assert.equal(claims.mode, 'preview');
    assert.deepEqual(claims.approvers, [], 'nobody has approved anything at preview time');
  });

  it('a retry carries a fresh grant (another jti) with the same Idempotency-Key', async () => {
    let failedOnce = false;
    stack.target.respond('crm.contacts.read', (call) => {
      if (call.body.sessionId !== 'retry-grant' || failedOnce) return { status: 200, body: { ok: true } };
      failedOnce = true;
      return { status: 503 };
    });
    const { body: submitted } = await submit(REQUESTS.devRead({ sessionId: 'retry-grant' }));
    const state = await stack.waitFor(submitted.id, ['succeeded', 'failed']);
    assert.equal(state.status, 'succeeded');
    const calls = stack.target.callsFor(state.id);
    assert.equal(calls.length, 2);
    assert.deepEqual(
      calls.map((c) => c.headers['x-airlock-attempt']),
      ['1', '2'],
    );
    assert.equal(calls[0]!.headers['idempotency-key'], calls[1]!.headers['idempotency-key']);

    const verify = verifierFor('crm.contacts.read');
    const [first, second] = [await verify(bearer(calls[0]!), calls[0]!.body), await verify(bearer(calls[1]!), calls[1]!.body)];
    assert.notEqual(first.jti, second.jti);
    assert.equal(first.params_sha256, second.params_sha256);
  });
});
