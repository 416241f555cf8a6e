import type { App } from '@slack/bolt';
import { FreezeBody } from '../../../../domain/standing.js';
import { PrincipalId } from '../../../../domain/action.js';
import { ApiError } from '../../../errors.js';
import { tell, type ListenerDeps } from '../../deps.js';

/** The slash command, as the manifest declares it. */
export const AIRLOCK_COMMAND = '/airlock';

const USAGE = 'Usage: `/airlock freeze <agent> <reason>` or `/airlock unfreeze <agent>`.';

/**
 * `/airlock freeze <agent> <reason>` and `/airlock unfreeze <agent>`: the kill
 * switch from Slack, for the people trusted with critical approvals. Answers
 * privately; acknowledged at once because a freeze waits for its sweep.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.command(AIRLOCK_COMMAND, async ({ ack, command, client }) => {
    await ack();
    const where = { channel: command.channel_id, user: command.user_id };
    const say = (text: string) => tell(client, where, text).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'cannot answer the command'));
    const [verb, agentId, ...rest] = command.text.trim().split(/\s+/);
    const agent = PrincipalId.safeParse(agentId);
    if ((verb !== 'freeze' && verb !== 'unfreeze') || !agent.success) return void (await say(USAGE));
    const identity = await deps.identities.forSlackUser(command.user_id);
    const allowed = deps.config.current.file.approvals.criticalApprovers;
    if (![...identity.ids, ...identity.groups].some((id) => allowed.includes(id))) {
      deps.logger.warn({ by: identity.by, verb, agentId: agent.data }, 'kill switch refused: not a critical approver');
      return void (await say(':no_entry: Only critical approvers may freeze or unfreeze agents. Nothing was changed.'));
    }
    try {
      if (verb === 'freeze') {
        const body = FreezeBody.safeParse({ reason: rest.join(' ') });
        if (!body.success) return void (await say(`:warning: Say why (at most 2 000 characters). ${USAGE}`));
        const standing = await deps.agents.freeze(agent.data, { by: identity.by, reason: body.data.reason });
        deps.logger.warn({ agentId: agent.data, by: identity.by, reason: body.data.reason }, 'agent frozen from Slack');
        await say(`:octagonal_sign: Agent \`${agent.data}\` is frozen: its pending actions are cancelled and nothing of it runs until it is unfrozen. Reason: ${standing.reason ?? body.data.reason}`);
      } else {
        await deps.agents.unfreeze(agent.data, identity.by);
        deps.logger.warn({ agentId: agent.data, by: identity.by }, 'agent unfrozen from Slack');
        await say(`:white_check_mark: Agent \`${agent.data}\` may act again.`);
      }
    } catch (err) {
      if (!(err instanceof ApiError)) deps.logger.error({ err, agentId: agent.data }, 'kill switch from Slack failed');
      await say(err instanceof ApiError ? `:warning: ${err.message}. Nothing was changed.` : ':warning: Airlock could not do that; nothing was changed. Try `npm run airlock -- freeze`.');
    }
  });
}
