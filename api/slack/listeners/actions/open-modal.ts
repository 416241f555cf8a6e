import type { BlockButtonAction, SlackActionMiddlewareArgs, AllMiddlewareArgs } from '@slack/bolt';
import type { View } from '@slack/types';
import type { ActionState } from '../../../../domain/action.js';
import type { ModalMetadata } from '../../payloads.js';
import { refusalText, tell, type ListenerDeps } from '../../deps.js';

/** Opens a decision modal for a card's action, or says privately why not (it is no longer awaiting approval). */
export async function openDecisionModal(
  deps: ListenerDeps,
  { ack, action, body, client }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs,
  build: (meta: ModalMetadata, state: ActionState) => View,
): Promise<void> {
  await ack();
  const where = { channel: body.channel?.id, user: body.user.id };
  try {
    const state = await deps.gateway.get(action.value ?? '');
    if (state.status !== 'awaiting_approval') {
      await tell(client, where, `:information_source: Action \`${state.id}\` is ${state.status}; it can no longer be decided.`);
      return;
    }
    const meta: ModalMetadata = { actionId: state.id, ...(where.channel ? { channel: where.channel } : {}), ...(body.message?.ts ? { ts: body.message.ts } : {}) };
    await client.views.open({ trigger_id: body.trigger_id, view: build(meta, state) });
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'cannot open the decision modal');
    await tell(client, where, refusalText(err)).catch(() => {});
  }
}
