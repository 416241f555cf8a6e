import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { AgentStanding } from '../domain/standing.js';
import { freezeUpdate, STANDING_MEMO, standingQuery, unfreezeUpdate } from './messages.js';

/** Input of {@link agentWorkflow}; `standing` carries the state across continue-as-new. */
export interface AgentWorkflowInput {
  agentId: string;
  standing?: AgentStanding;
}

/** Histories of long-lived agents are cut well before Temporal's limits. */
const MAX_HISTORY_EVENTS = 2_000;

/**
 * The kill switch of one agent, kept durably in Temporal. Its standing lives in
 * the workflow's memo too, so the API and the executors read it with a
 * describe (no worker needed). Freezing cancels the agent's pending actions.
 */
export async function agentWorkflow(input: AgentWorkflowInput): Promise<void> {
  const { agentId } = input;
  let standing: AgentStanding = input.standing ?? { agentId, frozen: false };
  const publish = () => upsertMemo({ [STANDING_MEMO]: standing });
  publish();
  const { cancelPendingActions } = proxyActivities<Activities>({
    startToCloseTimeout: '1m',
    retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
  });

  setHandler(standingQuery, () => standing);
  setHandler(freezeUpdate, async ({ by, reason }) => {
    // A second freeze keeps the first one's who, when and why; it still sweeps pending actions again.
    if (!standing.frozen) {
      standing = { agentId, frozen: true, frozenBy: by, frozenAt: new Date().toISOString(), reason };
      publish();
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
  await condition(allHandlersFinished);
  await continueAsNew<typeof agentWorkflow>({ agentId, standing });
}
