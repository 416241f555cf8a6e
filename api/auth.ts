import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { perConfig, type ConfigSource } from '../config/live.js';
import type { AgentConfig, OperatorConfig } from '../domain/config.js';
import { ApiError } from './errors.js';

/** Who is calling: an agent (submits and follows its own actions) or an operator (sees and decides all). */
export type Principal = { kind: 'agent'; agent: AgentConfig } | { kind: 'operator'; operator: OperatorConfig };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Hex SHA-256 of a bearer key: how keys are stored in the configuration. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Authenticates `Authorization: Bearer <key>` against the key hashes of the
 * configuration in force: a key added or removed by a reload counts from the
 * next request. Keys are compared by their SHA-256, so lookup time says
 * nothing about the key.
 */
export function authenticate(config: ConfigSource): RequestHandler {
  const identify = identifier(config);
  return (req, _res, next) => {
    // Already identified at the door (api/door.ts), with the configuration of this very request.
    req.principal ??= identify(req.headers.authorization);
    next();
  };
}

/**
 * The caller an `Authorization` header names, by the configuration in force;
 * throws the 401 {@link ApiError} when it names none.
 */
export function identifier(config: ConfigSource): (authorization: string | undefined) => Principal {
  const principals = perConfig(config, ({ file }) => {
    const byHash = new Map<string, Principal>();
    for (const agent of file.agents) byHash.set(agent.keySha256, { kind: 'agent', agent });
    for (const operator of file.operators) byHash.set(operator.keySha256, { kind: 'operator', operator });
    return byHash;
  });
  return (header) => {
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new ApiError('unauthorized', 'send your key as Authorization: Bearer <key>');
    const principal = principals().get(sha256Hex(match[1]!));
    if (!principal) throw new ApiError('unauthorized', 'unknown key');
    return principal;
  };
}

/** The authenticated caller; only valid behind {@link authenticate}. */
export function principalOf(req: { principal?: Principal }): Principal {
  if (!req.principal) throw new ApiError('unauthorized', 'not authenticated');
  return req.principal;
}

/** The caller when it must be an agent. */
export function requireAgent(req: { principal?: Principal }): AgentConfig {
  const p = principalOf(req);
  if (p.kind !== 'agent') throw new ApiError('forbidden', 'only agents submit actions');
  return p.agent;
}

/** The caller when it must be an operator. */
export function requireOperator(req: { principal?: Principal }): OperatorConfig {
  const p = principalOf(req);
  if (p.kind !== 'operator') throw new ApiError('forbidden', 'only operators may do this');
  return p.operator;
}
