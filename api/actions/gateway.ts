import {
  WithStartWorkflowOperation,
  type WorkflowStartOptions,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  ApplicationFailure,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { ActionRequest, ActionState, ActionStatus } from '../../domain/action.js';
import { previewUrlOf, type AgentConfig } from '../../domain/config.js';
import type { DecisionInput } from '../../domain/decision.js';
import type { ActionSummary } from './summary.js';
import type { ActionInput } from '../../domain/input.js';
import { initialActionState } from '../../domain/state.js';
import { countedApprovals } from '../../domain/approval-rules.js';
import { startsSequence } from '../../domain/assess.js';
import { startIndexOf } from '../../domain/start-index.js';
import { isSettled, isTerminal } from '../../domain/status.js';
import { configSource, perConfig, type ConfigInput, type ConfigSource } from '../../config/live.js';
import type { airlockAction } from '../../workflows/action-workflow.js';
import {
  ACTION_TYPE_CLAUSE,
  ACTION_WORKFLOW_TYPE,
  cancelUpdate,
  decideUpdate,
  refreshCardSignal,
  runningActionsQuery,
  searchAttributes,
  settleUpdate,
  stateQuery,
  type CancelArgs,
} from '../../workflows/messages.js';
import { StandingReader } from '../../lib/standing-reader.js';
import { answeredWithin, isDeadline } from '../bounded.js';
import { ApiError } from '../errors.js';
import { workflowIdOf } from './ids.js';
import { ActionPreparer } from './prepare.js';
import { SessionGateway } from '../sessions/gateway.js';
import type { SessionState } from '../../domain/session.js';
import { UpstreamSchemas } from '../mcp/upstream-schemas.js';

export { actionIdFor, agentOfActionId, requestHashOf, workflowIdOf } from './ids.js';

/** Filters of {@link ActionGateway.list}. */
export interface ActionFilter {
  status?: ActionStatus;
  agent?: string;
  tool?: string;
  limit: number;
}

/** How long a submission without `?wait` may take before it is answered with the accepted state. */
const SUBMIT_GRACE_MS = 10_000;
/** How often a resubmission that waits polls the action's state (a Query: nothing is written). */
const POLL_MS = 200;

const REFUSAL_CODES: Record<string, 'forbidden' | 'conflict' | 'stale_version'> = {
  ApproverNotAllowed: 'forbidden',
  OwnerMayNotApprove: 'forbidden',
  AlreadyDecided: 'conflict',
  NotAwaitingApproval: 'conflict',
  EditInProgress: 'conflict',
  TooLateToCancel: 'conflict',
  StaleVersion: 'stale_version',
  StandingNotAllowed: 'conflict',
};

/** Everything the API does with actions, through the Temporal client. */
export class ActionGateway {
  private readonly source: ConfigSource;
  private readonly preparerOf: () => ActionPreparer;
  private readonly records: StandingReader;

  constructor(
    private readonly client: Client,
    /** Read at every call: a reloaded configuration applies to the next request. */
    config: ConfigInput,
    /** The agents' records (standing, recent failures); shared with the agent routes when given. */
    records?: StandingReader,
    sessions?: SessionGateway,
    /** The input schemas of upstream MCP tools; shared with the MCP gateway when given. */
    upstreams?: UpstreamSchemas,
  ) {
    this.source = configSource(config);
    this.upstreams = upstreams ?? new UpstreamSchemas(this.source);
    // The tools' schemas are compiled once per loaded configuration.
    this.preparerOf = perConfig(this.source, (c) => new ActionPreparer(c, this.upstreams));
    this.records = records ?? new StandingReader(() => client);
    this.sessions = sessions ?? new SessionGateway(client, config);
  }

  private readonly sessions: SessionGateway;
  private readonly upstreams: UpstreamSchemas;

  /** The preparer of the configuration in force. */
  get preparer(): ActionPreparer {
    return this.preparerOf();
  }

  private get config() {
    return this.source.current;
  }

  private handle(actionId: string): WorkflowHandle<typeof airlockAction> {
    return this.client.workflow.getHandle<typeof airlockAction>(workflowIdOf(actionId));
  }

  private uiLink(workflowId: string): string {
    const { TEMPORAL_UI_URL, TEMPORAL_NAMESPACE } = this.config.env;
    return `${TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
  }

  /**
   * Starts the action's workflow and answers once it has settled or `waitMs`
   * has passed. A resubmission (same idempotency key) is answered from the
   * action's state without writing to its history; only a first submission
   * goes through update-with-start.
   */
  async submit(agent: AgentConfig, request: ActionRequest, waitMs: number): Promise<ActionState> {
    // An upstream MCP tool's schema is its server's: read (once) before its parameters are checked.
    await this.upstreams.ensure(request.tool);
    const prepare = (session?: SessionState, readAt?: number) =>
      this.preparer.prepare(agent, request, (id) => this.uiLink(id), workflowIdOf, session && this.sessions.facts(session, readAt));
    const read = await this.sessions.readForAction(agent.id, request.sessionId);
    const known = read?.state;
    let input = prepare(known, read?.readAt);
    if (request.idempotencyKey !== undefined) {
      // A retry is answered with what it first got, whatever became of the session since.
      const existing = await this.resubmission(input, waitMs);
      if (existing) return existing;
    }
    const session = await this.sessions.forAction(agent, request.sessionId, known);
    // Just opened by this action: open as of now.
    if (session.opened) input = prepare(session.state, Date.now());
    const touch = {
      tool: request.tool,
      operation: input.request.operation,
      sensitivity: input.risk.facts?.effective.sensitivity ?? 'restricted',
      egress: input.tool.egress ?? false,
    };
    // The first step of a sequence is on the session's record before it runs, so the next step cannot outrun it.
    if (startsSequence(input.policy, touch)) await this.sessions.markPending(agent.id, request.sessionId, { actionId: input.actionId, touch });
    await Promise.all([this.assertRoomForApproval(input), this.assertNotLooping(input)]);
    const { risk } = input;
    const startIndex = startIndexOf(input);
    const options: WorkflowStartOptions<typeof airlockAction> & { workflowIdConflictPolicy: 'USE_EXISTING' } = {
      workflowId: workflowIdOf(input.actionId),
      taskQueue: this.config.env.AIRLOCK_TASK_QUEUE,
      args: [input],
      // A running action is reused; a finished one is never started again, so
      // an idempotent resubmission can never execute twice.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Read back by a resubmission before any worker has answered, to tell a reused key from a retry.
      memo: { requestHash: input.requestHash },
      typedSearchAttributes: [
        { key: searchAttributes.agent, value: agent.id },
        { key: searchAttributes.tool, value: request.tool },
        { key: searchAttributes.environment, value: request.environment },
        // Tier, score and (when it runs at once) `executing` are shown from the start: the run need not write them.
        { key: searchAttributes.status, value: startIndex.status },
        { key: searchAttributes.tier, value: startIndex.tier },
        { key: searchAttributes.riskScore, value: startIndex.score },
        { key: searchAttributes.paramsHash, value: input.paramsSha256 },
        { key: searchAttributes.session, value: request.sessionId },
      ],
      staticSummary: `${request.tool} by ${agent.id} in ${request.environment} — ${
        previewUrlOf(input.tool.executor) ? 'awaiting preview' : `${risk.tier}, ${risk.score}`
      }`,
      staticDetails: `**${input.request.operation}** on ${request.resources.map((r) => `${r.type}:${r.id}`).join(', ') || 'no declared resources'}\n\nSession ${request.sessionId}. Justification: ${request.justification}`,
    };

    let state: ActionState;
    const connection = this.client.connection;
    try {
      // The wait is bounded here, not by a workflow timer; with no wait, the
      // grace only covers a worker that is slow to (or never does) pick it up.
      // An action scored auto or deny with nothing left to ask (no preview) closes without a person: the
      // caller waits for the run's end as a bare client would (start, then the close event), and the
      // history carries no Update. Should re-authorization send it for approval, the wait's end answers.
      // Not with webhook receivers: the run closes only once their deliveries end, which must delay no one.
      const closesAlone =
        waitMs > 0 && (risk.tier === 'auto' || risk.tier === 'deny') && !previewUrlOf(input.tool.executor) && (input.webhooks ?? []).length === 0;
      state = await connection.withDeadline(Date.now() + (waitMs || SUBMIT_GRACE_MS), async () =>
        closesAlone
          ? (await this.client.workflow.start<typeof airlockAction>(ACTION_WORKFLOW_TYPE, { ...options, args: [{ ...input, awaitedToClose: true }] })).result()
          : this.client.workflow.executeUpdateWithStart(settleUpdate, {
              args: [{ waitMs }],
              startWorkflowOperation: new WithStartWorkflowOperation<typeof airlockAction>(ACTION_WORKFLOW_TYPE, options),
            }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError) {
        // The action exists and has closed (before or while this update was
        // sent): its final state is the answer, and nothing is started again.
        state = await this.get(input.actionId);
      } else if (isDeadline(err)) {
        state = await this.stateAfterTimeout(input);
      } else {
        throw err;
      }
    }
    return this.sameRequest(input, state.requestHash, state);
  }

  /**
   * An agent may keep at most `limits.maxPendingPerAgent` actions awaiting
   * approval, so a flood of small requests cannot bury a critical one. Only
   * checked for a new action that may need approval (a tool with a preview counts
   * until it has answered); auto actions pay nothing for it.
   */
  private async assertRoomForApproval(input: ActionInput): Promise<void> {
    if (input.risk.tier === 'auto' || input.risk.tier === 'deny') return;
    const max = this.config.file.limits.maxPendingPerAgent;
    const { count } = await this.client.workflow.count(
      runningActionsQuery(input.agent.id, ['awaiting_approval']),
    );
    if (count >= max) {
      throw new ApiError('too_many_pending', `agent ${input.agent.id} already has ${count} actions awaiting approval (limits.maxPendingPerAgent is ${max})`, {
        pending: count,
        limit: max,
      }, { retryAfterS: 60 });
    }
  }

  /**
   * The same call (agent, tool, parameters hash) that failed `limits.loop.failures`
   * times within `limits.loop.window` is refused, naming those actions: an agent
   * retrying a broken call in a loop stops at Airlock, not at the tool. The
   * failures come from the agent's record (the memo its workflow keeps, read with
   * its standing and trusted for a second), so the check costs the auto path nothing.
   */
  private async assertNotLooping(input: ActionInput): Promise<void> {
    const { failures, window } = this.config.file.limits.loop;
    const since = Date.now() - window;
    const { failures: recent } = await this.records.record(input.agent.id);
    const failed = recent
      .filter((f) => f.tool === input.request.tool && f.paramsHash === input.paramsSha256 && Date.parse(f.at) > since)
      .map((f) => f.actionId);
    if (failed.length < failures) return;
    throw new ApiError(
      'loop_detected',
      `${input.request.tool} with these parameters failed ${failed.length} times in the last ${Math.round(window / 60_000)} min for agent ${input.agent.id}; fix the call instead of repeating it`,
      { actionIds: failed, failures, windowMs: window },
    );
  }

  private sameRequest(input: ActionInput, requestHash: unknown, state: ActionState): ActionState {
    if (requestHash !== undefined && requestHash !== input.requestHash) {
      throw new ApiError(
        'idempotency_conflict',
        `idempotencyKey "${input.request.idempotencyKey}" was already used for a different action (${input.actionId})`,
        { actionId: input.actionId },
      );
    }
    return state;
  }

  /** An existing action for this key, read (never updated), polled until it settles or the wait ends. */
  private async resubmission(input: ActionInput, waitMs: number): Promise<ActionState | undefined> {
    const handle = this.handle(input.actionId);
    const deadline = Date.now() + waitMs;
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    const memo = description.memo as { requestHash?: unknown } | undefined;
    this.sameRequest(input, memo?.requestHash, initialActionState(input, new Date().toISOString()));
    for (;;) {
      const state = await this.read(handle, description.status.name, input);
      if (isSettled(state.status) || Date.now() + POLL_MS > deadline) return this.sameRequest(input, state.requestHash, state);
      await new Promise((r) => setTimeout(r, POLL_MS));
      description = await handle.describe();
    }
  }

  /** The state of a described workflow: its result once completed, else a Query (the accepted state if no worker answers). */
  private async read(handle: WorkflowHandle<typeof airlockAction>, status: string, input?: ActionInput): Promise<ActionState> {
    // A completed run carries its final state as its result: no worker needed to read it.
    if (status === 'COMPLETED') return handle.result();
    if (!input) return handle.query(stateQuery);
    try {
      return await this.client.connection.withDeadline(Date.now() + 2_000, () => handle.query(stateQuery));
    } catch (err) {
      if (!isDeadline(err)) throw err;
      return initialActionState(input, new Date().toISOString());
    }
  }

  /**
   * The answer when the wait ran out: the live state if a worker answers, the
   * accepted state if none does yet; 503 if the action was never accepted.
   */
  private async stateAfterTimeout(input: ActionInput): Promise<ActionState> {
    const handle = this.handle(input.actionId);
    const connection = this.client.connection;
    let description;
    try {
      description = await connection.withDeadline(Date.now() + 5_000, () => handle.describe());
    } catch (err) {
      throw new ApiError('temporal_unavailable', 'the action could not be recorded; retry with the same idempotencyKey', undefined, {
        cause: err,
      });
    }
    const memo = description.memo as { requestHash?: unknown } | undefined;
    this.sameRequest(input, memo?.requestHash, initialActionState(input, new Date().toISOString()));
    return this.read(handle, description.status.name, input);
  }

  /**
   * The state of an action once it settles, or when `waitMs` runs out: read by
   * polling (Queries, nothing written). Settled is terminal, or awaiting approval
   * when it was not yet awaiting approval at the start (a waiter then learns who must decide).
   */
  async waitFor(actionId: string, waitMs: number): Promise<ActionState> {
    const deadline = Date.now() + waitMs;
    let state = await this.get(actionId);
    const from = state.status;
    const done = (s: ActionState) => isTerminal(s.status) || (s.status === 'awaiting_approval' && from !== 'awaiting_approval');
    while (!done(state) && Date.now() + POLL_MS <= deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      state = await this.get(actionId);
    }
    return state;
  }

  /** The current state of an action; 404 when there is none. */
  async get(actionId: string): Promise<ActionState> {
    const handle = this.handle(actionId);
    try {
      const description = await handle.describe();
      return await this.read(handle, description.status.name);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(actionId);
      throw err;
    }
  }

  /** Records a decision through the workflow's validated Update; an edit's parameters are checked like a submission's. */
  async decide(actionId: string, decision: DecisionInput): Promise<ActionState> {
    if (decision.edit) {
      const state = await this.get(actionId);
      await this.upstreams.ensure(state.tool);
      this.preparer.checkParameters(state.tool, decision.edit.parameters, 'edit.parameters');
    }
    const state = await this.update(actionId, 'the decision', () => this.handle(actionId).executeUpdate(decideUpdate, { args: [decision] }));
    if (decision.standing) await this.grantStanding(state, decision);
    return state;
  }

  /**
   * Records a standing approval with the action's session once it has approved
   * a review-tier action. Best effort: without it, like actions wait for a
   * person, as they would have anyway.
   */
  private async grantStanding(state: ActionState, decision: DecisionInput): Promise<void> {
    const approval = [...state.approvals].reverse().find((a) => a.by === decision.by && a.decision === 'approve' && a.standing);
    if (!approval?.standing || state.risk.tier !== 'review' || countedApprovals(state).length < state.risk.approvalsRequired) return;
    const { count, minutes } = approval.standing;
    try {
      await this.sessions.grantStanding(state.agentId, state.sessionId, {
        actionId: state.id,
        tool: state.tool,
        maxScore: state.risk.score,
        count,
        remaining: count,
        expiresAt: new Date(Date.parse(approval.at) + minutes * 60_000).toISOString(),
        by: approval.by,
        ids: approval.ids,
        grantedAt: approval.at,
        covered: [],
        ...(state.approvalCard?.ts ? { card: { channel: state.approvalCard.channel, ts: state.approvalCard.ts } } : {}),
      });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  /** Cancels an action that has not started executing. */
  async cancel(actionId: string, args: CancelArgs): Promise<ActionState> {
    return this.update(actionId, 'the cancellation', () => this.handle(actionId).executeUpdate(cancelUpdate, { args: [args] }));
  }

  /** Asks the action's workflow to render its approval card again (after a click on an out-of-date card). */
  async refreshCard(actionId: string): Promise<void> {
    try {
      await this.handle(actionId).signal(refreshCardSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  private async update(actionId: string, what: string, send: () => Promise<ActionState>): Promise<ActionState> {
    try {
      return await answeredWithin(this.client, `${what} of action ${actionId}`, send, this.config.file.limits.workerAnswer);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const code = REFUSAL_CODES[err.cause.type ?? ''];
        const extra = (err.cause.details?.[0] ?? {}) as Record<string, unknown>;
        if (code) throw new ApiError(code, err.cause.message, { reason: err.cause.type, ...extra });
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
    const clauses = [ACTION_TYPE_CLAUSE];
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
