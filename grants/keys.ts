import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { AirlockConfig } from '../config/index.js';
import { ConfigError } from '../config/errors.js';
import { dataDir } from '../lib/data-dir.js';

/** Airlock's grant keys: the one that signs, and the public keys tools verify with. */
export interface GrantKeys {
  /** The newest key; `kid` is its RFC 7638 JWK thumbprint. */
  signing: { kid: string; key: KeyObject };
  /** Every configured public key, oldest first: what `/.well-known/jwks.json` serves. */
  jwks: { keys: JWK[] };
}

/** Options of {@link loadGrantKeys}. */
export interface LoadGrantKeysOptions {
  /** `grants.keys`: PKCS#8 PEM files of Ed25519 keys, oldest first. */
  files: string[];
  /** `AIRLOCK_SIGNING_KEY_FILE`: when set, this key signs (and is published too). */
  envFile?: string;
  /** With neither, a key is generated once into this directory and reused from then on. */
  generateInto?: string;
  /** Names the file `files` came from in errors. */
  source?: string;
}

/** Name of the key generated into the data directory. */
export const GENERATED_KEY_FILE = 'grant-signing-key.pem';

interface LoadedKey {
  kid: string;
  key: KeyObject;
  jwk: JWK;
}

async function keyFrom(pem: string | Buffer): Promise<LoadedKey> {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an ${key.asymmetricKeyType ?? 'unknown'} key; grants need Ed25519`);
  const { kty, crv, x } = createPublicKey(key).export({ format: 'jwk' });
  const kid = await calculateJwkThumbprint({ kty: kty!, crv: crv!, x: x! });
  return { kid, key, jwk: { kty, crv, x, kid, alg: 'EdDSA', use: 'sig' } };
}

function keysOf(loaded: LoadedKey[]): GrantKeys {
  // The same key listed twice (say, in grants.keys and the environment) is published once.
  const unique = [...new Map(loaded.map((k) => [k.kid, k])).values()];
  const newest = loaded[loaded.length - 1]!;
  return { signing: { kid: newest.kid, key: newest.key }, jwks: { keys: unique.map((k) => k.jwk) } };
}

/**
 * The key in `dir`, generated on first use. An API and a worker starting at
 * once must end up with the same key: the new key is written whole to a
 * private file, then linked to its name, which fails if another process got
 * there first; either way the key is then read back from that name.
 */
function generatedKey(dir: string): string {
  const path = join(dir, GENERATED_KEY_FILE);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const draft = `${path}.${randomUUID()}.tmp`;
  writeFileSync(draft, pem, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(draft);
  }
  return readFileSync(path, 'utf8');
}

/**
 * Loads the grant keys: every `files` key and the `envFile` key are published;
 * the env key signs when set, else the last file. Throws {@link ConfigError}
 * naming the field (`grants.keys[1]`, `AIRLOCK_SIGNING_KEY_FILE`) of a key
 * that cannot be read or is not an Ed25519 PKCS#8 private key.
 */
export async function loadGrantKeys(options: LoadGrantKeysOptions): Promise<GrantKeys> {
  const configured = options.source ?? 'the configuration';
  const sources: { source: string; field: string; path: string; read: () => string | Buffer }[] = options.files.map((path, i) => ({
    source: configured,
    field: `grants.keys[${i}]`,
    path,
    read: () => readFileSync(path),
  }));
  if (options.envFile) {
    const path = options.envFile;
    sources.push({ source: 'the environment', field: 'AIRLOCK_SIGNING_KEY_FILE', path, read: () => readFileSync(path) });
  }
  if (sources.length === 0 && options.generateInto) {
    const dir = options.generateInto;
    sources.push({ source: 'the environment', field: 'AIRLOCK_DATA_DIR', path: join(dir, GENERATED_KEY_FILE), read: () => generatedKey(dir) });
  }
  if (sources.length === 0) throw new ConfigError(configured, [{ field: 'grants.keys', message: 'no grant key: list one or set AIRLOCK_SIGNING_KEY_FILE' }]);
  const loaded: LoadedKey[] = [];
  for (const { source, field, path, read } of sources) {
    try {
      loaded.push(await keyFrom(read()));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // A file error's code (ENOENT, EACCES) says it all; a crypto error's message says what the content is.
      const reason = e.syscall ? e.code : e.message;
      throw new ConfigError(source, [{ field, message: `${path} is not a usable Ed25519 PKCS#8 PEM key (${reason})` }], { cause: err });
    }
  }
  return keysOf(loaded);
}

/** Keys as a process configured by `config` uses them; relative `grants.keys` paths are relative to the YAML file. */
export function grantKeysFor(config: Pick<AirlockConfig, 'env' | 'file' | 'path'>): Promise<GrantKeys> {
  const base = dirname(resolve(config.path));
  return loadGrantKeys({
    files: config.file.grants.keys.map((file) => resolve(base, file)),
    envFile: config.env.AIRLOCK_SIGNING_KEY_FILE,
    generateInto: dataDir(),
    source: config.path,
  });
}

/** A fresh key pair kept in memory only, for tests; `pem` is its private key, for a process that needs it as a file. */
export async function generateGrantKeys(): Promise<GrantKeys & { pem: string }> {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { ...keysOf([await keyFrom(pem)]), pem };
}
