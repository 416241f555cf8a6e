import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { ConfigError } from '../../config/errors.js';
import type { ActionState } from '../../domain/action.js';
import { GENERATED_KEY_FILE, loadGrantKeys } from '../../grants/keys.js';
import { createGrantSigner } from '../../grants/sign.js';
import { createGrantVerifier } from '../../sdk/verify-grant.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { ROOT } from '../helpers/env.js';
import { startStack } from '../helpers/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A PEM file holding a new key of `type`. */
function keyFile(name: string, type: 'ed25519' | 'rsa' = 'ed25519'): string {
  const { privateKey } =
    type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  const path = join(dir, name);
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return path;
}

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => assert.fail('the keys were accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  return err;
}

describe('grant keys', () => {
  const oldest = keyFile('2026-10.pem');
  const newest = keyFile('2026-11.pem');

  it('rotation: the JWKS serves every configured key, the newest signs, and a grant of the older key still verifies', async () => {
    const rotated = await loadGrantKeys({ files: [oldest, newest] });
    const previous = await loadGrantKeys({ files: [oldest] });
    assert.equal(rotated.jwks.keys.length, 2);
    assert.equal(rotated.signing.kid, rotated.jwks.keys[1]!.kid);
    assert.equal(previous.signing.kid, rotated.jwks.keys[0]!.kid);

    const stack = await startStack({ grantKeys: rotated });
    try {
      const jwks = await fetch(`${stack.url}/.well-known/jwks.json`);
      assert.equal(jwks.status, 200, 'public: no key needed');
      const served = (await jwks.json()) as { keys: { kid: string; d?: string }[] };
      assert.deepEqual(
        served.keys.map((k) => k.kid),
        rotated.jwks.keys.map((k) => k.kid),
      );
      assert.ok(served.keys.every((k) => k.d === undefined), 'no private part is ever served');

      const { body: state } = await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: KEYS.billingAgent, body: REQUESTS.devRead() });
      assert.equal(state.status, 'succeeded');
      const [call] = stack.target.callsFor(state.id);
      const grant = call!.headers.authorization!.replace(/^Bearer /, '');
      assert.equal(decodeProtectedHeader(grant).kid, rotated.signing.kid, 'the newest key signed the execution');

      const verify = createGrantVerifier({ jwksUrl: `${stack.url}/.well-known/jwks.json`, audience: 'crm.contacts.read' });
      await verify(call!.headers.authorization, call!.body);
      const byOldKey = await createGrantSigner(previous, { issuer: 'airlock', ttlMs: 60_000 }).sign({
        tool: 'crm.contacts.read',
        agentId: 'billing-agent',
        actionId: state.id,
        environment: 'dev',
        mode: 'execute',
        tier: 'auto',
        approvers: [],
        parameters: call!.body.parameters as Record<string, unknown>,
      });
      await verify(`Bearer ${byOldKey}`, call!.body);
    } finally {
      await stack.close();
    }
  });

  it('AIRLOCK_SIGNING_KEY_FILE signs when set, and every listed key is still published', async () => {
    const fromEnv = keyFile('env.pem');
    const keys = await loadGrantKeys({ files: [oldest, newest], envFile: fromEnv });
    assert.equal(keys.jwks.keys.length, 3);
    assert.equal(keys.signing.kid, keys.jwks.keys[2]!.kid);
    const listedTwice = await loadGrantKeys({ files: [oldest, fromEnv], envFile: fromEnv });
    assert.equal(listedTwice.jwks.keys.length, 2, 'the same key is published once');
  });

  it('a bad key file stops start-up with a ConfigError naming the field', async () => {
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a key');
    const rsa = keyFile('rsa.pem', 'rsa');
    const cases: [Parameters<typeof loadGrantKeys>[0], string, RegExp][] = [
      [{ files: [oldest, garbage] }, 'grants.keys[1]', /garbage\.pem/],
      [{ files: [rsa] }, 'grants.keys[0]', /rsa key; grants need Ed25519/],
      [{ files: [join(dir, 'missing.pem')] }, 'grants.keys[0]', /ENOENT/],
      [{ files: [oldest], envFile: garbage }, 'AIRLOCK_SIGNING_KEY_FILE', /garbage\.pem/],
      [{ files: [] }, 'grants.keys', /no grant key/],
    ];
    for (const [options, field, message] of cases) {
      const err = await configErrorOf(loadGrantKeys(options));
      assert.equal(err.issues[0]?.field, field);
      assert.match(err.issues[0]!.message, message);
    }
  });

  it('a worker process with a bad AIRLOCK_SIGNING_KEY_FILE exits 78 naming it', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'worker', 'main.js')], {
      env: { ...process.env, AIRLOCK_CONFIG: join(ROOT, 'airlock.yaml'), AIRLOCK_SIGNING_KEY_FILE: join(dir, 'missing.pem'), TEMPORAL_ADDRESS: '127.0.0.1:1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 78, stderr);
    assert.match(stderr, /AIRLOCK_SIGNING_KEY_FILE: .*missing\.pem/);
  });

  it('without a configured key, processes starting at once all generate and use the same one, readable only by its owner', async () => {
    const data = join(dir, 'data');
    const script = `import { loadGrantKeys } from ${JSON.stringify(join(ROOT, 'dist', 'grants', 'keys.js'))};
      process.stdout.write((await loadGrantKeys({ files: [], generateInto: ${JSON.stringify(data)} })).signing.kid);`;
    const run = () => promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]).then((r) => r.stdout);
    const kids = await Promise.all([run(), run(), run(), run()]);
    assert.equal(new Set(kids).size, 1, kids.join(' '));
    assert.equal((await loadGrantKeys({ files: [], generateInto: data })).signing.kid, kids[0], 'and keep it across restarts');
    assert.deepEqual(readdirSync(data), [GENERATED_KEY_FILE], 'no draft left behind');
    assert.equal(statSync(join(data, GENERATED_KEY_FILE)).mode & 0o777, 0o600);
  });
});
