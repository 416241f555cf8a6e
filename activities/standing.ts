import { ApplicationFailure, Context } from '@temporalio/activity';
import { cancelRunningActions } from '../lib/cancel-actions.js';
import { StandingReader } from '../lib/standing-reader.js';
import type { RecentFailure } from '../domain/standing.js';
import { AGENT_WORKFLOW_TYPE, agentWorkflowId, failureSignal, runningActionsQuery } from '../workflows/messages.js';

/** Input of `cancelPendingActions`. */
export interface CancelPendingInput {
  agentId: string;
  by: string;
  reason: string;
}

/** Thrown (non-retryable, type `AgentFrozen`) by a tool call of a frozen agent; its details say who froze it and why. */
export interface AgentFrozenDetails {
  frozenBy?: string;
  reason?: string;
}

/** The standing of agents as this worker sees it (fresh within a second), read through the worker's own client. */
export function createStandingCheck(): (agentId: string) => Promise<void> {
  const reader = new StandingReader(() => Context.current().client);
  /** Refuses, for good, a call for an agent that is frozen: re-authorized at every attempt. */
  return async (agentId) => {
    const standing = await reader.read(agentId);
    if (!standing.frozen) return;
    throw ApplicationFailure.create({
      message: `agent ${agentId} is frozen by ${standing.frozenBy ?? 'an operator'}: ${standing.reason ?? 'no reason given'}`,
      type: 'AgentFrozen',
      nonRetryable: true,
      details: [{ frozenBy: standing.frozenBy, reason: standing.reason } satisfies AgentFrozenDetails],
    });
  };
}

/** The kill switch's sweep: cancels every action of a frozen agent that has not started executing. */
export function createStandingActivities() {
  return {
    /** Tells the agent's workflow (starting it if needed) that one of its actions failed: loop detection reads it. */
    async reportFailure({ agentId, failure }: { agentId: string; failure: RecentFailure }): Promise<void> {
      const { client, info } = Context.current();
      await client.workflow.signalWithStart(AGENT_WORKFLOW_TYPE, {
        workflowId: agentWorkflowId(agentId),
        taskQueue: info.taskQueue,
        args: [{ agentId }],
        signal: failureSignal,
        signalArgs: [failure],
      });
    },

    async cancelPendingActions({ agentId, by, reason }: CancelPendingInput): Promise<{ cancelled: number }> {
      const query = runningActionsQuery(agentId, ['assessing', 'awaiting_approval']);
      return { cancelled: await cancelRunningActions(Context.current().client, query, by, `agent frozen: ${reason}`) };
    },
  };
}
