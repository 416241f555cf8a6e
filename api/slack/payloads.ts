import { z } from 'zod';
import { ActionEdit } from '../../domain/decision.js';

/** What the modals carry in `private_metadata`. */
export const ModalMetadata = z.object({
  actionId: z.string().min(1),
  channel: z.string().optional(),
  ts: z.string().optional(),
});
export type ModalMetadata = z.infer<typeof ModalMetadata>;

const OptionalNumber = z
  .string()
  .optional()
  .nullable()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? undefined : Number(v)))
  .pipe(z.number().nonnegative().finite().optional());

/** The values of a submitted edit modal, as Slack sends them (strings). */
export const EditSubmission = z.object({
  parameters: z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
      return z.NEVER;
    }
  }).pipe(ActionEdit.shape.parameters),
  records: OptionalNumber.pipe(z.number().int().optional()),
  amountUsd: OptionalNumber,
  users: OptionalNumber.pipe(z.number().int().optional()),
});
export type EditSubmission = z.infer<typeof EditSubmission>;
