import { z } from 'zod';
import { jsonDepth, Parameters } from '../../domain/action.js';
import type { LimitsConfig } from '../../domain/config.js';

const OptionalNumber = z
  .string()
  .optional()
  .nullable()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? undefined : Number(v)))
  .pipe(z.number().nonnegative().finite().optional());

/**
 * The values of a submitted edit modal, as Slack sends them (strings), held to
 * the same limits as an edit through the API: a JSON object no deeper than
 * `parametersDepth` and no larger (as compact JSON) than `parametersBytes`.
 */
export function editSubmission(limits: Pick<LimitsConfig, 'parametersBytes' | 'parametersDepth'>) {
  return z.object({
    parameters: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
          return z.NEVER;
        }
      })
      // Depth first: it is counted without recursion, and bounds what the schema then walks.
      .refine((p) => jsonDepth(p) <= limits.parametersDepth, { message: `nested deeper than ${limits.parametersDepth} levels`, abort: true })
      .refine((p) => new TextEncoder().encode(JSON.stringify(p)).length <= limits.parametersBytes, {
        message: `larger than ${limits.parametersBytes} bytes (limits.parametersBytes)`,
        abort: true,
      })
      .pipe(Parameters),
    records: OptionalNumber.pipe(z.number().int().optional()),
    amountUsd: OptionalNumber,
    users: OptionalNumber.pipe(z.number().int().optional()),
  });
}
export type EditSubmission = z.infer<ReturnType<typeof editSubmission>>;
