/** Webhook receivers as the API and the workers know them: by a stable id, never by their secret. */
import { createHash } from 'node:crypto';
import type { WebhookConfig } from '../domain/config.js';
import type { WebhookEvent, WebhookSubscription } from '../domain/webhook-events.js';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A receiver's id: `wh_` and a hash of its URL, so a workflow names it without its URL (which may hold a token) or secret. */
export function receiverId(url: string): string {
  return `wh_${sha256(url).toString('hex').slice(0, 16)}`;
}

/**
 * The subscriptions a workflow carries: each receiver that wants at least one
 * of `events`, with only those events. Empty when none does, so a workflow
 * without receivers carries nothing.
 */
export function subscriptionsFor(webhooks: readonly WebhookConfig[], events: (event: WebhookEvent) => boolean): WebhookSubscription[] {
  return webhooks.flatMap((w) => {
    const wanted = w.events.filter(events);
    return wanted.length === 0 ? [] : [{ receiver: receiverId(w.url), events: wanted, retry: w.retry, timeoutMs: w.timeout }];
  });
}

/** The receiver with this id in the configuration in force, if it is still there. */
export function findReceiver(webhooks: readonly WebhookConfig[], id: string): WebhookConfig | undefined {
  return webhooks.find((w) => receiverId(w.url) === id);
}

/** The receiver's secret: from the file, or from the environment variable it names (checked at load). */
export function secretOf(receiver: WebhookConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return receiver.secret ?? (receiver.secretEnv === undefined ? undefined : env[receiver.secretEnv]);
}

/**
 * The `webhook-id` of one event for one receiver: the same on every attempt
 * (and for the same event delivered again), so receivers can drop repeats.
 */
export function webhookMessageId(eventKey: string, receiver: string): string {
  return `msg_${sha256(`${eventKey}\n${receiver}`).toString('base64url').slice(0, 27)}`;
}
