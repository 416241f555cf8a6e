import { Router } from 'express';
import { z } from 'zod';
import { PrincipalId } from '../../domain/action.js';
import { FreezeBody } from '../../domain/standing.js';
import { principalOf, requireOperator } from '../auth.js';
import { ApiError } from '../errors.js';
import type { Identities } from '../identity.js';
import { route } from '../validate.js';
import type { AgentGateway } from './gateway.js';

/** Path of the routes about one agent. */
export const AgentParams = z.object({ id: PrincipalId });

/** The `/v1/agents` routes: the kill switch. */
export function agentRoutes(agents: AgentGateway, identities: Identities): Router {
  const router = Router();

  router.get(
    '/:id',
    route({ params: AgentParams }, async ({ params }, req, res) => {
      const principal = principalOf(req);
      // An agent may see its own standing; anyone else's is as unknown to it as a missing one.
      if (principal.kind === 'agent' && principal.agent.id !== params.id) throw new ApiError('not_found', `no agent ${params.id}`);
      res.json(await agents.view(params.id));
    }),
  );

  router.post(
    '/:id/freeze',
    route({ params: AgentParams, body: FreezeBody }, async ({ params, body }, req, res) => {
      const identity = await identities.forOperator(requireOperator(req));
      const standing = await agents.freeze(params.id, { by: identity.by, reason: body.reason });
      req.log.warn({ agentId: params.id, by: identity.by, reason: body.reason }, 'agent frozen');
      res.json(standing);
    }),
  );

  router.post(
    '/:id/unfreeze',
    route({ params: AgentParams }, async ({ params }, req, res) => {
      const identity = await identities.forOperator(requireOperator(req));
      const standing = await agents.unfreeze(params.id, identity.by);
      req.log.warn({ agentId: params.id, by: identity.by }, 'agent unfrozen');
      res.json(standing);
    }),
  );

  return router;
}
