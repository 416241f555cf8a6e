import { Router } from 'express';
import { z } from 'zod';
import { ToolName } from '../../domain/action.js';
import { requireOperator } from '../auth.js';
import { route } from '../validate.js';
import type { ToolGateway } from './gateway.js';

/** Path of the routes about one tool. */
export const ToolParams = z.object({ name: ToolName });

/** The `/v1/tools` routes: what operators need to know of a tool, its breaker above all. */
export function toolRoutes(tools: ToolGateway): Router {
  const router = Router();
  router.get(
    '/:name',
    route({ params: ToolParams }, async ({ params }, req, res) => {
      requireOperator(req);
      res.json(await tools.view(params.name));
    }),
  );
  return router;
}
