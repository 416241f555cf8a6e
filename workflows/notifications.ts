import { condition, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { currentVersion, eligibleApprovers } from '../domain/approval-rules.js';
import type { ActionInput } from '../domain/input.js';
import { cardChannel } from '../domain/routing.js';
import { isTerminal } from '../domain/status.js';
import type { CardContext } from '../slack/blocks.js';
import type { ActionStore } from './action-workflow.js';
import { slackTaskQueue } from './messages.js';
import type { PatchCheck } from './patches.js';

function reason(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Everything Slack does for one action awaiting approval: post the card, keep
 * it (and its escalated copy) true on every change, remind, escalate, post the
 * result in the thread and tell the owner of a rejection or failure. Slack
 * failures are recorded and logged, never thrown: the action goes on without Slack.
 */
export async function approvalNotifications(input: ActionInput, store: ActionStore, patched: PatchCheck): Promise<void> {
  const { approvals } = input;
  const slack = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: {
      maximumAttempts: approvals.slackRetry.maxAttempts,
      initialInterval: approvals.slackRetry.initialInterval,
      backoffCoefficient: approvals.slackRetry.backoffCoefficient,
      maximumInterval: approvals.slackRetry.maximumInterval,
    },
    // Slack calls have their own task queue (and worker slots) since per-tool queues; older actions keep the main one.
    ...(patched('airlock-slack-queue') ? { taskQueue: slackTaskQueue(workflowInfo().taskQueue) } : {}),
  });
  const expiresAt = new Date(Date.parse(store.state.createdAt) + approvals.timeout).toISOString();
  const context = (escalated = false): CardContext => ({
    state: store.state,
    owner: input.agent.owner,
    justification: input.request.justification,
    resources: input.request.resources,
    approvers: eligibleApprovers(input, store.state.risk.tier),
    expiresAt,
    escalated,
    // Inputs from before standing approvals carry no offer: their cards have no such button.
    ...(input.session && input.approvals.standing ? { standingOffer: input.approvals.standing } : {}),
  });

  /** A posted card, and the version its decision buttons decide (undefined: it has none). */
  interface Card {
    channel: string;
    ts: string;
    escalated: boolean;
    buttons?: number;
  }
  const shown = (): number | undefined => (store.state.status === 'awaiting_approval' ? currentVersion(store.state).version : undefined);
  const sent = (what: string, channel: string, result: { minimal?: string }) => {
    if (result.minimal) log.warn('Slack refused the full card; the minimal card was sent', { what, channel, error: result.minimal });
  };
  // Posts the card (or its escalated copy) and records it, shown buttons and all.
  const post = async (channel: string, escalated: boolean): Promise<Card> => {
    const buttons = shown();
    const posted = await slack.slackPostCard({ context: context(escalated), channel });
    sent('post', channel, posted);
    return { channel: posted.channel, ts: posted.ts, escalated, ...(buttons === undefined ? {} : { buttons }) };
  };

  const cards: Card[] = [];
  const channel = cardChannel(approvals, input.request, store.state.risk.tier);
  let synced = store.revision;
  if (!channel) {
    store.patch({ approvalCard: { channel: '', error: 'no approvals.channel or matching route is configured' } });
    log.warn('no Slack channel for this approval card', { tool: input.request.tool, tier: store.state.risk.tier });
  } else {
    try {
      const posted = await post(channel, false);
      cards.push(posted);
      store.patch({ approvalCard: { channel: posted.channel, ts: posted.ts } });
    } catch (err) {
      store.patch({ approvalCard: { channel, error: reason(err) } });
      log.warn('approval card not posted; the action can still be decided through the API or CLI', { channel, error: reason(err) });
    }
  }

  const waiting = () => store.state.status !== 'awaiting_approval';
  const background: Promise<void>[] = [];
  const first = cards[0];
  if (first && approvals.remindAfter !== undefined) {
    const after = approvals.remindAfter;
    background.push(
      (async () => {
        if (await condition(waiting, after)) return;
        await slack.slackRemind({ context: context(), channel: first.channel, ts: first.ts }).catch((err: unknown) => {
          log.warn('reminder not posted', { error: reason(err) });
        });
      })(),
    );
  }
  const escalationChannel = approvals.escalationChannel;
  if (first && approvals.escalateAfter !== undefined && escalationChannel) {
    const after = approvals.escalateAfter;
    background.push(
      (async () => {
        if (await condition(waiting, after)) return;
        try {
          const copy = await post(escalationChannel, true);
          cards.push(copy);
          store.patch({ approvalCard: { ...store.state.approvalCard!, escalatedTo: copy.channel } });
        } catch (err) {
          log.warn('escalation not posted', { error: reason(err) });
        }
      })(),
    );
  }

  // A card whose update failed while its buttons decide a version that is no
  // longer current must not stay as it is: while the action awaits approval a
  // fresh card replaces it, and the old one loses its buttons if Slack lets it.
  const replaceStale = async (index: number, card: Card): Promise<void> => {
    if (card.buttons === undefined || card.buttons === shown()) return;
    if (store.state.status === 'awaiting_approval') {
      try {
        const fresh = await post(card.channel, card.escalated);
        cards[index] = fresh;
        if (index === 0) store.patch({ approvalCard: { ...store.state.approvalCard!, channel: fresh.channel, ts: fresh.ts } });
      } catch (err) {
        log.warn('replacement card not posted', { channel: card.channel, error: reason(err) });
      }
    }
    await slack
      .slackRetireCard({ context: context(card.escalated), channel: card.channel, ts: card.ts })
      .catch((err: unknown) => log.warn('out-of-date card keeps its buttons', { channel: card.channel, error: reason(err) }));
  };

  // One writer per card, in order: every change after the post is rendered once.
  while (cards.length > 0) {
    await condition(() => store.revision > synced || isTerminal(store.state.status));
    if (store.revision > synced) {
      synced = store.revision;
      for (const [index, card] of cards.entries()) {
        const buttons = shown();
        try {
          sent('update', card.channel, await slack.slackUpdateCard({ context: context(card.escalated), channel: card.channel, ts: card.ts }));
          cards[index] = { channel: card.channel, ts: card.ts, escalated: card.escalated, ...(buttons === undefined ? {} : { buttons }) };
        } catch (err) {
          log.warn('approval card not updated', { channel: card.channel, error: reason(err) });
          await replaceStale(index, card);
        }
      }
    }
    if (isTerminal(store.state.status) && synced === store.revision) break;
  }
  await Promise.all(background);
  // Without a card the loop above never ran: the owner's message still waits for the outcome.
  await condition(() => isTerminal(store.state.status));

  const final = store.state;
  // The card now in place (a replacement, perhaps) carries the result thread.
  const main = cards[0];
  if (main && (final.status === 'succeeded' || final.status === 'failed')) {
    await slack
      .slackPostResult({ state: final, channel: main.channel, ts: main.ts })
      .catch((err: unknown) => log.warn('result not posted', { error: reason(err) }));
  }
  if (final.status === 'rejected' || final.status === 'failed') {
    await slack
      .slackNotifyOwner({ state: final, owner: input.agent.owner })
      .catch((err: unknown) => log.warn('owner not notified', { error: reason(err) }));
  }
}
