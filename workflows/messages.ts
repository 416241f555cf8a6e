import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionState, ActionStatus } from '../domain/action.js';
import type { BreakerSettings } from '../domain/breaker.js';
import type { BreakerReport, BreakerWaiter, PermitKind } from '../domain/breaker-rules.js';
import type { DecisionInput } from '../domain/decision.js';
import type { WebhookSubscription } from '../domain/webhook-events.js';
import type { AgentStanding, RecentFailure } from '../domain/standing.js';
import type { SessionState, SessionTouch, StandingGrant } from '../domain/session.js';
import type { SessionOutcome, StandingClaim, StandingUse } from '../domain/session-rules.js';

/** The task queue Airlock's workers poll unless `AIRLOCK_TASK_QUEUE` says otherwise. */
export const DEFAULT_TASK_QUEUE = 'airlock';

/** The task queue of one tool's executions: polled by a worker bounded to the tool's `maxConcurrent`, so a slow tool cannot take every slot. */
export function toolTaskQueue(taskQueue: string, tool: string): string {
  return `${taskQueue}-tool-${tool}`;
}

/** The task queue of the Slack calls, apart from the executors'. */
export function slackTaskQueue(taskQueue: string): string {
  return `${taskQueue}-slack`;
}

/** The task queue of webhook deliveries: a hanging receiver holds slots of its own, never an executor's. */
export function webhookTaskQueue(taskQueue: string): string {
  return `${taskQueue}-webhooks`;
}

/** The workflow type every new action starts as. */
export const ACTION_WORKFLOW_TYPE = 'airlockAction';
/** Every type an action's run may have: runs started before `airlockAction` are `actionWorkflow`s. */
export const ACTION_WORKFLOW_TYPES = ['actionWorkflow', ACTION_WORKFLOW_TYPE] as const;
/** The visibility clause matching actions' runs, of either type. */
export const ACTION_TYPE_CLAUSE = `WorkflowType IN (${ACTION_WORKFLOW_TYPES.map((t) => `'${t}'`).join(', ')})`;

/** Returns the action's current state. */
export const stateQuery = defineQuery<ActionState>('state');

/** Arguments of {@link settleUpdate}. */
export interface SettleArgs {
  /** 0 answers at once; anything else waits until the action is terminal or awaiting approval (the caller bounds the wait). */
  waitMs: number;
}

/** Returns the action's state once it is terminal or awaiting approval (or at once, with `waitMs: 0`). */
export const settleUpdate = defineUpdate<ActionState, [SettleArgs]>('settle');

/** Records an approval or rejection; its validator refuses ineligible or late decisions. */
export const decideUpdate = defineUpdate<ActionState, [DecisionInput]>('decide');

/** Arguments of {@link cancelUpdate}. */
export interface CancelArgs {
  by: string;
  /** Why, when it is not the agent's own choice (a freeze, say). */
  reason?: string;
}

/** Cancels an action that has not started executing; refused once it has. */
export const cancelUpdate = defineUpdate<ActionState, [CancelArgs]>('cancel');

/** Name of the agent workflow type: one per agent, holding its standing (the kill switch). */
export const AGENT_WORKFLOW_TYPE = 'agentWorkflow';

/** The workflow ID of an agent's standing. */
export function agentWorkflowId(agentId: string): string {
  return `agent-${agentId}`;
}

/** Memo key under which the agent workflow keeps its standing, readable by describe with no worker running. */
export const STANDING_MEMO = 'standing';

/** Memo key under which the agent workflow keeps its recent failed executions, for loop detection. */
export const FAILURES_MEMO = 'failures';

/** An action of the agent failed to execute; nobody waits for the answer. */
export const failureSignal = defineSignal<[RecentFailure]>('failure');

/** Arguments of {@link freezeUpdate}. */
export interface FreezeArgs {
  by: string;
  reason: string;
  /** Receivers of `agent.frozen` in force at the freeze (ids only); absent when there are none. */
  webhooks?: WebhookSubscription[];
}

/** Freezes the agent: nothing of it executes until it is unfrozen, and its pending actions are cancelled. */
export const freezeUpdate = defineUpdate<AgentStanding, [FreezeArgs]>('freeze');

/** Unfreezes the agent. */
export const unfreezeUpdate = defineUpdate<AgentStanding, [{ by: string }]>('unfreeze');

/** The agent's standing. */
export const standingQuery = defineQuery<AgentStanding>('standing');

/**
 * The visibility query for an agent's running actions in some statuses (the
 * pending count, the kill switch's sweep). Agent ids and statuses are checked
 * by their schemas, so they are safe inside the quotes.
 */
