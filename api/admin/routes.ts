import { Router } from 'express';
import { ConfigError } from '../../config/errors.js';
import type { LiveConfig } from '../../config/live.js';
import { requireOperator } from '../auth.js';
import { ApiError } from '../errors.js';
import { route } from '../validate.js';

/** The `/v1/admin` routes: operating Airlock itself. */
export function adminRoutes(live: LiveConfig): Router {
  const router = Router();

  router.post(
    '/reload',
    route({}, async (_input, req, res) => {
      const operator = requireOperator(req);
      try {
        res.json(live.reload(`operator:${operator.id}`, req.log));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        // A bad file is the operator's to fix, never a server error: say which fields, and that nothing changed.
        const fields = err.issues.map((i) => `${i.field}: ${i.message}`).join('; ');
        throw new ApiError(
          'invalid_config',
          `invalid configuration in ${err.source}, not reloaded (the configuration in force is unchanged): ${fields}`,
          err.issues,
          { cause: err },
        );
      }
    }),
  );

  return router;
}
