import { ApplicationFailure } from '@temporalio/common';
import { ErrorCode, type WebClient } from '@slack/web-api';
import { approvalCard, ownerNotice, reminderText, resultText, type CardContext } from '../slack/blocks.js';
import type { ActionState } from '../domain/action.js';

/** Platform errors worth another try; every other `ok: false` is final (bad channel, missing scope…). */
const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Turns a Slack Web API failure into a Temporal one: 429 carries Slack's
 * Retry-After as the next retry delay, 5xx and network errors back off, the
 * rest is not retried. The workflow's retry policy bounds the attempts.
 */
export function slackFailure(err: unknown, method: string): ApplicationFailure {
  const code = (err as { code?: unknown }).code;
  if (code === ErrorCode.RateLimitedError) {
    const retryAfter = (err as { retryAfter: number }).retryAfter;
    return ApplicationFailure.create({
      message: `Slack ${method}: rate limited, retry after ${retryAfter}s`,
      type: 'SlackRateLimited',
      ...(retryAfter > 0 ? { nextRetryDelay: retryAfter * 1000 } : {}),
    });
  }
  if (code === ErrorCode.HTTPError) {
    const status = (err as { statusCode: number }).statusCode;
    return ApplicationFailure.create({
      message: `Slack ${method}: HTTP ${status}`,
      type: 'SlackUnavailable',
      nonRetryable: status < 500 && status !== 408,
    });
  }
  if (code === ErrorCode.PlatformError) {
    const error = (err as { data: { error: string } }).data.error;
    return ApplicationFailure.create({
      message: `Slack ${method}: ${error}`,
      type: 'SlackRefused',
      nonRetryable: !TRANSIENT_PLATFORM_ERRORS.has(error),
    });
  }
  return ApplicationFailure.create({
    message: `Slack ${method}: ${err instanceof Error ? err.message : String(err)}`,
    type: 'SlackUnreachable',
  });
}

/** Input of the card activities. */
export interface CardTarget {
  context: CardContext;
  channel: string;
}

/** Builds the Slack activities; without a client (no SLACK_BOT_TOKEN on this worker) each fails for good, saying so. */
export function createSlackActivities(client: WebClient | undefined) {
  async function call<T>(method: string, fn: (c: WebClient) => Promise<T>): Promise<T> {
    if (!client) {
      throw ApplicationFailure.nonRetryable('this worker has no SLACK_BOT_TOKEN', 'SlackNotConfigured');
    }
    try {
      return await fn(client);
    } catch (err) {
      throw slackFailure(err, method);
    }
  }

  return {
    /** Posts the approval card; returns where it is. */
    async slackPostCard({ context, channel }: CardTarget): Promise<{ channel: string; ts: string }> {
      const message = approvalCard(context);
      const res = await call('chat.postMessage', (c) => c.chat.postMessage({ channel, ...message, unfurl_links: false }));
      return { channel: res.channel ?? channel, ts: res.ts ?? '' };
    },

    /** Rewrites the card to the action's current state (buttons go once it is decided). */
    async slackUpdateCard({ context, channel, ts }: CardTarget & { ts: string }): Promise<void> {
      const message = approvalCard(context);
      await call('chat.update', (c) => c.chat.update({ channel, ts, ...message }));
    },

    /** Reminds the approvers in the card's thread. */
    async slackRemind({ context, channel, ts }: CardTarget & { ts: string }): Promise<void> {
      await call('chat.postMessage', (c) => c.chat.postMessage({ channel, thread_ts: ts, text: reminderText(context) }));
    },

    /** Posts the execution result in the card's thread. */
    async slackPostResult({ state, channel, ts }: { state: ActionState; channel: string; ts: string }): Promise<void> {
      await call('chat.postMessage', (c) => c.chat.postMessage({ channel, thread_ts: ts, text: resultText(state) }));
    },

    /** Tells the agent's owner, by direct message, that an action was rejected or failed. */
    async slackNotifyOwner({ state, owner }: { state: ActionState; owner: string }): Promise<void> {
      await call('chat.postMessage', (c) => c.chat.postMessage({ channel: owner, text: ownerNotice(state) }));
    },
  };
}
