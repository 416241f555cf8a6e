import { log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { WebhookEvent, WebhookSubscription } from '../domain/webhook-events.js';
import { webhookTaskQueue } from './messages.js';

/** Guards every command webhooks add to a workflow: histories from before them replay unchanged. */
export const WEBHOOKS_PATCH = 'airlock-webhooks';

/** The webhook deliveries of one workflow run. */
export interface WebhookDeliveries {
  /**
   * Schedules one delivery per receiver subscribed to `event`, not awaited: a
   * slow or failing receiver holds up neither the workflow nor another
   * receiver. `subject` names what the event is about (the action, the agent's
   * freeze); with `event` it makes the delivery's stable `webhook-id`.
   */
  emit(event: WebhookEvent, subject: string, timestamp: string, data: unknown): void;
  /** Resolves once every delivery scheduled so far (and any scheduled meanwhile) has ended, delivered or not. */
  settled(): Promise<void>;
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Deliveries for the receivers a workflow's input names. With none subscribed
 * to an event, emitting it does nothing at all: no command, no marker.
 */
export function webhookDeliveries(subscriptions: readonly WebhookSubscription[] | undefined): WebhookDeliveries {
  const pending: Promise<unknown>[] = [];
  const occurrences = new Map<WebhookEvent, number>();
  return {
    emit(event, subject, timestamp, data) {
      const receivers = (subscriptions ?? []).filter((s) => s.events.includes(event));
      if (receivers.length === 0 || !patched(WEBHOOKS_PATCH)) return;
      // An action can come back to a status (approvals asked again): each time is an event of its own.
      const n = (occurrences.get(event) ?? 0) + 1;
      occurrences.set(event, n);
      const eventKey = `${subject}/${event}${n > 1 ? `/${n}` : ''}`;
      for (const s of receivers) {
        const { deliverWebhook } = proxyActivities<Activities>({
          taskQueue: webhookTaskQueue(workflowInfo().taskQueue),
          // The call aborts itself at its timeout; the margin covers a worker that died mid-call.
          startToCloseTimeout: s.timeoutMs + 5_000,
          retry: {
            maximumAttempts: s.retry.maxAttempts,
            initialInterval: s.retry.initialInterval,
            backoffCoefficient: s.retry.backoffCoefficient,
            maximumInterval: s.retry.maximumInterval,
          },
        });
        pending.push(
          deliverWebhook({ receiver: s.receiver, event, eventKey, timestamp, data, timeoutMs: s.timeoutMs }).catch((err: unknown) => {
            log.warn('webhook not delivered', { receiver: s.receiver, event, error: reason(err) });
          }),
        );
      }
    },
    async settled() {
      for (let seen = -1; seen < pending.length; ) {
        seen = pending.length;
        await Promise.allSettled(pending);
      }
    },
  };
}
