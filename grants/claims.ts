import { z } from 'zod';
import { Environment, Tier } from '../domain/action.js';
import { MAX_GRANT_TTL_MS } from '../domain/config.js';

/** The `typ` header of every grant, so a grant is never mistaken for another kind of JWT (RFC 8725 §3.11). */
export const GRANT_TYPE = 'airlock-grant+jwt';

/** What a grant allows: running the call, or only asking what it would do. */
export const GrantMode = z.enum(['execute', 'preview']);
export type GrantMode = z.infer<typeof GrantMode>;

/**
 * The claims of a grant: the contract between Airlock, which signs them for
 * every executor and preview call, and the tools, which check them.
 * Times are in seconds since the epoch, as in every JWT.
 */
export const GrantClaims = z
  .object({
    /** Airlock (`grants.issuer`). */
    iss: z.string().min(1),
    /** The tool the call is for. */
    aud: z.string().min(1),
    /** The agent whose action it is. */
    sub: z.string().min(1),
    /** Unique per call: a tool accepts each grant once. */
    jti: z.string().min(1),
    iat: z.number().int(),
    exp: z.number().int(),
    action_id: z.string().min(1),
    /** The environment whose executor the call is for: a dev grant never runs in prod. */
    environment: Environment,
    mode: GrantMode,
    tier: Tier,
    /** The ids that approved the version that runs (none for `auto` and for previews). */
    approvers: z.array(z.string()),
    /** Hex SHA-256 of the JCS of the exact `parameters` in the body. */
    params_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .refine((c) => c.exp > c.iat && (c.exp - c.iat) * 1000 <= MAX_GRANT_TTL_MS, {
    message: `a grant lives at most ${MAX_GRANT_TTL_MS / 60_000} minutes`,
    path: ['exp'],
  });
export type GrantClaims = z.infer<typeof GrantClaims>;
