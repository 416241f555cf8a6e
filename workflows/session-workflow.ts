import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, patched, setHandler, sleep, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { SessionState } from '../domain/session.js';
import { addStanding, claimStanding, markPending, recordOutcome, SESSION_LINGER_MS, statusAt } from '../domain/session-rules.js';
import { claimStandingUpdate, closeSessionUpdate, pendingTouchUpdate, sessionOutcomesSignal, grantStandingSignal, SESSION_MEMO, sessionOutcomeSignal, sessionQuery } from './messages.js';

/** Input of {@link sessionWorkflow}: the session as opened, or as carried across continue-as-new. */
export interface SessionWorkflowInput {
  state: SessionState;
}

/** Histories of long sessions are cut well before Temporal's limits. */
const MAX_HISTORY_EVENTS = 2_000;

/**
 * One agent session: records its settled actions (count, recent ones, points
 * spent, what executed actions touched) and its standing approvals, and keeps
 * the state in its memo so the API scores the next action with a describe (no
 * worker needed). Scoring itself stays outside: this only keeps facts. Closed
 * or past its ttl, it still takes the outcomes workers gathered before that
 * for {@link SESSION_LINGER_MS}, then ends.
 */
export async function sessionWorkflow(input: SessionWorkflowInput): Promise<SessionState> {
  let state = input.state;
  const publish = () => upsertMemo({ [SESSION_MEMO]: state });
  publish();

  setHandler(sessionQuery, () => state);
  setHandler(sessionOutcomeSignal, (outcome) => {
    state = recordOutcome(state, outcome);
    publish();
  });
  setHandler(sessionOutcomesSignal, (outcomes) => {
    for (const outcome of outcomes) state = recordOutcome(state, outcome);
    publish();
  });
  setHandler(grantStandingSignal, (grant) => {
    state = addStanding(state, grant);
    publish();
  });
  setHandler(
    claimStandingUpdate,
    (claim) => {
      const { state: next, use } = claimStanding(state, claim);
      if (next !== state) {
        state = next;
        publish();
      }
      return use;
    },
  );
  setHandler(
    pendingTouchUpdate,
    ({ actionId, touch }) => {
      state = markPending(state, actionId, touch);
      publish();
      return state;
    },
    {
      validator: (_args) => {
        if (state.status !== 'open') throw ApplicationFailure.nonRetryable(`session ${state.sessionId} is ${state.status}`, 'SessionClosed');
      },
    },
  );
  setHandler(closeSessionUpdate, ({ by }) => {
    if (state.status === 'open') {
      state = { ...state, status: 'closed', closedBy: by, closedAt: new Date().toISOString() };
      publish();
    }
    return state;
  });

  for (;;) {
    const left = Date.parse(state.expiresAt) - Date.now();
    const ended = await condition(
      () => state.status !== 'open' || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS,
      Math.max(left, 1),
    );
    if (!ended && statusAt(state, Date.now()) === 'expired') {
      state = { ...state, status: 'expired' };
      publish();
    }
    if (state.status !== 'open') break;
    if (ended) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof sessionWorkflow>({ state });
    }
  }
  // Sessions that ended before this change completed at once (their histories carry no timer).
  if (patched('airlock-session-linger')) await sleep(SESSION_LINGER_MS);
  await condition(allHandlersFinished);
  return state;
}
