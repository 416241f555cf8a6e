import { condition, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { eligibleApprovers } from '../domain/approval-rules.js';
import type { ActionInput } from '../domain/input.js';
import { cardChannel } from '../domain/routing.js';
import { isTerminal } from '../domain/status.js';
import type { CardContext } from '../slack/blocks.js';
import type { ActionStore } from './action-workflow.js';

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
export async function approvalNotifications(input: ActionInput, store: ActionStore): Promise<void> {
  const { approvals } = input;
  const slack = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: {
      maximumAttempts: approvals.slackRetry.maxAttempts,
      initialInterval: approvals.slackRetry.initialInterval,
      backoffCoefficient: approvals.slackRetry.backoffCoefficient,
      maximumInterval: approvals.slackRetry.maximumInterval,
    },
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
  });

  const cards: { channel: string; ts: string; escalated: boolean }[] = [];
  const channel = cardChannel(approvals, input.request, store.state.risk.tier);
  let synced = store.revision;
  if (!channel) {
    store.patch({ approvalCard: { channel: '', error: 'no approvals.channel or matching route is configured' } });
    log.warn('no Slack channel for this approval card', { tool: input.request.tool, tier: store.state.risk.tier });
  } else {
    try {
      const posted = await slack.slackPostCard({ context: context(), channel });
      cards.push({ ...posted, escalated: false });
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
          const copy = await slack.slackPostCard({ context: context(true), channel: escalationChannel });
          cards.push({ ...copy, escalated: true });
          store.patch({ approvalCard: { ...store.state.approvalCard!, escalatedTo: copy.channel } });
        } catch (err) {
          log.warn('escalation not posted', { error: reason(err) });
        }
      })(),
    );
  }

  // One writer per card, in order: every change after the post is rendered once.
  while (cards.length > 0) {
    await condition(() => store.revision > synced || isTerminal(store.state.status));
    if (store.revision > synced) {
      synced = store.revision;
      for (const card of cards) {
        await slack
          .slackUpdateCard({ context: context(card.escalated), channel: card.channel, ts: card.ts })
          .catch((err: unknown) => log.warn('approval card not updated', { channel: card.channel, error: reason(err) }));
      }
    }
    if (isTerminal(store.state.status) && synced === store.revision) break;
  }
  await Promise.all(background);

  const final = store.state;
  if (first && (final.status === 'succeeded' || final.status === 'failed')) {
    await slack
      .slackPostResult({ state: final, channel: first.channel, ts: first.ts })
      .catch((err: unknown) => log.warn('result not posted', { error: reason(err) }));
  }
  if (final.status === 'rejected' || final.status === 'failed') {
    await slack
      .slackNotifyOwner({ state: final, owner: input.agent.owner })
      .catch((err: unknown) => log.warn('owner not notified', { error: reason(err) }));
  }
}
