import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * Hex SHA-256 of the RFC 8785 (JCS) canonical JSON of an action's parameters.
 * Versions, approvals and grants all name parameters by this hash, so an
 * approval and a tool can check they speak of exactly the same call.
 */
export function paramsSha256(parameters: unknown): string {
  const text = canonicalize(parameters);
  if (text === undefined) throw new TypeError('parameters cannot be canonicalized');
  return createHash('sha256').update(text).digest('hex');
}
