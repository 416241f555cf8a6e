import { z } from 'zod';

/**
 * What a tool's preview endpoint answers (`200`, JSON): what the exact call
 * would do, if it ran now. Every field is optional; unknown ones are dropped.
 */
export const PreviewAnswer = z.object({
  records: z.number().int().nonnegative().optional(),
  users: z.number().int().nonnegative().optional(),
  amountUsd: z.number().nonnegative().finite().optional(),
  reversible: z.boolean().optional(),
  summary: z.string().max(1000).optional(),
});
export type PreviewAnswer = z.infer<typeof PreviewAnswer>;
