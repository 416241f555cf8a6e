import { ApplicationFailure, Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import type { WebhookConfig } from '../domain/config.js';
import type { WebhookEvent } from '../domain/webhook-events.js';
import { findReceiver, secretOf, webhookMessageId } from '../lib/webhook-receivers.js';
import { errorText, isRetryableStatus, readBounded } from './tool-call.js';

/** Input of `deliverWebhook`: which receiver and what happened, never where the receiver is or its secret. */
export interface DeliverWebhookInput {
  receiver: string;
  event: WebhookEvent;
  /** What happened to what (the action or the freeze, the event, its occurrence): with the receiver, the `webhook-id`. */
  eventKey: string;
  /** When it happened (ISO 8601), the body's `timestamp`. */
  timestamp: string;
  /** The action's state, or the agent's standing. */
  data: unknown;
  /** One attempt. */
  timeoutMs: number;
}

/** A delivery the receiver took. */
export interface DeliverWebhookOutput {
  webhookId: string;
  status: number;
  attempt: number;
}

/** Bytes of a receiver's answer read: only its status matters, the rest is never read. */
const MAX_ANSWER_BYTES = 1024;

/**
 * Builds the webhook activity. `webhooks` is the configuration in force in this
 * worker, read at every attempt: the receiver's URL and secret are resolved
 * here, so neither ever reaches a workflow's history.
 */
export function createWebhookActivities(webhooks: () => readonly WebhookConfig[] = () => [], fetchImpl: typeof fetch = fetch) {
  return {
    /**
     * Delivers one event to one receiver, as Standard Webhooks says: a
     * `webhook-id` stable across attempts, a fresh `webhook-timestamp` and
     * `webhook-signature` at each. 2xx is delivered; 408, 429, 5xx, timeouts and
     * refused connections are retried by Temporal's retry policy; any other
     * answer (3xx, 4xx) is final, as another try would get the same.
     */
    async deliverWebhook(input: DeliverWebhookInput): Promise<DeliverWebhookOutput> {
      const receiver = findReceiver(webhooks(), input.receiver);
      if (!receiver) throw ApplicationFailure.nonRetryable(`webhook receiver ${input.receiver} is no longer configured`, 'WebhookReceiverGone');
      const secret = secretOf(receiver);
      if (!secret) throw ApplicationFailure.nonRetryable(`webhook receiver ${input.receiver} has no secret in this worker's environment`, 'WebhookSecretMissing');
      const attempt = Context.current().info.attempt;
      const webhookId = webhookMessageId(input.eventKey, input.receiver);
      const body = JSON.stringify({ type: input.event, timestamp: input.timestamp, data: input.data });
      const now = new Date();
      let status: number;
      try {
        const response = await fetchImpl(receiver.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': webhookId,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': new Webhook(secret).sign(webhookId, now, body),
          },
          body,
          // A redirect is an answer like any other: the body goes only where it was configured to.
          redirect: 'manual',
          signal: AbortSignal.timeout(input.timeoutMs),
        });
        status = response.status;
        await readBounded(response.body, MAX_ANSWER_BYTES);
      } catch (err) {
        // The URL stays out of the message: it may hold a token, and failures are kept in the history.
        throw ApplicationFailure.create({ message: `webhook receiver ${input.receiver} unreachable: ${errorText(err, input.timeoutMs)}`, type: 'WebhookUnreachable' });
      }
      if (status >= 200 && status < 300) return { webhookId, status, attempt };
      throw ApplicationFailure.create({
        message: `webhook receiver ${input.receiver} answered ${status}`,
        type: isRetryableStatus(status) ? 'WebhookUnavailable' : 'WebhookRefused',
        nonRetryable: !isRetryableStatus(status),
      });
    },
  };
}
