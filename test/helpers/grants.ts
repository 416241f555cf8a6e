import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateGrantKeys, type GrantKeys } from '../../grants/keys.js';
import { createGrantSigner, type GrantSigner, type GrantSignerOptions } from '../../grants/sign.js';

let keys: Promise<GrantKeys & { pem: string }> | undefined;
let keyFile: Promise<string> | undefined;

/** One ephemeral key pair per test process: every worker and API a test starts signs with it and publishes it. */
export function testGrantKeys(): Promise<GrantKeys & { pem: string }> {
  return (keys ??= generateGrantKeys());
}

/** The test key as a PEM file, for worker processes (`AIRLOCK_SIGNING_KEY_FILE`); removed when the process exits. */
export function testGrantKeyFile(): Promise<string> {
  return (keyFile ??= testGrantKeys().then(({ pem }) => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-grant-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'grant-key.pem');
    writeFileSync(path, pem, { mode: 0o600 });
    return path;
  }));
}

/** A signer with the test keys, as the example configuration sets it up (issuer `airlock`, 5 minutes). */
export async function testSigner(options: Partial<GrantSignerOptions> = {}): Promise<GrantSigner> {
  return createGrantSigner(await testGrantKeys(), { issuer: 'airlock', ttlMs: 5 * 60_000, ...options });
}
