import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { View } from '@slack/types';
import type { ActionState } from '../../../../domain/action.js';
import { currentVersion } from '../../../../domain/approval-rules.js';
import type { ModalMetadata } from '../../../../slack/ids.js';
import { cardRefOf, outOfDate, refusalText, tellSafely, type ListenerDeps } from '../../deps.js';

/**
 * Opens a decision modal for the version the card showed, or says privately
 * why not: the button is not ours, the action is no longer awaiting approval,
 * or the card is out of date (then it is refreshed).
 */
export async function openDecisionModal(
  deps: ListenerDeps,
  { ack, action, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs,
  build: (meta: ModalMetadata, state: ActionState) => View,
): Promise<void> {
  await ack();
  const where = { channel: body.channel?.id, user: body.user.id };
  const ref = await cardRefOf(deps, client, where, action.value);
  if (!ref) return;
  try {
    const state = await deps.gateway.get(ref.actionId);
    if (state.status !== 'awaiting_approval') {
      return tellSafely(deps, client, where, `:information_source: Action \`${state.id}\` is ${state.status}; it can no longer be decided.`);
    }
    const current = currentVersion(state);
    if (current.version !== ref.version || current.paramsSha256 !== ref.paramsSha256) {
      return outOfDate(deps, client, where, ref.actionId, current.version);
    }
    const meta: ModalMetadata = { ...ref, ...(where.channel ? { channel: where.channel } : {}), ...(body.message?.ts ? { ts: body.message.ts } : {}) };
    await client.views.open({ trigger_id: body.trigger_id, view: build(meta, state) });
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'cannot open the decision modal');
    await tellSafely(deps, client, where, refusalText(err));
  }
}
