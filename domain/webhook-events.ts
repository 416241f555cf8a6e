import type { ActionStatus } from './action.js';
import type { RetryConfig } from './config.js';

/** The events a webhook receiver may subscribe to: an action reaching a status, or an agent being frozen. */
export const WEBHOOK_EVENTS = [
  'action.awaiting_approval',
  'action.approved',
  'action.rejected',
  'action.expired',
  'action.succeeded',
  'action.failed',
  'action.cancelled',
  'agent.frozen',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The event of an action reaching `status`, when there is one (`assessing`, `executing` and `denied` have none). */
export function actionEventOf(status: ActionStatus): WebhookEvent | undefined {
  const event = `action.${status}`;
  return (WEBHOOK_EVENTS as readonly string[]).includes(event) ? (event as WebhookEvent) : undefined;
}

/**
 * One receiver's subscription as a workflow carries it: which receiver (its id,
 * never its URL or secret: histories are visible in the Temporal UI), the events
 * it wants, and how its deliveries are bounded. The worker resolves the rest.
 */
export interface WebhookSubscription {
  /** `wh_` and a hash of the receiver's URL. */
  receiver: string;
  events: WebhookEvent[];
  retry: RetryConfig;
  /** One delivery attempt. */
  timeoutMs: number;
}
