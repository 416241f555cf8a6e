/**
 * Grants: the signed, short-lived JWT on every executor and preview call, so a
 * tool can trust a call came from Airlock, for this action, these parameters,
 * once. Tools check them with `sdk/verify-grant.ts`.
 */
export { GRANT_TYPE, GrantClaims, GrantMode } from './claims.js';
export { generateGrantKeys, grantKeysFor, loadGrantKeys, type GrantKeys, type LoadGrantKeysOptions } from './keys.js';
export { createGrantSigner, signerOptions, type GrantRequest, type GrantSigner, type GrantSignerOptions } from './sign.js';
