import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { generateGrantKeys, type GrantKeys } from '../../grants/keys.js';
import { createGrantSigner, type GrantRequest, type GrantSigner } from '../../grants/sign.js';
import { createGrantVerifier, GrantError, SeenGrants, type GrantErrorCode, type GrantVerifier } from '../../sdk/verify-grant.js';
import { testGrantKeys, testSigner } from '../helpers/grants.js';

const body = {
  actionId: 'billing-agent.0123456789abcdef01234567',
  tool: 'payments.refund',
  environment: 'prod',
  parameters: { payment: 'p-1', amount: 120, currency: 'USD' },
};
const request: GrantRequest = {
  tool: 'payments.refund',
  agentId: 'billing-agent',
  actionId: body.actionId,
  environment: 'prod',
  mode: 'execute',
  tier: 'review',
  approvers: ['U0ALICE'],
  parameters: body.parameters,
};

/** The part of a compact JWS at `index` (0 header, 1 payload, 2 signature), changed by `change`. */
function alter(token: string, index: number, change: (part: string) => string): string {
  const parts = token.split('.');
  parts[index] = change(parts[index]!);
  return parts.join('.');
}

const payloadWith = (extra: Record<string, unknown>) => (part: string) =>
  Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(part, 'base64url').toString()), ...extra })).toString('base64url');

