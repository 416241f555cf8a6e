import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WebClient } from '@slack/web-api';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { StandingClaim, StandingUse } from '../domain/session-rules.js';
import { SESSION_TTL_MS, SessionReader } from '../lib/session-reader.js';
import { claimStandingUpdate, sessionWorkflowId } from '../workflows/messages.js';

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
