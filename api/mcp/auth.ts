import type { RequestHandler } from 'express';
import type { ConfigSource } from '../../config/live.js';
import { authenticate, principalOf } from '../auth.js';
import { ApiError } from '../errors.js';

/**
 * The MCP server's door: an agent's key, checked against the same hashes as
 * `/v1`. No key or an unknown one is a 401 before anything of MCP is said (not
 * even the list of tools); an operator's key is a 403, since the tools act as an agent.
 */
export function agentsOnly(config: ConfigSource): RequestHandler[] {
  const auth = authenticate(config);
  return [
    (req, res, next) => {
      try {
        auth(req, res, next);
      } catch (err) {
        // MCP clients read the scheme from the challenge (RFC 9110 §11.6.1).
        if (err instanceof ApiError && err.status === 401) res.setHeader('www-authenticate', 'Bearer realm="airlock"');
        throw err;
      }
    },
    (req, _res, next) => {
      if (principalOf(req).kind !== 'agent') {
        throw new ApiError('forbidden', "Airlock's MCP server is for agents: use an agent's key (operators use /v1 or the CLI)");
      }
      next();
    },
  ];
}
