/**
 * For tool authors: checks that a call comes from Airlock, for this tool, this
 * action and exactly these parameters, once. Import it as `airlock/verify-grant`.
 *
 * ```ts
 * const verify = createGrantVerifier({ jwksUrl: 'https://airlock.example/.well-known/jwks.json', audience: 'payments.refund' });
 * const claims = await verify(req.headers.authorization, req.body, { mode: 'execute' }); // throws GrantError: answer 401
 * ```
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { GRANT_TYPE, GrantClaims, type GrantMode } from '../grants/claims.js';
import { paramsSha256 } from '../lib/params-hash.js';
import { SeenGrants } from './seen-grants.js';

export { GrantClaims, type GrantMode } from '../grants/claims.js';
export { SeenGrants } from './seen-grants.js';

/** Why a grant was refused; stable, for logs and answers. */
export type GrantErrorCode =
  | 'missing'
  | 'malformed'
  | 'invalid_signature'
  | 'expired'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'invalid_claims'
  | 'wrong_mode'
  | 'action_mismatch'
  | 'environment_mismatch'
  | 'params_mismatch'
  | 'replayed'
  | 'keys_unavailable';

/**
 * Thrown by {@link verifyGrant} and the verifiers of {@link createGrantVerifier}
 * when a call's grant does not allow it: answer 401 and do nothing.
 * `keys_unavailable` means Airlock's keys could not be fetched (try again later).
 */
export class GrantError extends Error {
  constructor(
    readonly code: GrantErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GrantError';
  }
}

/** Options of {@link verifyGrant}. */
export interface VerifyGrantOptions {
  /** Airlock's public keys: a JWKS object, or a key getter such as jose's `createRemoteJWKSet`. */
  keys: JSONWebKeySet | JWTVerifyGetKey;
  /** Airlock's `grants.issuer`. */
  issuer: string;
  /** This tool's name. */
  audience: string;
  /** The mode this endpoint serves (default `execute`): a preview grant never executes unless asked for. */
  mode?: GrantMode;
  /** The environment this endpoint serves; a grant for another is refused. */
  environment?: string;
  /** The grants already accepted: each is accepted once. */
  seen: SeenGrants;
  /** Allowed clock difference with Airlock; default 5 s. */
  clockToleranceSeconds?: number;
}

/** The parts of the executor body a grant binds. */
interface GrantedBody {
  actionId?: unknown;
  environment?: unknown;
  parameters?: unknown;
}

function hashOf(parameters: unknown): string | undefined {
  try {
    return paramsSha256(parameters);
  } catch {
    return undefined;
  }
}

/** The refusal that a jose error means. */
function refusalOf(err: unknown): GrantError {
  const cause = { cause: err };
  if (err instanceof errors.JWTExpired) return new GrantError('expired', 'the grant has expired', cause);
  if (err instanceof errors.JWTClaimValidationFailed) {
    const code = err.claim === 'iss' ? 'wrong_issuer' : err.claim === 'aud' ? 'wrong_audience' : 'invalid_claims';
    return new GrantError(code, `the grant's "${err.claim}" does not match: ${err.message}`, cause);
  }
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys ||
    err instanceof errors.JOSEAlgNotAllowed
  ) {
    return new GrantError('invalid_signature', 'the grant is not signed by a key Airlock publishes', cause);
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) {
    return new GrantError('malformed', 'the grant is not a well-formed JWT', cause);
  }
  // What is left comes from getting the keys: the JWKS was unreachable, timed out or unreadable.
  return new GrantError('keys_unavailable', `Airlock's public keys could not be had: ${err instanceof Error ? err.message : String(err)}`, cause);
}

/**
 * Checks the grant in `authorization` (`Bearer <grant>`) for a call whose parsed
 * JSON body is `body`: Airlock's signature, issuer, audience, expiry, mode, that
 * `actionId` and the hash of `parameters` are the signed ones, and that the
 * grant was not used before. Returns its claims; throws {@link GrantError}.
 */
