import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Tier, Environment } from '../domain/action.js';
import { MAX_GRANT_TTL_MS, type GrantsConfig } from '../domain/config.js';
import { paramsSha256 } from '../lib/params-hash.js';
import { GRANT_TYPE, type GrantClaims, type GrantMode } from './claims.js';
import type { GrantKeys } from './keys.js';

/** What one grant is for: one call of one tool, with exactly these parameters. */
export interface GrantRequest {
  tool: string;
  agentId: string;
  actionId: string;
  /** The environment whose executor is called. */
  environment: Environment;
  mode: GrantMode;
  tier: Tier;
  /** The ids that approved the version that runs. */
  approvers: string[];
  /** Exactly the `parameters` of the body the grant goes with. */
  parameters: Record<string, unknown>;
}

/** Signs grants; see {@link createGrantSigner}. */
export interface GrantSigner {
  /** A compact JWS (`Authorization: Bearer <grant>`), fresh for each call. */
  sign(request: GrantRequest): Promise<string>;
}

/** Options of {@link createGrantSigner}. */
export interface GrantSignerOptions {
  issuer: string;
  /** Lifetime of each grant; never more than 5 minutes, whatever is asked. */
  ttlMs: number;
  /** The clock, in ms since the epoch; tests move it to make expired grants. */
  now?: () => number;
}

/** Signer options from the `grants` section of the configuration. */
export function signerOptions(grants: GrantsConfig): GrantSignerOptions {
  return { issuer: grants.issuer, ttlMs: grants.ttl };
}

/** Signs EdDSA grants with the newest of `keys`, each with its own `jti`. */
export function createGrantSigner(keys: GrantKeys, options: GrantSignerOptions): GrantSigner {
  const ttlSeconds = Math.max(1, Math.floor(Math.min(options.ttlMs, MAX_GRANT_TTL_MS) / 1000));
  const now = options.now ?? Date.now;
  return {
    async sign(request) {
      const iat = Math.floor(now() / 1000);
      const claims: GrantClaims = {
        iss: options.issuer,
        aud: request.tool,
        sub: request.agentId,
        jti: randomUUID(),
        iat,
        exp: iat + ttlSeconds,
        action_id: request.actionId,
        environment: request.environment,
        mode: request.mode,
        tier: request.tier,
        approvers: request.approvers,
        params_sha256: paramsSha256(request.parameters),
      };
      return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: keys.signing.kid, typ: GRANT_TYPE }).sign(keys.signing.key);
    },
  };
}
