import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { AgentStanding, RecentFailure } from '../domain/standing.js';
import { FAILURES_MEMO, failureSignal, freezeUpdate, STANDING_MEMO, standingQuery, unfreezeUpdate } from './messages.js';
import { webhookDeliveries } from './webhooks.js';

/** Input of {@link agentWorkflow}; `standing` carries the state across continue-as-new. */
export interface AgentWorkflowInput {
  agentId: string;
  standing?: AgentStanding;
  failures?: RecentFailure[];
}

/** Failures kept for loop detection; older ones drop off (the API also filters by its window). */
const MAX_FAILURES = 50;

/** Histories of long-lived agents are cut well before Temporal's limits. */
const MAX_HISTORY_EVENTS = 2_000;

/**
 * The kill switch of one agent, kept durably in Temporal, and its recent failed
 * executions (for loop detection). Both live in the workflow's memo too, so the
 * API and the executors read them with a describe (no worker needed). Freezing
 * cancels the agent's pending actions.
 */
export async function agentWorkflow(input: AgentWorkflowInput): Promise<void> {
  const { agentId } = input;
  let standing: AgentStanding = input.standing ?? { agentId, frozen: false };
  let failures: RecentFailure[] = input.failures ?? [];
  const publish = () => upsertMemo({ [STANDING_MEMO]: standing, [FAILURES_MEMO]: failures });
  publish();
  setHandler(failureSignal, (failure) => {
    failures = [...failures, failure].slice(-MAX_FAILURES);
    publish();
  });
  const { cancelPendingActions } = proxyActivities<Activities>({
    startToCloseTimeout: '1m',
    retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
  });

  // Every freeze names the receivers in force when it was asked; deliveries run beside the workflow.
  const webhooks = webhookDeliveries();
  setHandler(standingQuery, () => standing);
  setHandler(freezeUpdate, async ({ by, reason, webhooks: subscriptions }) => {
    // A second freeze keeps the first one's who, when and why; it still sweeps pending actions again.
    if (!standing.frozen) {
      const frozenAt = new Date().toISOString();
      standing = { agentId, frozen: true, frozenBy: by, frozenAt, reason };
      publish();
      webhooks.emit(subscriptions, 'agent.frozen', `${agentId}@${frozenAt}`, frozenAt, standing);
    }
    await cancelPendingActions({ agentId, by, reason });
    return standing;
  });
  setHandler(unfreezeUpdate, ({ by }) => {
    if (standing.frozen) {
      standing = { agentId, frozen: false, unfrozenBy: by, unfrozenAt: new Date().toISOString() };
      publish();
    }
    return standing;
  });

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS);
  // No handler and no delivery may be under way: a new run would know of neither.
  while (!allHandlersFinished() || !webhooks.idle()) {
    await condition(allHandlersFinished);
    await webhooks.settled();
  }
  await continueAsNew<typeof agentWorkflow>({ agentId, standing, failures });
}
