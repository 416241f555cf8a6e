import type { WebClient } from '@slack/web-api';
import type { DecisionInput } from '../../domain/decision.js';
import type { Logger } from '../../lib/logger.js';
import type { ActionGateway } from '../actions/gateway.js';
import { ApiError } from '../errors.js';
import type { Identities } from '../identity.js';

/** What every Slack listener needs. */
export interface ListenerDeps {
  gateway: ActionGateway;
  identities: Identities;
  logger: Logger;
}

/** Where to tell a user something only they see: ephemeral in the card's channel, else a DM. */
export async function tell(client: WebClient, where: { channel?: string | undefined; user: string }, text: string): Promise<void> {
  if (where.channel) await client.chat.postEphemeral({ channel: where.channel, user: where.user, text });
  else await client.chat.postMessage({ channel: where.user, text });
}

/** The sentence a refused or failed decision is explained with. */
export function refusalText(err: unknown): string {
  if (err instanceof ApiError) return `:warning: ${err.message}. Nothing was changed.`;
  return ':warning: Airlock could not record that; nothing was changed. Try again, or decide with `npm run airlock`.';
}

/** Records a Slack user's decision through the same Update as the API, telling them privately if it is refused. */
export async function decideFromSlack(
  deps: ListenerDeps,
  client: WebClient,
  where: { channel?: string | undefined; user: string },
  actionId: string,
  decision: Omit<DecisionInput, 'by' | 'ids' | 'via'>,
): Promise<void> {
  try {
    const identity = await deps.identities.forSlackUser(where.user);
    const state = await deps.gateway.decide(actionId, { ...decision, ...identity, via: 'slack' });
    deps.logger.info({ actionId, by: identity.by, decision: decision.decision, status: state.status }, 'slack decision recorded');
  } catch (err) {
    if (!(err instanceof ApiError)) deps.logger.error({ err, actionId }, 'slack decision failed');
    await tell(client, where, refusalText(err)).catch((e: unknown) => deps.logger.warn({ err: (e as Error).message }, 'cannot tell the user'));
  }
}
