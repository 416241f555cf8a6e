import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WebClient } from '@slack/web-api';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { SessionOutcome, StandingClaim, StandingUse } from '../domain/session-rules.js';
import { SESSION_TTL_MS, SessionReader } from '../lib/session-reader.js';
import { claimStandingUpdate, sessionOutcomesSignal, sessionWorkflowId } from '../workflows/messages.js';

/** Which session an execution belongs to. */
export interface SessionRef {
  agentId: string;
  sessionId: string;
}

/** Details of a `SessionClosed` failure. */
export interface SessionClosedDetails {
  status: string;
  closedBy?: string;
}

/** The sessions as this worker sees them (an open one trusted for a second), read through the worker's own client. */
export function createSessionCheck(): (ref: SessionRef) => Promise<void> {
  const reader = new SessionReader(() => Context.current().client, SESSION_TTL_MS);
  /** Refuses, for good, a call in a session that is closed, expired or gone: re-authorized at every attempt. */
  return async ({ agentId, sessionId }) => {
    const session = await reader.read(agentId, sessionId);
    if (session?.status === 'open') return;
    const status = session?.status ?? 'missing';
    throw ApplicationFailure.create({
      message:
        status === 'closed'
          ? `session ${sessionId} was closed by ${session?.closedBy ?? 'its agent'}`
          : status === 'expired'
            ? `session ${sessionId} expired at ${session?.expiresAt}`
            : `session ${sessionId} cannot be found, so it cannot be checked`,
      type: 'SessionClosed',
      nonRetryable: true,
      details: [{ status, ...(session?.closedBy ? { closedBy: session.closedBy } : {}) } satisfies SessionClosedDetails],
    });
  };
}

/** How long a worker gathers executed actions before telling their sessions: one signal per session per flush. */
export const SESSION_FLUSH_MS = 100;

/**
 * Tells sessions of their executed actions in batches: one signal per session
 * per {@link SESSION_FLUSH_MS} instead of one per action, so an auto action
 * costs its session nothing on the way. Best effort: a worker that dies loses
 * at most one batch of budget bookkeeping (the first steps of sequences are
 * recorded by the API before they run, so sequence rules lose nothing).
 */
export class SessionLedger {
  private readonly batches = new Map<string, { client: Client; outcomes: SessionOutcome[] }>();
  private timer: NodeJS.Timeout | undefined;

  /** Queues one executed action's outcome for its session. */
  add(client: Client, ref: SessionRef, outcome: SessionOutcome): void {
    const id = sessionWorkflowId(ref.agentId, ref.sessionId);
    const batch = this.batches.get(id) ?? { client, outcomes: [] };
    batch.outcomes.push(outcome);
    this.batches.set(id, batch);
    // Unreferenced: a pending batch never keeps a stopping worker's process alive.
    this.timer ??= setTimeout(() => void this.flush(), SESSION_FLUSH_MS).unref();
  }

  /** Sends every queued batch now. */
  async flush(): Promise<void> {
    this.timer = undefined;
    const batches = [...this.batches];
    this.batches.clear();
    await Promise.all(
      batches.map(async ([id, { client, outcomes }]) => {
        try {
          // Bounded: a connection closed under a flush must not retry for ever.
          await client.connection.withDeadline(Date.now() + 5_000, () => client.workflow.getHandle(id).signal(sessionOutcomesSignal, outcomes));
        } catch {
          // A session that has ended takes no more outcomes; the actions' own records stand.
        }
      }),
    );
  }
}

/** Input of `claimStandingApproval`. */
export interface ClaimStandingInput extends SessionRef {
  claim: StandingClaim;
}

/** The session activities: taking a use of a standing approval, and saying so on the approved action's card. */
export function createSessionActivities(slack: WebClient | undefined) {
  return {
    /** A standing approval covering the action, if its session has one; none when the session is gone or closed. */
    async claimStandingApproval({ agentId, sessionId, claim }: ClaimStandingInput): Promise<StandingUse | undefined> {
      const { client, log } = Context.current();
      let use: StandingUse | undefined;
      try {
        use = await client.workflow.getHandle(sessionWorkflowId(agentId, sessionId)).executeUpdate(claimStandingUpdate, { args: [claim] });
      } catch (err) {
        // A session that has ended grants nothing: the action waits for a person, as it would anyway.
        if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError) return undefined;
        throw err;
      }
      const card = use?.grant.card;
      if (use && card && slack) {
        // The approved action's card keeps count in its thread; the covered action itself posts no card.
        const { grant } = use;
        const text = `:repeat: Standing approval used by \`${claim.actionId}\` (risk ${claim.score}): ${grant.remaining} of ${grant.count} left, until <!date^${Math.floor(Date.parse(grant.expiresAt) / 1000)}^{date_short_pretty} {time}|${grant.expiresAt}>.`;
        await slack.chat.postMessage({ channel: card.channel, thread_ts: card.ts, text }).catch((err: unknown) => {
          log.warn('standing approval not noted on its card', { error: err instanceof Error ? err.message : String(err) });
        });
      }
      return use;
    },
  };
}
