import type { Tier } from './action.js';

const TIER_ORDER: readonly Tier[] = ['auto', 'review', 'critical', 'deny'];

/** The riskier of two tiers. */
export function higherTier(a: Tier, b: Tier): Tier {
  return TIER_ORDER.indexOf(a) >= TIER_ORDER.indexOf(b) ? a : b;
}

/** How many distinct people must approve an action of this tier. */
export function approvalsRequired(tier: Tier): number {
  return tier === 'critical' ? 2 : tier === 'review' ? 1 : 0;
}