async function refusal(promise: Promise<unknown>): Promise<GrantErrorCode> {
  const err = await promise.then(
    () => assert.fail('the grant was accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GrantError, String(err));
  return err.code;
}

describe('verifyGrant refuses what Airlock did not sign for this call', () => {
  let keys: GrantKeys;
  let signer: GrantSigner;
  let verify: GrantVerifier;
  before(async () => {
    keys = await testGrantKeys();
    signer = await testSigner();
  });
  // A fresh verifier per check: each has its own replay memory.
  const verifier = () => (verify = createGrantVerifier({ jwks: keys.jwks, audience: 'payments.refund' }));
  const bearer = (token: string) => `Bearer ${token}`;

  it('accepts a genuine grant once and answers its claims', async () => {
    verifier();
    const claims = await verify(bearer(await signer.sign(request)), body, { mode: 'execute' });
    assert.equal(claims.action_id, body.actionId);
    assert.deepEqual(claims.approvers, ['U0ALICE']);
  });

  it('a changed payload (another tool, same signature) → invalid_signature', async () => {
    const forged = alter(await signer.sign(request), 1, payloadWith({ aud: 'payments.transfer' }));
    verify = createGrantVerifier({ jwks: keys.jwks, audience: 'payments.transfer' });
    assert.equal(await refusal(verify(bearer(forged), body)), 'invalid_signature');
  });

  it('a changed signature → invalid_signature; a key Airlock does not publish → invalid_signature', async () => {
    verifier();
    const token = await signer.sign(request);
    const flipped = alter(token, 2, (sig) => (sig.startsWith('A') ? 'B' : 'A') + sig.slice(1));
    assert.equal(await refusal(verify(bearer(flipped), body)), 'invalid_signature');
    const stranger = createGrantSigner(await generateGrantKeys(), { issuer: 'airlock', ttlMs: 60_000 });
    assert.equal(await refusal(verify(bearer(await stranger.sign(request)), body)), 'invalid_signature');
    assert.deepEqual(await verify(bearer(token), body).then((c) => c.action_id), body.actionId, 'the genuine grant still passes');
  });

  it('an expired grant → expired', async () => {
    verifier();
    const tenMinutesAgo = await testSigner({ now: () => Date.now() - 10 * 60_000 });
    assert.equal(await refusal(verify(bearer(await tenMinutesAgo.sign(request)), body)), 'expired');
  });

  it('a grant used twice → replayed; a refused forgery does not use up the real grant', async () => {
    verifier();
    const token = await signer.sign(request);
    const altered = { ...body, parameters: { ...body.parameters, amount: 120_000 } };
    assert.equal(await refusal(verify(bearer(token), altered)), 'params_mismatch');
    await verify(bearer(token), body);
    assert.equal(await refusal(verify(bearer(token), body)), 'replayed');
  });

  it('a grant for another tool → wrong_audience; from another issuer → wrong_issuer', async () => {
    verifier();
    const forTransfer = await signer.sign({ ...request, tool: 'payments.transfer' });
    assert.equal(await refusal(verify(bearer(forTransfer), body)), 'wrong_audience');
    const otherIssuer = await testSigner({ issuer: 'someone-else' });
    assert.equal(await refusal(verify(bearer(await otherIssuer.sign(request)), body)), 'wrong_issuer');
  });

  it('altered parameters → params_mismatch; another action’s body → action_mismatch', async () => {
    verifier();
    const token = await signer.sign(request);
    assert.equal(await refusal(verify(bearer(token), { ...body, parameters: { ...body.parameters, payment: 'p-2' } })), 'params_mismatch');
    assert.equal(await refusal(verify(bearer(token), { ...body, actionId: 'billing-agent.ffffffffffffffffffffffff' })), 'action_mismatch');
    assert.equal(await refusal(verify(bearer(token), 'not an object')), 'action_mismatch');
  });

  it('a preview grant where an execute grant is expected → wrong_mode (and the reverse)', async () => {
    verifier();
    const preview = await signer.sign({ ...request, mode: 'preview' });
    assert.equal(await refusal(verify(bearer(preview), body, { mode: 'execute' })), 'wrong_mode');
    const execute = await signer.sign(request);
    assert.equal(await refusal(verify(bearer(execute), body, { mode: 'preview' })), 'wrong_mode');
  });

  it('a grant signed for dev, replayed at a prod endpoint → environment_mismatch', async () => {
    verifier();
    const dev = await signer.sign({ ...request, environment: 'dev' });
    assert.equal(await refusal(verify(bearer(dev), body)), 'environment_mismatch', 'the body says prod');
    assert.equal(await refusal(verify(bearer(dev), { ...body, environment: 'dev' }, { environment: 'prod' })), 'environment_mismatch', 'the endpoint serves prod');
    const prod = await signer.sign(request);
    assert.equal((await verify(bearer(prod), body, { environment: 'prod' })).environment, 'prod');
  });

  it('without an expected mode, a preview grant does not execute', async () => {
    verifier();
    const preview = await signer.sign({ ...request, mode: 'preview' });
    assert.equal(await refusal(verify(bearer(preview), body)), 'wrong_mode');
  });

  it('no grant, another scheme, garbage or an unsigned token → missing, malformed, invalid_signature', async () => {
    verifier();
    assert.equal(await refusal(verify(undefined, body)), 'missing');
    assert.equal(await refusal(verify('Basic dXNlcjpwYXNz', body)), 'missing');
    assert.equal(await refusal(verify('Bearer not-a-jwt', body)), 'malformed');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    assert.equal(await refusal(verify(bearer(unsigned), body)), 'invalid_signature');
  });

  it('a grant living longer than 5 minutes is refused even when properly signed', async () => {
    verifier();
    const now = Math.floor(Date.now() / 1000);
    const claims = JSON.parse(Buffer.from((await signer.sign(request)).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const long = await new SignJWT({ ...claims, iat: now, exp: now + 3600 })
      .setProtectedHeader({ alg: 'EdDSA', kid: keys.signing.kid, typ: 'airlock-grant+jwt' })
      .sign(keys.signing.key);
    assert.equal(await refusal(verify(bearer(long), body)), 'invalid_claims');
  });

  it('the signer never makes a grant longer than 5 minutes, whatever it is configured with', async () => {
    verifier();
    const lavish = await testSigner({ ttlMs: 60 * 60_000 });
    const claims = await verify(bearer(await lavish.sign(request)), body);
    assert.equal(claims.exp - claims.iat, 300);
  });
});

describe('the replay memory', () => {
  it('stays within its bound and forgets expired grants', () => {
    const seen = new SeenGrants(2);
    assert.equal(seen.claim('a', 100, 50), true);
    assert.equal(seen.claim('a', 100, 50), false);
    assert.equal(seen.claim('b', 100, 50), true);
    assert.equal(seen.claim('c', 100, 50), true);
    assert.equal(seen.size, 2, 'the oldest was forgotten to stay within the bound');
    assert.equal(seen.claim('d', 300, 200), true);
    assert.equal(seen.size, 1, 'expired grants are forgotten');
  });
});