export function runningActionsQuery(agentId: string, statuses: readonly ActionStatus[]): string {
  return `${ACTION_TYPE_CLAUSE} AND ExecutionStatus = 'Running' AND ${searchAttributes.agent.name} = '${agentId}' AND ${searchAttributes.status.name} IN (${statuses.map((s) => `'${s}'`).join(', ')})`;
}

/** Name of the session workflow type: one per agent session, judging the sequence. */
export const SESSION_WORKFLOW_TYPE = 'sessionWorkflow';

/** The workflow ID of one agent's session (agent ids have no `/`, so the pair is unambiguous). */
export function sessionWorkflowId(agentId: string, sessionId: string): string {
  return `session-${agentId}/${sessionId}`;
}

/** Memo key under which the session workflow keeps its state, readable by describe with no worker running. */
export const SESSION_MEMO = 'session';

/** The session's state. */
export const sessionQuery = defineQuery<SessionState>('session');

/** An action of the session settled; nobody waits for the answer. */
export const sessionOutcomeSignal = defineSignal<[SessionOutcome]>('actionSettled');

/** Several actions of the session executed (batched by a worker's executors); nobody waits for the answer. */
export const sessionOutcomesSignal = defineSignal<[SessionOutcome[]]>('actionsExecuted');

/** Closes the session: its later actions are refused, and pending ones cancelled before they execute. */
export const closeSessionUpdate = defineUpdate<SessionState, [{ by: string }]>('close');

/** Arguments of {@link pendingTouchUpdate}. */
export interface PendingTouchArgs {
  actionId: string;
  touch: SessionTouch;
}

/** Records, before it starts, an action that may begin a sequence: answered once the session's memo shows it. */
export const pendingTouchUpdate = defineUpdate<SessionState, [PendingTouchArgs]>('pendingTouch');

/** Records a standing approval given on one of the session's actions. */
export const grantStandingSignal = defineSignal<[StandingGrant]>('grantStanding');

/** Takes one use of a standing approval covering an action about to wait for review; undefined when none does. */
export const claimStandingUpdate = defineUpdate<StandingUse | undefined, [StandingClaim]>('claimStanding');

/** Re-renders the approval card(s) from the current state (after a click on an out-of-date card, say). Nobody waits for it. */
export const refreshCardSignal = defineSignal('refreshCard');

/** Name of the breaker workflow type: one per tool with a breaker, started by the first failure reported. */
export const BREAKER_WORKFLOW_TYPE = 'breakerWorkflow';

/** The workflow ID of a tool's circuit breaker. */
export function breakerWorkflowId(tool: string): string {
  return `breaker-${tool}`;
}

/** Memo key under which the breaker workflow keeps its {@link BreakerView}, readable by describe with no worker running. */
export const BREAKER_MEMO = 'breaker';

/** A worker's report of one call (its settings ride along, so a new configuration takes effect); nobody waits for it. */
export const breakerReportSignal = defineSignal<[BreakerReport & { settings: BreakerSettings }]>('breakerReport');

/** An execution found the breaker open and waits for a permit (sent as {@link breakerPermitSignal} to its workflow). */
export const breakerWaitSignal = defineSignal<[BreakerWaiter & { settings: BreakerSettings }]>('breakerWait');

/** An execution stopped waiting (its deadline passed). */
export const breakerLeaveSignal = defineSignal<[{ workflowId: string }]>('breakerLeave');

/** Sent by a tool's breaker to a waiting action: its execution may call the tool once, as the probe or released. */
export const breakerPermitSignal = defineSignal<[{ kind: PermitKind }]>('breakerPermit');

/** Search attributes Airlock keeps current on every action, for the Temporal UI and `GET /v1/actions`. */
export const searchAttributes = {
  agent: defineSearchAttributeKey('AirlockAgent', SearchAttributeType.KEYWORD),
  tool: defineSearchAttributeKey('AirlockTool', SearchAttributeType.KEYWORD),
  environment: defineSearchAttributeKey('AirlockEnvironment', SearchAttributeType.KEYWORD),
  tier: defineSearchAttributeKey('AirlockTier', SearchAttributeType.KEYWORD),
  riskScore: defineSearchAttributeKey('AirlockRiskScore', SearchAttributeType.INT),
  status: defineSearchAttributeKey('AirlockStatus', SearchAttributeType.KEYWORD),
  /** SHA-256 of the agent's parameters (version 1): finds the same call failing again and again. */
  paramsHash: defineSearchAttributeKey('AirlockParamsHash', SearchAttributeType.KEYWORD),
  /** The action's session id (with `AirlockAgent`): closing the session finds its pending actions. */
  session: defineSearchAttributeKey('AirlockSession', SearchAttributeType.KEYWORD),
  /** On a tool's breaker workflow (with `AirlockTool`): closed, open or half_open. */
  breakerState: defineSearchAttributeKey('AirlockBreakerState', SearchAttributeType.KEYWORD),
} as const;
