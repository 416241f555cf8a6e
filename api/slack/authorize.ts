import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../../lib/logger.js';

/** The workspaces and apps Airlock answers (`SLACK_TEAM_IDS`, `SLACK_APP_IDS`). */
export interface SlackAudience {
  teamIds: readonly string[];
  appIds: readonly string[];
}

/**
 * A global middleware that lets through only requests from a listed team (or
 * Enterprise Grid org) and a listed app. A signed request can still come from
 * another workspace or app sharing the signing secret or socket; it is
 * acknowledged, so Slack does not retry it, logged, and otherwise dropped:
 * nothing is recorded and nobody is answered.
 */
export function onlyListed(audience: SlackAudience, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { body, context, next } = args;
    const appId = (body as { api_app_id?: unknown }).api_app_id;
    const team = [context.teamId, context.enterpriseId].find((id) => id !== undefined && audience.teamIds.includes(id));
    if (team !== undefined && typeof appId === 'string' && audience.appIds.includes(appId)) return next();
    logger.warn({ teamId: context.teamId, enterpriseId: context.enterpriseId, appId }, 'slack request from an unlisted team or app dropped');
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}