export async function verifyGrant(authorization: string | null | undefined, body: unknown, options: VerifyGrantOptions): Promise<GrantClaims> {
  const token = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) throw new GrantError('missing', 'no grant: expected Authorization: Bearer <grant>');
  const tolerance = options.clockToleranceSeconds ?? 5;
  const keys = typeof options.keys === 'function' ? options.keys : createLocalJWKSet(options.keys);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ['EdDSA'],
      typ: GRANT_TYPE,
      clockTolerance: tolerance,
      requiredClaims: ['exp', 'iat', 'jti'],
    }));
  } catch (err) {
    throw refusalOf(err);
  }
  const parsed = GrantClaims.safeParse(payload);
  if (!parsed.success) {
    throw new GrantError('invalid_claims', `not an Airlock grant: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const claims = parsed.data;
  const mode = options.mode ?? 'execute';
  if (claims.mode !== mode) throw new GrantError('wrong_mode', `a ${claims.mode} grant, where ${mode} is needed`);
  const { actionId, environment, parameters } = (typeof body === 'object' && body !== null ? body : {}) as GrantedBody;
  if (actionId !== claims.action_id) throw new GrantError('action_mismatch', `the grant is for action ${claims.action_id}, not this body's`);
  // A grant names the environment whose executor it was signed for: replayed at another environment's endpoint, it is refused.
  if (environment !== claims.environment || (options.environment !== undefined && options.environment !== claims.environment)) {
    throw new GrantError('environment_mismatch', `the grant is for ${claims.environment}, not ${options.environment ?? String(environment)}`);
  }
  if (hashOf(parameters) !== claims.params_sha256) throw new GrantError('params_mismatch', 'the parameters are not the ones the grant was signed for');
  // Recorded only once everything else holds, so a refused forgery cannot use up the real call's grant.
  if (!options.seen.claim(claims.jti, claims.exp + tolerance)) throw new GrantError('replayed', `grant ${claims.jti} was already used`);
  return claims;
}

/** Options of {@link createGrantVerifier}. */
export interface GrantVerifierOptions {
  /** Airlock's `/.well-known/jwks.json`: fetched on first use, cached, fetched again for a key it does not know (rotation). */
  jwksUrl?: string | URL;
  /** Or the key set itself (tests, tools that ship it). */
  jwks?: JSONWebKeySet;
  /** Airlock's `grants.issuer`; default `airlock`. */
  issuer?: string;
  /** This tool's name; a server for several tools gives it per call instead. */
  audience?: string;
  /** How many live grants are remembered against replay (per process); default 100 000. */
  maxGrants?: number;
  /** Allowed clock difference with Airlock; default 5 s. */
  clockToleranceSeconds?: number;
}

/** What one endpoint expects of a grant beyond the verifier's options. */
export interface GrantExpectations {
  /** Default `execute`. */
  mode?: GrantMode;
  audience?: string;
  /** The environment this endpoint serves (recommended: a prod endpoint says `prod`). */
  environment?: string;
}

/** Checks one call; see {@link createGrantVerifier}. */
export type GrantVerifier = (authorization: string | null | undefined, body: unknown, expect?: GrantExpectations) => Promise<GrantClaims>;

/**
 * A verifier holding the cached keys and the replay memory: build it once per
 * process, call it on every request with the `Authorization` header and the
 * parsed body. Throws {@link GrantError}; answer 401 then, and do nothing.
 */
export function createGrantVerifier(options: GrantVerifierOptions): GrantVerifier {
  let keys: VerifyGrantOptions['keys'];
  if (options.jwks) keys = createLocalJWKSet(options.jwks);
  else if (options.jwksUrl) keys = createRemoteJWKSet(new URL(options.jwksUrl));
  else throw new TypeError('createGrantVerifier needs jwksUrl or jwks');
  const seen = new SeenGrants(options.maxGrants);
  return async (authorization, body, expect = {}) => {
    const audience = expect.audience ?? options.audience;
    if (!audience) throw new TypeError('the grant verifier needs the tool name as audience');
    return verifyGrant(authorization, body, {
      keys,
      issuer: options.issuer ?? 'airlock',
      audience,
      seen,
      ...(expect.mode ? { mode: expect.mode } : {}),
      ...(expect.environment ? { environment: expect.environment } : {}),
      ...(options.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: options.clockToleranceSeconds }),
    });
  };
}
