import { Router } from 'express';
import { z } from 'zod';
import { PrincipalId, SessionId } from '../../domain/action.js';
import { SessionBody } from '../../domain/session.js';
import { principalOf, requireAgent, type Principal } from '../auth.js';
import { ApiError, invalidRequest } from '../errors.js';
import type { Identities } from '../identity.js';
import { route } from '../validate.js';
import type { SessionGateway } from './gateway.js';

/** Path of the routes about one session. */
export const SessionParams = z.object({ id: SessionId });

/** Query of the routes about one session: operators name the agent (session ids are the agents' own). */
export const SessionQuery = z.object({ agent: PrincipalId.optional() });

/** Whose session a caller means: an agent's own, or, for an operator, the agent it names. */
function ownerOf(principal: Principal, agent: string | undefined): string {
  if (principal.kind === 'agent') {
    // Another agent's session is as unknown to an agent as a missing one.
    if (agent !== undefined && agent !== principal.agent.id) throw new ApiError('not_found', 'no such session');
    return principal.agent.id;
  }
  if (agent === undefined) throw invalidRequest([{ field: 'query.agent', message: 'operators name the agent whose session this is' }]);
  return agent;
}

/** The `/v1/sessions` routes. */
export function sessionRoutes(sessions: SessionGateway, identities: Identities): Router {
  const router = Router();

  router.post(
    '/',
    route({ body: SessionBody }, async ({ body }, req, res) => {
      const agent = requireAgent(req);
      const { created, state } = await sessions.declare(agent, body);
      if (created) req.log.info({ agentId: agent.id, sessionId: state.sessionId }, 'session declared');
      res.status(created ? 201 : 200).json(state);
    }),
  );

  router.get(
    '/:id',
    route({ params: SessionParams, query: SessionQuery }, async ({ params, query }, req, res) => {
      res.json(await sessions.get(ownerOf(principalOf(req), query.agent), params.id));
    }),
  );

  router.delete(
    '/:id',
    route({ params: SessionParams, query: SessionQuery }, async ({ params, query }, req, res) => {
      const principal = principalOf(req);
      const agentId = ownerOf(principal, query.agent);
      await sessions.get(agentId, params.id);
      const by = principal.kind === 'agent' ? `agent:${agentId}` : (await identities.forOperator(principal.operator)).by;
      const state = await sessions.close(agentId, params.id, by);
      req.log.info({ agentId, sessionId: params.id, by }, 'session closed');
      res.json(state);
    }),
  );

  return router;
}
