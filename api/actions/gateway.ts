import { createHash, randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  ApplicationFailure,
  ServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcCancelledError,
  isGrpcDeadlineError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { stringify } from 'safe-stable-stringify';
import type { ActionRequest, ActionState, ActionStatus } from '../../domain/action.js';
import type { AgentConfig } from '../../domain/config.js';
import type { DecisionInput } from '../../domain/decision.js';
import type { ActionInput } from '../../domain/input.js';
import { assess } from '../../domain/assess.js';
import { initialActionState } from '../../domain/state.js';
import type { AirlockConfig } from '../../config/index.js';
import type { actionWorkflow } from '../../workflows/action-workflow.js';
import {
  ACTION_WORKFLOW_TYPE,
  cancelUpdate,
  decideUpdate,
  searchAttributes,
  settleUpdate,
  stateQuery,
  type CancelArgs,
} from '../../workflows/messages.js';
import { ApiError } from '../errors.js';

/** The workflow ID of an action: readable in the Temporal UI, with the agent in it. */
export function workflowIdOf(actionId: string): string {
  return `action-${actionId}`;
}

/** The agent an action id belongs to (action ids are `<agent>.<suffix>`). */
export function agentOfActionId(actionId: string): string {
  return actionId.slice(0, Math.max(0, actionId.indexOf('.')));
}

/**
 * Same agent and idempotency key, same action id, so a resubmission lands on the
 * same workflow; without a key every submission is new.
 */
export function actionIdFor(agentId: string, idempotencyKey: string | undefined): string {
  const suffix = idempotencyKey
    ? createHash('sha256').update(`${agentId}\0${idempotencyKey}`).digest('hex').slice(0, 24)
    : randomUUID().replaceAll('-', '').slice(0, 24);
  return `${agentId}.${suffix}`;
}

/** SHA-256 of the request as canonical JSON, without its idempotency key. */
export function requestHashOf(request: ActionRequest): string {
  const { idempotencyKey: _ignored, ...rest } = request;
  return createHash('sha256').update(stringify(rest) ?? '').digest('hex');
}

/** One row of `GET /v1/actions`, read from Temporal visibility. */
export interface ActionSummary {
  id: string;
  agentId?: string;
  tool?: string;
  environment?: string;
  status?: string;
  tier?: string;
  riskScore?: number;
  startedAt: string;
  closedAt?: string;
}

/** Filters of {@link ActionGateway.list}. */
export interface ActionFilter {
  status?: ActionStatus;
  agent?: string;
  tool?: string;
  limit: number;
}

/** How long a submission without `?wait` may take before it is answered with the accepted state. */
const SUBMIT_GRACE_MS = 10_000;

function isDeadline(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    isGrpcDeadlineError(err) ||
    isGrpcCancelledError(err) ||
    (err instanceof ServiceError && (isGrpcDeadlineError(err.cause) || isGrpcCancelledError(err.cause)))
  );
}

const REFUSAL_CODES: Record<string, 'forbidden' | 'conflict'> = {
  ApproverNotAllowed: 'forbidden',
  OwnerMayNotApprove: 'forbidden',
  AlreadyDecided: 'conflict',
  NotAwaitingApproval: 'conflict',
  TooLateToCancel: 'conflict',
};

/** Everything the API does with actions, through the Temporal client. */
export class ActionGateway {
  constructor(
    private readonly client: Client,
    private readonly config: AirlockConfig,
  ) {}

  private handle(actionId: string): WorkflowHandle<typeof actionWorkflow> {
    return this.client.workflow.getHandle<typeof actionWorkflow>(workflowIdOf(actionId));
  }

