import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { AgentConfig } from '../../domain/config.js';
import { isWithin } from '../../domain/glob.js';
import type { SessionFacts } from '../../domain/input.js';
import type { SessionBody, SessionState, StandingGrant } from '../../domain/session.js';
import { configSource, type ConfigInput, type ConfigSource } from '../../config/live.js';
import { cancelRunningActions } from '../../lib/cancel-actions.js';
import { SessionReader } from '../../lib/session-reader.js';
import type { sessionWorkflow } from '../../workflows/session-workflow.js';
import {
  closeSessionUpdate,
  grantStandingSignal,
  pendingTouchUpdate,
  runningActionsQuery,
  searchAttributes,
  SESSION_MEMO,
  SESSION_WORKFLOW_TYPE,
  sessionWorkflowId,
  type PendingTouchArgs,
} from '../../workflows/messages.js';
import { touchesOf } from '../../domain/session-rules.js';
import { answeredWithin } from '../bounded.js';
import { ApiError, invalidRequest } from '../errors.js';

/** The answer to a session declaration: whether it was new, and the session. */
export interface Declared {
  created: boolean;
  state: SessionState;
}

/** Sessions, through their workflows: declared, opened by a first action, read and closed. */
export class SessionGateway {
  private readonly reader: SessionReader;
  private readonly source: ConfigSource;

  constructor(
    private readonly client: Client,
    /** Read at every call: a reloaded configuration applies to the next request. */
    config: ConfigInput,
  ) {
    // Every read is fresh: a cache here measured no faster (the executor then read what the API no longer did).
    this.reader = new SessionReader(() => client);
    this.source = configSource(config);
  }

  private get config() {
    return this.source.current;
  }

  /** The session as it is now (from its workflow's memo), or undefined. */
  read(agentId: string, sessionId: string): Promise<SessionState | undefined> {
    return this.reader.read(agentId, sessionId);
  }

  /** The session for a submission, with when it was read (an auto action's executor trusts that read for a second). */
  readForAction(agentId: string, sessionId: string): Promise<{ state: SessionState; readAt: number } | undefined> {
    return this.reader.readTimed(agentId, sessionId);
  }

  /** The session; 404 when there is none. */
  async get(agentId: string, sessionId: string): Promise<SessionState> {
    const state = await this.read(agentId, sessionId);
    if (!state) throw notFound(sessionId);
    return state;
  }

  /**
   * Declares a session: its tools must stay within the agent's, its ttl within
   * `sessions.maxTtl`. Declaring the same session again is answered with it
   * (a retry); declaring it differently is a conflict.
   */
  async declare(agent: AgentConfig, body: SessionBody): Promise<Declared> {
    const { sessions } = this.config.file;
    const allowedTools = body.allowedTools ?? agent.tools;
    const wider = allowedTools.flatMap((pattern, i) =>
      isWithin(pattern, agent.tools)
        ? []
        : [{ field: `allowedTools[${i}]`, message: `"${pattern}" reaches beyond agent ${agent.id}'s tools (${agent.tools.join(', ')})` }],
    );
    if (wider.length > 0) throw invalidRequest(wider);
    const ttl = body.ttl ?? sessions.defaults.ttl;
    if (ttl > sessions.maxTtl) {
      throw invalidRequest([{ field: 'ttl', message: `at most ${Math.floor(sessions.maxTtl / 60_000)} minutes (sessions.maxTtl)` }]);
    }
    const wanted = this.opened(agent.id, body.sessionId, 'agent', {
      intent: body.intent,
      allowedTools,
      riskBudget: body.riskBudget ?? sessions.defaults.riskBudget,
      ttl,
    });
    const started = await this.start(wanted);
    if (started) return { created: true, state: started };
    const existing = await this.get(agent.id, body.sessionId);
    const same =
      existing.openedBy === 'agent' &&
      existing.intent === wanted.intent &&
      existing.riskBudget === wanted.riskBudget &&
      JSON.stringify(existing.allowedTools) === JSON.stringify(wanted.allowedTools);
    if (!same || existing.status !== 'open') {
      throw new ApiError('conflict', `session ${body.sessionId} already exists (${existing.status}, opened by ${existing.openedBy === 'agent' ? 'its declaration' : 'an action'}); use another sessionId`, {
        field: 'sessionId',
        status: existing.status,
      });
    }
    return { created: false, state: existing };
  }

  /**
   * The open session an action belongs to: read, or opened with
   * `sessions.defaults` when the action names one never declared. 409
   * `session_closed` when it is closed or expired.
   */
  async forAction(agent: AgentConfig, sessionId: string, known?: SessionState): Promise<{ state: SessionState; opened: boolean }> {
    let state = known;
    let opened = false;
    if (!state) {
      const { defaults } = this.config.file.sessions;
      const wanted = this.opened(agent.id, sessionId, 'defaults', {
        intent: 'opened by its first action (not declared)',
        allowedTools: agent.tools,
        riskBudget: defaults.riskBudget,
        ttl: defaults.ttl,
      });
      const started = await this.start(wanted);
      // Opened by a concurrent action (or closed long ago): read what is there.
      state = started ?? (await this.get(agent.id, sessionId));
      opened = started !== undefined;
    }
    if (state.status !== 'open') {
      throw new ApiError('session_closed', `session ${sessionId} is ${state.status}${state.closedBy ? ` (closed by ${state.closedBy})` : ''}; start a new session`, {
        field: 'sessionId',
        status: state.status,
      });
    }
    return { state, opened };
  }

