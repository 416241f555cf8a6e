import type { WebClient } from '@slack/web-api';
import type { ConfigSource } from '../../config/live.js';
import type { DecisionInput } from '../../domain/decision.js';
import type { Logger } from '../../lib/logger.js';
import { parseCardRef, type CardRef } from '../../slack/ids.js';
import type { ActionGateway } from '../actions/gateway.js';
import type { AgentGateway } from '../agents/gateway.js';
import { ApiError } from '../errors.js';
import type { Identities } from '../identity.js';

/** What every Slack listener needs. */
export interface ListenerDeps {
  gateway: ActionGateway;
  identities: Identities;
  logger: Logger;
  /**
   * The configuration in force, read when a listener runs: the API's limits on
   * parameters (an edit from Slack keeps to them too) and who may use the kill
   * switch from Slack (`approvals.criticalApprovers`).
   */
  config: ConfigSource;
  /** The kill switch, for `/airlock freeze`. */
  agents: AgentGateway;
}

/** Where a user is told something only they see. */
export interface Where {
  channel?: string | undefined;
  user: string;
}

/** Where to tell a user something only they see: ephemeral in the card's channel, else a DM. */
export async function tell(client: WebClient, where: Where, text: string): Promise<void> {
  if (where.channel) await client.chat.postEphemeral({ channel: where.channel, user: where.user, text });
  else await client.chat.postMessage({ channel: where.user, text });
}

/** Tells a user, logging (never throwing) when even that fails. */
export async function tellSafely(deps: ListenerDeps, client: WebClient, where: Where, text: string): Promise<void> {
  await tell(client, where, text).catch((e: unknown) => deps.logger.warn({ err: (e as Error).message }, 'cannot tell the user'));
}

/** The sentence a refused or failed decision is explained with. */
export function refusalText(err: unknown): string {
  if (err instanceof ApiError) return `:warning: ${err.message}. Nothing was changed.`;
  return ':warning: Airlock could not record that; nothing was changed. Try again, or decide with `npm run airlock`.';
}

/** The answer to a button or form that does not name an Airlock action (it never reaches Temporal). */
export const NOT_OURS = ':warning: That does not name an Airlock action; nothing was changed.';

/** The card reference in a button's value; anything else is refused privately, logged, and goes no further. */
export async function cardRefOf(deps: ListenerDeps, client: WebClient, where: Where, value: string | undefined): Promise<CardRef | undefined> {
  const ref = parseCardRef(value);
  if (ref) return ref;
  deps.logger.warn({ user: where.user, length: value?.length }, 'slack button without a valid card reference');
  await tellSafely(deps, client, where, NOT_OURS);
  return undefined;
}

/**
 * Tells the user their card showed an old version, and has the workflow render
 * the card again so it shows the current one.
 */
export async function outOfDate(deps: ListenerDeps, client: WebClient, where: Where, actionId: string, current: unknown): Promise<void> {
  await tellSafely(deps, client, where, `:arrows_counterclockwise: This card is out of date; the current version is v${String(current)}. Nothing was changed: check the refreshed card and decide again.`);
  await deps.gateway.refreshCard(actionId).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message, actionId }, 'cannot refresh the card'));
}

/**
 * Records a Slack user's decision on the version their card showed, through
 * the same Update as the API, telling them privately if it is refused.
 */
export async function decideFromSlack(
  deps: ListenerDeps,
  client: WebClient,
  where: Where,
  ref: CardRef,
  decision: Pick<DecisionInput, 'decision' | 'reason' | 'edit' | 'standing'>,
): Promise<void> {
  const { actionId, version, paramsSha256 } = ref;
  try {
    const identity = await deps.identities.forSlackUser(where.user);
    const state = await deps.gateway.decide(actionId, { ...decision, version, paramsSha256, ...identity, via: 'slack' });
    deps.logger.info({ actionId, by: identity.by, decision: decision.decision, version, status: state.status }, 'slack decision recorded');
  } catch (err) {
    if (err instanceof ApiError && err.code === 'stale_version') {
      const details = (err.details ?? {}) as { currentVersion?: unknown };
      return outOfDate(deps, client, where, actionId, details.currentVersion ?? '?');
    }
    if (!(err instanceof ApiError)) deps.logger.error({ err, actionId }, 'slack decision failed');
    await tellSafely(deps, client, where, refusalText(err));
  }
}
