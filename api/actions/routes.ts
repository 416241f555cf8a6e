import { Router } from 'express';
import { z } from 'zod';
import { ActionId, ActionRequest, ActionStatus, PrincipalId, ToolName } from '../../domain/action.js';
import { DecisionBody } from '../../domain/decision.js';
import { matchesAny } from '../../domain/glob.js';
import { principalOf, requireAgent, requireOperator, type Principal } from '../auth.js';
import type { Identities } from '../identity.js';
import { ApiError } from '../errors.js';
import { route } from '../validate.js';
import type { AgentGateway } from '../agents/gateway.js';
import { agentOfActionId, notFound, type ActionGateway } from './gateway.js';
import { Velocity } from './velocity.js';
import type { LimitsConfig } from '../../domain/config.js';

/** Query of `POST /v1/actions`: how long to hold the answer for the action to settle. */
export const SubmitQuery = z.object({
  wait: z.coerce.number().int('must be whole seconds').min(0).max(60, 'at most 60 seconds').default(0),
});

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
function assertCanSee(principal: Principal, actionId: string): void {
  if (principal.kind === 'agent' && agentOfActionId(actionId) !== principal.agent.id) throw notFound(actionId);
}

/** The `/v1/actions` routes. */
export function actionRoutes(
  gateway: ActionGateway,
  identities: Identities,
  agents: AgentGateway,
  /** The limits in force: read at every submission, so a reload applies at once. */
  limitsOf: () => LimitsConfig,
): Router {
  const router = Router();
  const velocity = new Velocity(limitsOf);

  router.post(
    '/',
    route({ body: ActionRequest, query: SubmitQuery }, async ({ body, query }, req, res) => {
      const agent = requireAgent(req);
      if (!matchesAny(body.tool, agent.tools)) {
        throw new ApiError('forbidden', `agent ${agent.id} may not use tool ${body.tool}`, {
          field: 'tool',
          allowed: agent.tools,
        });
      }
      // The kill switch: a frozen agent submits nothing (its standing is at most a second old).
      await agents.assertActive(agent.id);
      const throttle = velocity.admit(agent.id, body.sessionId);
      if (throttle) {
        const limits = limitsOf();
        // A burst that keeps hitting the limit is a runaway: stop it, durably, for everyone.
        if (limits.freezeAfter !== undefined && throttle.refusals > limits.freezeAfter) {
          const reason = `${throttle.refusals} submissions refused within a minute for going too fast (limits.freezeAfter is ${limits.freezeAfter})`;
          await agents.freeze(agent.id, { by: 'airlock', reason });
          req.log.warn({ agentId: agent.id, refusals: throttle.refusals }, 'agent frozen by airlock');
          throw new ApiError('agent_frozen', `agent ${agent.id} is frozen: ${reason}`, { frozenBy: 'airlock', reason });
        }
        throw new ApiError(
          'rate_limited',
          `${throttle.scope === 'agent' ? `agent ${agent.id}` : `session ${body.sessionId}`} may submit at most ${throttle.limit} actions a minute (limits.${throttle.scope}PerMinute)`,
          { scope: throttle.scope, limit: throttle.limit, retryAfterS: throttle.retryAfterS },
          { retryAfterS: throttle.retryAfterS },
        );
      }
      const state = await gateway.submit(agent, body, query.wait * 1000);
      req.log.info({ actionId: state.id, status: state.status, tier: state.risk.tier, score: state.risk.score }, 'action submitted');
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
    route({ params: ActionParams }, async ({ params }, req, res) => {
      assertCanSee(principalOf(req), params.id);
      res.json(await gateway.get(params.id));
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
