import type { ActionRequest, Tier } from './action.js';
import type { ApprovalsConfig } from './config.js';
import { matchesAny } from './glob.js';

/** The Slack channel an approval card goes to: the first matching route, else the default channel. */
export function cardChannel(approvals: Pick<ApprovalsConfig, 'routes' | 'channel'>, request: ActionRequest, tier: Tier): string | undefined {
  for (const route of approvals.routes) {
    const w = route.when;
    if (w.tools && !matchesAny(request.tool, w.tools)) continue;
    if (w.environments && !w.environments.includes(request.environment)) continue;
    if (w.tiers && !(w.tiers as readonly Tier[]).includes(tier)) continue;
    return route.channel;
  }
  return approvals.channel;
}
