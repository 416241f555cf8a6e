import { Router } from 'express';
import { z } from 'zod';
import { ActionId, ActionRequest, ActionStatus, PrincipalId, ToolName } from '../../domain/action.js';
import { DecisionBody } from '../../domain/decision.js';
import { principalOf, requireAgent, requireOperator, type Principal } from '../auth.js';
import type { Identities } from '../identity.js';
import { ApiError } from '../errors.js';
import { route } from '../validate.js';
import { agentOfActionId, notFound, type ActionGateway } from './gateway.js';
import type { ActionSubmitter } from './submit.js';

/** Query of `POST /v1/actions`: how long to hold the answer for the action to settle. */
export const SubmitQuery = z.object({
  wait: z.coerce.number().int('must be whole seconds').min(0).max(60, 'at most 60 seconds').default(0),
});

/**
 * Query of `GET /v1/actions/:id`: hold the answer up to `wait` seconds for the
 * action to settle (terminal, or newly awaiting approval): a long poll.
 */
export const GetQuery = z.object({
  wait: z.coerce.number().int('must be whole seconds').min(0).max(60, 'at most 60 seconds').default(0),
});

/** What `POST /v1/actions` reads: checked at the door (api/door.ts) or by its route, never both. */
export const SUBMIT_SCHEMAS = { body: ActionRequest, query: SubmitQuery };

/** Path of the routes about one action. */
export const ActionParams = z.object({ id: ActionId });

/** Query of `GET /v1/actions`. */
export const ListQuery = z.object({
  status: ActionStatus.optional(),
  agent: PrincipalId.optional(),
  tool: ToolName.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Agents see their own actions only; anyone else gets the same 404 as for a missing action. */
export function assertCanSee(principal: Principal, actionId: string): void {
  if (principal.kind === 'agent' && agentOfActionId(actionId) !== principal.agent.id) throw notFound(actionId);
}

/** The `/v1/actions` routes. */
export function actionRoutes(gateway: ActionGateway, submitter: ActionSubmitter, identities: Identities): Router {
  const router = Router();

  router.post(
    '/',
    route(SUBMIT_SCHEMAS, async ({ body, query }, req, res) => {
      const state = await submitter.submit(requireAgent(req), body, query.wait * 1000, req.log);
      res.status(202).json(state);
    }),
  );

  router.get(
    '/',
    route({ query: ListQuery }, async ({ query }, req, res) => {
      requireOperator(req);
      res.json({ actions: await gateway.list(query) });
    }),
  );

  router.get(
    '/:id',
    route({ params: ActionParams, query: GetQuery }, async ({ params, query }, req, res) => {
      assertCanSee(principalOf(req), params.id);
      res.json(query.wait > 0 ? await gateway.waitFor(params.id, query.wait * 1000) : await gateway.get(params.id));
    }),
  );

  router.post(
    '/:id/cancel',
    route({ params: ActionParams }, async ({ params }, req, res) => {
      const principal = principalOf(req);
      assertCanSee(principal, params.id);
      const by = principal.kind === 'agent' ? `agent:${principal.agent.id}` : (await identities.forOperator(principal.operator)).by;
      const state = await gateway.cancel(params.id, { by });
      req.log.info({ actionId: state.id, by }, 'action cancelled');
      res.json(state);
    }),
  );

  router.post(
    '/:id/decision',
    route({ params: ActionParams, body: DecisionBody }, async ({ params, body }, req, res) => {
      const operator = requireOperator(req);
      const identity = await identities.forOperator(operator);
      // The CLI says so, so the record shows which fallback was used.
      const via = req.get('x-airlock-client') === 'cli' ? 'cli' : 'api';
      const state = await gateway.decide(params.id, { ...body, ...identity, via });
      req.log.info({ actionId: state.id, by: identity.by, decision: body.decision, status: state.status }, 'decision recorded');
      res.json(state);
    }),
  );

  return router;
}
