import { ApplicationFailure } from '@temporalio/common';
import { ErrorCode, type WebClient } from '@slack/web-api';
import { approvalCard, minimalCard, ownerNotice, reminderText, resultText, type CardContext, type SlackMessage } from '../slack/blocks.js';
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

/** Slack's answers to a message it will not render; the minimal card is tried instead. */
const REFUSED_CONTENT = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'msg_blocks_too_long']);

function refusedContent(err: unknown): boolean {
  const { code, data } = err as { code?: unknown; data?: { error?: string } };
  return code === ErrorCode.PlatformError && REFUSED_CONTENT.has(data?.error ?? '');
}

/** Which card was sent: `minimal` is Slack's refusal of the full one, when it was refused. */
export interface CardSent {
  minimal?: string;
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

  /**
   * Sends the full card, and the minimal one if Slack refuses the full one's
   * content: the builders keep to Slack's limits, but an action must never
   * wait without a card because Slack disagrees about one block. Says which
   * was sent (the workflow logs it).
   */
  async function sendCard<T>(
    method: string,
    context: CardContext,
    send: (c: WebClient, message: SlackMessage) => Promise<T>,
  ): Promise<{ res: T; minimal?: string }> {
    return call(method, async (c) => {
      try {
        return { res: await send(c, approvalCard(context)) };
      } catch (err) {
        if (!refusedContent(err)) throw err;
        return { res: await send(c, minimalCard(context)), minimal: (err as { data: { error: string } }).data.error };
      }
    });
  }

  return {
    /** Posts the approval card; returns where it is, and why it is the minimal one if it is. */
    async slackPostCard({ context, channel }: CardTarget): Promise<CardSent & { channel: string; ts: string }> {
      const { res, minimal } = await sendCard('chat.postMessage', context, (c, message) =>
        c.chat.postMessage({ channel, ...message, unfurl_links: false }),
      );
      return { channel: res.channel ?? channel, ts: res.ts ?? '', ...(minimal ? { minimal } : {}) };
    },

    /** Rewrites the card to the action's current state (buttons go once it is decided). */
    async slackUpdateCard({ context, channel, ts }: CardTarget & { ts: string }): Promise<CardSent> {
      const { minimal } = await sendCard('chat.update', context, (c, message) => c.chat.update({ channel, ts, ...message }));
      return minimal ? { minimal } : {};
    },

    /** Turns a card that a newer one replaces into its minimal form without buttons, saying so. */
    async slackRetireCard({ context, channel, ts }: CardTarget & { ts: string }): Promise<void> {
      const message = minimalCard(context, { buttons: false, note: 'This card is out of date: a newer card for this action was posted.' });
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