  /** What scoring needs of a session (and, with `readAt`, when it was read open). */
  facts(state: SessionState, readAt?: number): SessionFacts {
    return {
      ...(readAt === undefined ? {} : { readAt }),
      sessionId: state.sessionId,
      riskBudget: state.riskBudget,
      spent: state.spent,
      allowedTools: state.allowedTools,
      driftTier: this.config.file.sessions.driftTier,
      touched: touchesOf(state),
      standing: [...new Set(state.standing.filter((g) => g.remaining > 0 && Date.parse(g.expiresAt) > Date.now()).map((g) => g.tool))],
    };
  }

  /**
   * Closes a session and cancels its actions still awaiting approval (or their
   * preview), so no card asks for a decision that can no longer run. Closing
   * one already closed or expired answers with it as it is, and sweeps again.
   */
  async close(agentId: string, sessionId: string, by: string): Promise<SessionState> {
    let state: SessionState;
    try {
      state = await answeredWithin(this.client, `closing session ${sessionId}`, () =>
        this.client.workflow.getHandle<typeof sessionWorkflow>(sessionWorkflowId(agentId, sessionId)).executeUpdate(closeSessionUpdate, { args: [{ by }] }),
        this.config.file.limits.workerAnswer,
      );
    } catch (err) {
      // A finished session workflow takes no updates: its memo still says how it ended.
      if (!(err instanceof WorkflowNotFoundError) && !(err instanceof WorkflowUpdateFailedError)) throw err;
      state = await this.get(agentId, sessionId);
    }
    // Found through visibility (a second or so behind): one submitted in that second is cancelled by its executor instead.
    // The session id is the agent's own string: it is matched here, never written into the query.
    const query = runningActionsQuery(agentId, ['assessing', 'awaiting_approval']);
    await cancelRunningActions(this.client, query, by, `session ${sessionId} was closed`, (wf) => wf.typedSearchAttributes.get(searchAttributes.session) === sessionId);
    return state;
  }

  /**
   * Records, before it starts, an action that may begin a sequence (a read of
   * restricted data, say): the next action is scored with it even if it comes
   * before this one has settled. Answered once the session shows it.
   */
  async markPending(agentId: string, sessionId: string, args: PendingTouchArgs): Promise<void> {
    try {
      await answeredWithin(this.client, `recording the first step of a sequence in session ${sessionId}; the action was not started`, () =>
        this.client.workflow.getHandle<typeof sessionWorkflow>(sessionWorkflowId(agentId, sessionId)).executeUpdate(pendingTouchUpdate, { args: [args] }),
        this.config.file.limits.workerAnswer,
      );
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) && !(err instanceof WorkflowUpdateFailedError)) throw err;
      throw new ApiError('session_closed', `session ${sessionId} is no longer open; start a new session`, { field: 'sessionId' });
    }
  }

  /** Records a standing approval with the session; best effort (without it, like actions just wait for a person). */
  async grantStanding(agentId: string, sessionId: string, grant: StandingGrant): Promise<void> {
    await this.client.workflow.getHandle(sessionWorkflowId(agentId, sessionId)).signal(grantStandingSignal, grant);
  }

  private opened(
    agentId: string,
    sessionId: string,
    openedBy: SessionState['openedBy'],
    terms: { intent: string; allowedTools: string[]; riskBudget: number; ttl: number },
  ): SessionState {
    const now = Date.now();
    return {
      sessionId,
      agentId,
      status: 'open',
      intent: terms.intent,
      allowedTools: terms.allowedTools,
      riskBudget: terms.riskBudget,
      spent: 0,
      actions: { count: 0, recent: [] },
      openedBy,
      openedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + terms.ttl).toISOString(),
      touched: [],
      standing: [],
    };
  }

  /** Starts the session's workflow; undefined when one with its id exists or existed. */
  private async start(state: SessionState): Promise<SessionState | undefined> {
    try {
      await this.client.workflow.start<typeof sessionWorkflow>(SESSION_WORKFLOW_TYPE, {
        workflowId: sessionWorkflowId(state.agentId, state.sessionId),
        taskQueue: this.config.env.AIRLOCK_TASK_QUEUE,
        args: [{ state }],
        // A session id is used once: a closed session is never opened again.
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // Readable at once, before any worker has run the workflow.
        memo: { [SESSION_MEMO]: state },
        staticSummary: `session ${state.sessionId} of agent ${state.agentId}`,
        staticDetails: `Intent: ${state.intent}\n\nAllowed tools: ${state.allowedTools.join(', ')}; budget ${state.riskBudget} points; until ${state.expiresAt}.`,
      });
      return state;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
      throw err;
    }
  }
}

function notFound(sessionId: string): ApiError {
  return new ApiError('not_found', `no session ${sessionId}`);
}
