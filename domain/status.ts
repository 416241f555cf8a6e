import type { ActionStatus } from './action.js';

const TERMINAL: ReadonlySet<ActionStatus> = new Set(['succeeded', 'failed', 'rejected', 'expired', 'denied', 'cancelled']);

/** True once nothing more will happen to the action. */
export function isTerminal(status: ActionStatus): boolean {
  return TERMINAL.has(status);
}

/** True when a caller waiting on the action should be answered: it is over, or it needs a human. */
export function isSettled(status: ActionStatus): boolean {
  return isTerminal(status) || status === 'awaiting_approval';
}