  private uiLink(workflowId: string): string {
    const { TEMPORAL_UI_URL, TEMPORAL_NAMESPACE } = this.config.env;
    return `${TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
  }

  /**
   * Starts the action's workflow (or finds the one already started for this
   * idempotency key) and answers once it has settled or `waitMs` has passed.
   */
  async submit(agent: AgentConfig, request: ActionRequest, waitMs: number): Promise<ActionState> {
    const tool = this.config.file.tools[request.tool];
    if (!tool) {
      throw new ApiError('invalid_request', `invalid request: tool: no tool named "${request.tool}" is configured`, [
        { field: 'tool', message: `no tool named "${request.tool}" is configured` },
      ]);
    }
    const actionId = actionIdFor(agent.id, request.idempotencyKey);
    const workflowId = workflowIdOf(actionId);
    const input: ActionInput = {
      actionId,
      agent: { id: agent.id, owner: agent.owner },
      request,
      requestHash: requestHashOf(request),
      tool: { name: request.tool, ...tool },
      policy: this.config.file.policy,
      approvals: this.config.file.approvals,
      temporalUiUrl: this.uiLink(workflowId),
      slack: this.config.env.SLACK_BOT_TOKEN !== undefined,
    };
    // Only for the summary line: the workflow scores the action itself, with the same pure function.
    const risk = assess(request, tool, this.config.file.policy);

    const start = new WithStartWorkflowOperation<typeof actionWorkflow>(ACTION_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: this.config.env.AIRLOCK_TASK_QUEUE,
      args: [input],
      // A running action is reused; a finished one is never started again, so
      // an idempotent resubmission can never execute twice.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: searchAttributes.agent, value: agent.id },
        { key: searchAttributes.tool, value: request.tool },
        { key: searchAttributes.environment, value: request.environment },
        { key: searchAttributes.status, value: 'assessing' },
      ],
      staticSummary: `${request.tool} by ${agent.id} in ${request.environment} — ${risk.tier}, ${risk.score}`,
      staticDetails: `**${request.operation}** on ${request.resources.map((r) => `${r.type}:${r.id}`).join(', ') || 'no declared resources'}\n\nSession ${request.sessionId}. Justification: ${request.justification}`,
    });

    let state: ActionState;
    const connection = this.client.connection;
    try {
      // The wait is bounded here, not by a workflow timer; with no wait, the
      // grace only covers a worker that is slow to (or never does) pick it up.
      state = await connection.withDeadline(Date.now() + (waitMs || SUBMIT_GRACE_MS), () =>
        this.client.workflow.executeUpdateWithStart(settleUpdate, { args: [{ waitMs }], startWorkflowOperation: start }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError) {
        // The action exists and has closed (before or while this update was
        // sent): its final state is the answer, and nothing is started again.
        state = await this.get(actionId);
      } else if (isDeadline(err)) {
        state = await this.stateAfterTimeout(input);
      } else {
        throw err;
      }
    }
    if (state.requestHash !== input.requestHash) {
      throw new ApiError(
        'idempotency_conflict',
        `idempotencyKey "${request.idempotencyKey}" was already used for a different action (${state.id})`,
        { actionId: state.id },
      );
    }
    return state;
  }

  /**
   * The answer when the wait ran out: the live state if a worker answers, the
   * accepted state if none does yet; 503 if the action was never accepted.
   */
  private async stateAfterTimeout(input: ActionInput): Promise<ActionState> {
    const handle = this.handle(input.actionId);
    const connection = this.client.connection;
    try {
      await connection.withDeadline(Date.now() + 5_000, () => handle.describe());
    } catch (err) {
      throw new ApiError('temporal_unavailable', 'the action could not be recorded; retry with the same idempotencyKey', undefined, {
        cause: err,
      });
    }
    try {
      return await connection.withDeadline(Date.now() + 2_000, () => handle.query(stateQuery));
    } catch {
      return initialActionState(input, new Date().toISOString());
    }
  }

  /** The current state of an action; 404 when there is none. */
  async get(actionId: string): Promise<ActionState> {
    const handle = this.handle(actionId);
    try {
      const description = await handle.describe();
      // A completed run carries its final state as its result: no worker needed to read it.
      if (description.status.name === 'COMPLETED') return await handle.result();
      return await handle.query(stateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(actionId);
      throw err;
    }
  }

  /** Records an operator's decision through the workflow's validated Update. */
  async decide(actionId: string, decision: DecisionInput): Promise<ActionState> {
    return this.update(actionId, () => this.handle(actionId).executeUpdate(decideUpdate, { args: [decision] }));
  }

  /** Cancels an action that has not started executing. */
  async cancel(actionId: string, args: CancelArgs): Promise<ActionState> {
    return this.update(actionId, () => this.handle(actionId).executeUpdate(cancelUpdate, { args: [args] }));
  }

  private async update(actionId: string, send: () => Promise<ActionState>): Promise<ActionState> {
    try {
      return await send();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const code = REFUSAL_CODES[err.cause.type ?? ''];
        if (code) throw new ApiError(code, err.cause.message, { reason: err.cause.type });
      }
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Updates cannot reach a closed run; say what became of the action instead.
      const state = await this.get(actionId);
      throw new ApiError('conflict', `action ${actionId} is ${state.status}; it can no longer change`, {
        reason: 'NotAwaitingApproval',
        status: state.status,
      });
    }
  }

  /** Actions matching the filters, newest first, from Temporal visibility (eventually consistent). */
  async list(filter: ActionFilter): Promise<ActionSummary[]> {
    const clauses = [`WorkflowType = '${ACTION_WORKFLOW_TYPE}'`];
    // Values are already restricted by their schemas; quoting is belt and braces.
    const quote = (v: string) => `'${v.replaceAll("'", "\\'")}'`;
    if (filter.status) clauses.push(`${searchAttributes.status.name} = ${quote(filter.status)}`);
    if (filter.agent) clauses.push(`${searchAttributes.agent.name} = ${quote(filter.agent)}`);
    if (filter.tool) clauses.push(`${searchAttributes.tool.name} = ${quote(filter.tool)}`);
    const out: ActionSummary[] = [];
    for await (const wf of this.client.workflow.list({ query: clauses.join(' AND '), pageSize: Math.min(filter.limit, 1000) })) {
      const sa = wf.typedSearchAttributes;
      const summary: ActionSummary = {
        id: wf.workflowId.replace(/^action-/, ''),
        startedAt: wf.startTime.toISOString(),
      };
      const set = <K extends keyof ActionSummary>(key: K, value: ActionSummary[K] | undefined) => {
        if (value !== undefined) summary[key] = value;
      };
      set('agentId', sa.get(searchAttributes.agent));
      set('tool', sa.get(searchAttributes.tool));
      set('environment', sa.get(searchAttributes.environment));
      set('status', sa.get(searchAttributes.status));
      set('tier', sa.get(searchAttributes.tier));
      set('riskScore', sa.get(searchAttributes.riskScore));
      set('closedAt', wf.closeTime?.toISOString());
      out.push(summary);
      if (out.length >= filter.limit) break;
    }
    return out;
  }
}

/** The 404 for an action that does not exist or that the caller may not see (indistinguishable on purpose). */
export function notFound(actionId: string): ApiError {
  return new ApiError('not_found', `no action ${actionId}`);
}
