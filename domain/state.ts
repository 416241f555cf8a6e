import type { ActionState } from './action.js';
import type { ActionInput } from './input.js';

/**
 * The state of an action as it is accepted, before a worker has looked at it.
 * Pure: the workflow starts from it, and the API answers with it when no worker
 * has picked the action up yet.
 */
export function initialActionState(input: ActionInput, at: string): ActionState {
  return {
    id: input.actionId,
    agentId: input.agent.id,
    sessionId: input.request.sessionId,
    tool: input.request.tool,
    operation: input.request.operation,
    environment: input.request.environment,
    status: 'assessing',
    risk: input.risk,
    approvals: [],
    versions: [
      {
        version: 1,
        parameters: input.request.parameters,
        impact: input.request.impact,
        paramsSha256: input.paramsSha256,
        by: `agent:${input.agent.id}`,
        at,
      },
    ],
    attempts: 0,
    requestHash: input.requestHash,
    createdAt: at,
    updatedAt: at,
    links: { temporalUi: input.temporalUiUrl },
  };
}
