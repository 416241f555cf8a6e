import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WebClient } from '@slack/web-api';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { SESSION_BATCH_WINDOW_MS, type SessionOutcome, type StandingClaim, type StandingUse } from '../domain/session-rules.js';
import { SESSION_TTL_MS, SessionReader } from '../lib/session-reader.js';
import { claimStandingUpdate, sessionOutcomesSignal, sessionWorkflowId } from '../workflows/messages.js';

/** Which session an execution belongs to. */
export interface SessionRef {
  agentId: string;
  sessionId: string;
  /** When the API read the session open (ms since the epoch): within {@link SESSION_TTL_MS} that read stands for the executor's own. */
  readAt?: number;
  /** The session's budget and what it had spent at submission: how close its bookkeeping must follow. */
  riskBudget?: number;
  spent?: number;
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
  return async ({ agentId, sessionId, readAt }) => {
    // The API read it open just now (an auto action runs at once): as fresh as this worker's own read would be
    // trusted. A read that seems to come from the future is a clock apart from ours: read again.
    const age = readAt === undefined ? Infinity : Date.now() - readAt;
    if (age >= 0 && age < SESSION_TTL_MS) return;
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

/** How long a worker gathers the executed actions of a session near its budget before telling it. */
export const SESSION_FLUSH_MS = 100;

/**
 * Tells sessions of their executed actions in batches, one signal per session
 * per flush instead of one per action, so an auto action costs its session
 * nothing on the way. A session seldom runs two actions at once, so batches
 * must span seconds to hold more than one: a session below half of its budget
 * (with what is gathered) hears within `sessions.batchWindow`, one nearer
 * within {@link SESSION_FLUSH_MS}, so the budget is exact where it decides. A
 * session that ends meanwhile still takes them (it lingers, see
 * `SESSION_LINGER_MS`). Best effort: a worker that dies loses one batch of
 * bookkeeping (the first steps of sequences are recorded by the API before
 * they run, so sequence rules lose nothing).
 */
export class SessionLedger {
  private readonly batches = new Map<string, { client: Client; outcomes: SessionOutcome[]; due: number }>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(
    /** `sessions.batchWindow` in force, read at each session's first outcome of a batch. */
    private readonly windowOf: () => number = () => SESSION_BATCH_WINDOW_MS,
  ) {}

  /** Queues one executed action's outcome for its session. */
  add(client: Client, ref: SessionRef, outcome: SessionOutcome): void {
    const id = sessionWorkflowId(ref.agentId, ref.sessionId);
    const now = Date.now();
    const batch = this.batches.get(id) ?? { client, outcomes: [], due: now + this.windowOf() };
    batch.outcomes.push(outcome);
    const gathered = batch.outcomes.reduce((sum, o) => sum + o.score, 0);
    // Unknown budgets (older workflow input) are treated as near.
    const near = ref.riskBudget === undefined || (ref.spent ?? 0) + gathered >= ref.riskBudget / 2;
    if (near) batch.due = Math.min(batch.due, now + SESSION_FLUSH_MS);
    this.batches.set(id, batch);
    this.schedule(batch.due);
  }

  /** Sends the batches that are due (every batch with `all`). */
  async flush(all = true): Promise<void> {
    const now = Date.now();
    const due = [...this.batches].filter(([, b]) => all || b.due <= now);
    for (const [id] of due) this.batches.delete(id);
    this.timer = undefined;
    this.timerAt = Infinity;
    const next = Math.min(...[...this.batches.values()].map((b) => b.due));
    if (Number.isFinite(next)) this.schedule(next);
    await Promise.all(
      due.map(async ([id, { client, outcomes }]) => {
        try {
          // Bounded: a connection closed under a flush must not retry for ever.
          await client.connection.withDeadline(Date.now() + 5_000, () => client.workflow.getHandle(id).signal(sessionOutcomesSignal, outcomes));
        } catch {
          // A session that has ended takes no more outcomes; the actions' own records stand.
        }
      }),
    );
  }

  private schedule(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // Unreferenced: a pending batch never keeps a stopping worker's process alive.
    this.timer = setTimeout(() => void this.flush(false), Math.max(0, at - Date.now())).unref();
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
