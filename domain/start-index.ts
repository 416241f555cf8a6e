import type { ActionStatus } from './action.js';
import type { ActionInput } from './input.js';

/** The search attributes an action's run is started with that its workflow later changes. */
export interface StartIndex {
  status: ActionStatus;
  tier: string;
  score: number;
}

/**
 * What the API indexes when it starts an action, and the workflow takes as
 * already shown. An action scored auto with no preview to wait for executes in
 * its first workflow task: it is started as `executing`, so that step costs its
 * history no event. Any other starts as `assessing`.
 */
export function startIndexOf(input: Pick<ActionInput, 'risk' | 'tool'>): StartIndex {
  const { executor } = input.tool;
  const previews = executor.type === 'http' && executor.previewUrl !== undefined;
  return { status: input.risk.tier === 'auto' && !previews ? 'executing' : 'assessing', tier: input.risk.tier, score: input.risk.score };
}
