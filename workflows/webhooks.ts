import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { WebhookEvent, WebhookSubscription } from '../domain/webhook-events.js';
import { webhookTaskQueue } from './messages.js';
import { recordedPatches, type PatchCheck } from './patches.js';

/** Guards every command webhooks add to a workflow: histories from before them replay unchanged. */
export const WEBHOOKS_PATCH = 'airlock-webhooks';

/** The webhook deliveries of one workflow run. */
export interface WebhookDeliveries {
  /**
   * Schedules one delivery per receiver of `subscriptions` subscribed to
   * `event`, not awaited: a slow or failing receiver holds up neither the
   * workflow nor another receiver. `subject` names what the event is about
   * (the action, the agent's freeze); with `event` it makes the delivery's
   * stable `webhook-id`.
   */
  emit(subscriptions: readonly WebhookSubscription[] | undefined, event: WebhookEvent, subject: string, timestamp: string, data: unknown): void;
  /** Resolves once every delivery scheduled so far (and any scheduled meanwhile) has ended, delivered or not. */
  settled(): Promise<void>;
  /** True when no delivery is under way. */
  idle(): boolean;
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/**
 * The deliveries of one workflow run. With no receiver subscribed to an event,
 * emitting it does nothing at all: no command, no marker.
 */
export function webhookDeliveries(patched: PatchCheck = recordedPatches): WebhookDeliveries {
  const pending: Promise<unknown>[] = [];
  let running = 0;
  const occurrences = new Map<string, number>();
  return {
    emit(subscriptions, event, subject, timestamp, data) {
      const receivers = (subscriptions ?? []).filter((s) => s.events.includes(event));
      if (receivers.length === 0 || !patched(WEBHOOKS_PATCH)) return;
      // An action can come back to a status (approvals asked again): each time is an event of its own.
      const key = `${subject}/${event}`;
      const n = (occurrences.get(key) ?? 0) + 1;
      occurrences.set(key, n);
      const eventKey = n > 1 ? `${key}/${n}` : key;
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
        running++;
        pending.push(
          deliverWebhook({ receiver: s.receiver, event, eventKey, timestamp, data, timeoutMs: s.timeoutMs })
            .catch((err: unknown) => {
              log.warn('webhook not delivered', { receiver: s.receiver, event, error: reason(err) });
            })
            .finally(() => running--),
        );
      }
    },
    async settled() {
      for (let seen = -1; seen < pending.length; ) {
        seen = pending.length;
        await Promise.allSettled(pending);
      }
    },
    idle: () => running === 0,
  };
}
