import { z } from 'zod';
import { ActionId } from '../domain/action.js';
import { StandingTerms } from '../domain/decision.js';

/** Block Kit action ids and view callback ids: the card, the modals, the listeners and the manifest agree on these. */
export const SLACK_IDS = {
  approve: 'airlock_approve',
  approveStanding: 'airlock_approve_standing',
  reject: 'airlock_reject',
  edit: 'airlock_edit',
  openTemporal: 'airlock_open_temporal',
  rejectView: 'airlock_reject_view',
  editView: 'airlock_edit_view',
  reasonBlock: 'reason',
  reasonInput: 'reason_input',
  parametersBlock: 'parameters',
  parametersInput: 'parameters_input',
  recordsBlock: 'records',
  recordsInput: 'records_input',
  amountBlock: 'amount',
  amountInput: 'amount_input',
  usersBlock: 'users',
  usersInput: 'users_input',
} as const;

/**
 * What a decision button names: the action, and the version (with its
 * parameters' hash) the card showed. The workflow refuses a decision on any
 * other version, so a click on an out-of-date card can never approve what the
 * approver did not see.
 */
export const CardRef = z.strictObject({
  actionId: ActionId,
  version: z.number().int().min(1),
  paramsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** On the standing-approval button: the terms it offers (the workflow still bounds them by the configuration). */
  standing: StandingTerms.optional(),
});
export type CardRef = z.infer<typeof CardRef>;

/** What the decision modals carry in `private_metadata`: the card's reference and where the card is. */
export const ModalMetadata = CardRef.extend({
  channel: z.string().regex(/^[A-Z0-9]{1,40}$/).optional(),
  ts: z.string().regex(/^[0-9]{1,20}\.[0-9]{1,10}$/).optional(),
});
export type ModalMetadata = z.infer<typeof ModalMetadata>;

// Slack caps button values at 2 000 and metadata at 3 000 characters; anything
// longer did not come from us, and is not worth parsing.
function parseJson<T>(schema: z.ZodType<T>, text: string | undefined, max: number): T | undefined {
  if (!text || text.length > max) return undefined;
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** A decision button's `value`. */
export function encodeCardRef(ref: CardRef): string {
  return JSON.stringify({ actionId: ref.actionId, version: ref.version, paramsSha256: ref.paramsSha256, ...(ref.standing ? { standing: ref.standing } : {}) });
}

/** The reference in a button's `value`, or undefined when it is not one of ours. */
export function parseCardRef(value: string | undefined): CardRef | undefined {
  return parseJson(CardRef, value, 2000);
}

/** A modal's `private_metadata`. */
export function encodeModalMetadata(meta: ModalMetadata): string {
  return JSON.stringify(meta);
}

/** The metadata of a submitted modal, or undefined when it is not one of ours. */
export function parseModalMetadata(text: string | undefined): ModalMetadata | undefined {
  return parseJson(ModalMetadata, text, 3000);
}
