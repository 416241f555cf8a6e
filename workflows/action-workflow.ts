import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, AgentFrozenDetails, BreakerOpenDetails, ExecutorFailureDetails, ExecutorPayload, SessionClosedDetails, SessionRef, TierRoseDetails, ToolBusyDetails } from '../activities/index.js';
import type { ActionState, ActionStatus, ActionVersion, Approval, Impact, Risk } from '../domain/action.js';
import { applyDecision, countedApprovals, currentVersion, lapseApprovals, refuseDecision } from '../domain/approval-rules.js';
import type { PermitKind } from '../domain/breaker-rules.js';
import type { DecisionInput } from '../domain/decision.js';
import type { ActionInput } from '../domain/input.js';
import { initialActionState } from '../domain/state.js';
import { isSettled } from '../domain/status.js';
import type { SessionOutcome } from '../domain/session-rules.js';
import {
  breakerLeaveSignal,
  breakerPermitSignal,
  breakerWorkflowId,
  cancelUpdate,
  decideUpdate,
  refreshCardSignal,
  searchAttributes,
  sessionOutcomeSignal,
  sessionWorkflowId,
  settleUpdate,
  stateQuery,
  toolTaskQueue,
} from './messages.js';
import { approvalNotifications } from './notifications.js';
import { webhookDeliveries } from './webhooks.js';
import { actionEventOf } from '../domain/webhook-events.js';
import { startIndexOf, type StartIndex } from '../domain/start-index.js';
import { allPatches, recordedPatches, type PatchCheck } from './patches.js';

const CANCELLABLE: ReadonlySet<ActionStatus> = new Set(['assessing', 'awaiting_approval']);

/** Tools answering within this (their executor's `timeout`) execute an auto action's first attempt as a local activity. */
const LOCAL_EXECUTOR_MAX_MS = 5_000;

/** Attempts of the assessment activity (the preview call); the last one fails closed instead of throwing. */
const ASSESS_ATTEMPTS = 3;

/** The action's state, shared by the main flow, the message handlers and the notifications. */
export interface ActionStore {
  readonly state: ActionState;
  /** Bumped on every change the approval card shows. */
  readonly revision: number;
  setStatus(status: ActionStatus, patch?: Partial<ActionState>): void;
  /** Changes that do not show on the card (where the card is, say). */
  patch(patch: Partial<ActionState>): void;
  /** Asks for the card to be rendered again, unchanged. */
  refresh(): void;
}

/**
 * `onStatus` hears every change of status, in order, as it happens (webhooks are scheduled from it).
 * `atStart`: what the run was started with in its search attributes (runs of `airlockAction`), so
 * a change it already shows costs no event; runs of `actionWorkflow` index every status change.
 */
function createStore(input: ActionInput, onStatus: (state: ActionState) => void = () => {}, atStart?: StartIndex): ActionStore & { replace(next: ActionState): void } {
  let state = initialActionState(input, new Date().toISOString());
  let revision = 0;
  let indexed: StartIndex = atStart ?? { status: 'assessing', tier: '', score: -1 };
  const index = (status: ActionStatus) => {
    // Agent, tool and environment were set at start; tier and score ride along
    // with a status change only when they changed, so each transition costs one event.
    const changed = indexed.tier !== state.risk.tier || indexed.score !== state.risk.score;
    const moved = !atStart || status !== indexed.status;
    if (!moved && !changed) return;
    upsertSearchAttributes([
      ...(moved ? [{ key: searchAttributes.status, value: status }] : []),
      ...(changed
        ? [
            { key: searchAttributes.tier, value: state.risk.tier },
            { key: searchAttributes.riskScore, value: state.risk.score },
          ]
        : []),
    ]);
    indexed = { status, tier: state.risk.tier, score: state.risk.score };
  };
  return {
    get state() {
      return state;
    },
    get revision() {
      return revision;
    },
    setStatus(status, patch = {}) {
      const before = state.status;
      state = { ...state, ...patch, status, updatedAt: new Date().toISOString() };
      revision++;
      index(status);
      if (status !== before) onStatus(state);
    },
    patch(patch) {
      state = { ...state, ...patch };
    },
    refresh() {
      revision++;
    },
    replace(next) {
      const statusChanged = next.status !== state.status;
      const riskChanged = next.risk.tier !== state.risk.tier || next.risk.score !== state.risk.score;
      state = next;
      revision++;
      if (statusChanged || riskChanged) index(next.status);
      if (statusChanged) onStatus(state);
    },
  };
}

/** The body the tool's executor (and its preview) receives for one version. */
function payloadOf(input: ActionInput, state: ActionState, version: Pick<ActionVersion, 'version' | 'parameters'>, approvers: string[]): ExecutorPayload {
  return {
    actionId: state.id,
    agentId: state.agentId,
    sessionId: state.sessionId,
    tool: state.tool,
    operation: state.operation,
    environment: state.environment,
    parameters: version.parameters,
    resources: input.request.resources,
    approvers,
    version: version.version,
  };
}

/** Scores one version through the assessment activity (preview included); the workflow itself never scores. */
async function assessVersion(input: ActionInput, state: ActionState, version: number, parameters: Record<string, unknown>, claimed: Impact) {
  const { assessAction } = proxyActivities<Activities>({
    startToCloseTimeout: input.tool.executor.timeout + 5_000,
    retry: { maximumAttempts: ASSESS_ATTEMPTS, initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s' },
  });
  return assessAction({
    context: { tool: input.tool, environment: input.environment, sensitivities: input.sensitivities, policy: input.policy },
    parameters,
    claimed,
    action: payloadOf(input, state, { version, parameters }, []),
    tier: state.risk.tier,
    maxAttempts: ASSESS_ATTEMPTS,
  });
}

function detailsOf(risk: Risk): string | undefined {
  const preview = risk.preview;
  if (!preview) return undefined;
  return preview.status === 'ok'
    ? `**Preview:** ${preview.summary ?? 'the tool answered without a summary'}`
    : `**Preview unavailable:** ${preview.error ?? 'no answer'}`;
}

/**
 * One agent action: take its assessment (made by the API, or by the preview
 * activity), wait for the approvals its tier needs (or expire), then execute it
 * once through the tool's executor with bounded retries. With Slack connected,
 * the approval card, reminders, escalation and owner messages run beside it and
 * never hold it up. Always completes with the action's final state.
 */
export async function airlockAction(input: ActionInput): Promise<ActionState> {
  return runAction(input, allPatches, startIndexOf(input));
}

/**
 * The type of actions started before `airlockAction`: the same flow, each later
 * change behind its patch marker, so those runs replay as they ran.
 */
export async function actionWorkflow(input: ActionInput): Promise<ActionState> {
  return runAction(input, recordedPatches);
}

async function runAction(input: ActionInput, patched: PatchCheck, atStart?: StartIndex): Promise<ActionState> {
  // Each receiver's delivery runs beside the action, never in its way; without receivers this adds nothing.
  const webhooks = webhookDeliveries(patched);
  const store = createStore(
    input,
    (state) => {
      const event = actionEventOf(state.status);
      if (event) webhooks.emit(input.webhooks, event, state.id, state.updatedAt, state);
    },
    atStart,
  );
  let editing = false;

  setHandler(stateQuery, () => store.state);
  setHandler(refreshCardSignal, () => store.refresh());
  // The tool's breaker lets a waiting execution through; it may say so before the workflow has seen the refusal.
  const permits: BreakerPermits = {};
  setHandler(breakerPermitSignal, ({ kind }) => {
    permits.next = kind;
  });

  // No timer here: the caller bounds its own wait, and an unbounded wait still
  // ends, because every non-settled status leads to a settled one.
  setHandler(settleUpdate, async ({ waitMs }) => {
    if (waitMs > 0) await condition(() => isSettled(store.state.status));
    return store.state;
  });

  setHandler(
    decideUpdate,
    async (d: DecisionInput) => {
      // The quorum must be fresh: approvals older than approvals.maxAge stop counting now.
      const fresh = lapseApprovals(input, store.state, Date.now());
      if (fresh !== store.state) store.replace(fresh);
      if (!d.edit) {
        store.replace(applyDecision(input, store.state, d, new Date().toISOString()));
        return store.state;
      }
      // An edit is previewed and scored on what it does before it can count;
      // meanwhile other decisions wait (the validator refuses them).
      editing = true;
      try {
        const previous = currentVersion(store.state);
        const edit = await assessVersion(input, store.state, previous.version + 1, d.edit.parameters, d.edit.impact ?? previous.impact);
        if (store.state.status !== 'awaiting_approval') {
          throw ApplicationFailure.nonRetryable(`action ${store.state.id} is ${store.state.status}; it can no longer be decided`, 'NotAwaitingApproval');
        }
        store.replace(applyDecision(input, store.state, d, new Date().toISOString(), edit));
      } finally {
        editing = false;
      }
      const details = detailsOf(store.state.risk);
      if (details) setCurrentDetails(details);
      return store.state;
    },
    {
      validator: (d) => {
        // The same view of lapsed approvals as the handler, or a lapsed approver could not approve again.
        const state = lapseApprovals(input, store.state, Date.now());
        if (editing) throw ApplicationFailure.nonRetryable('an edit of this action is being assessed; try again in a moment', 'EditInProgress');
        const refusal = refuseDecision(input, state, d);
        if (refusal) {
          throw ApplicationFailure.create({
            message: refusal.message,
            type: refusal.type,
            nonRetryable: true,
            details: refusal.details ? [refusal.details] : [],
          });
        }
      },
    },
  );

  setHandler(
    cancelUpdate,
    ({ by, reason }) => {
      store.setStatus('cancelled', { cancelledBy: by, ...(reason === undefined ? {} : { cancelReason: reason }) });
      return store.state;
    },
    {
      validator: (_args) => {
        if (!CANCELLABLE.has(store.state.status))
          throw ApplicationFailure.nonRetryable(
            `action ${store.state.id} is ${store.state.status}; only an action not yet executing can be cancelled`,
            'TooLateToCancel',
          );
      },
    },
  );

  // MCP tools have no preview; every executor of an action started before them is an HTTP one.
  if (input.tool.executor.type !== 'mcp' && input.tool.executor.previewUrl) await preview(input, store);

  let notifications: Promise<void> | undefined;
  const outcomeBatched = { value: false };
  if (store.state.status === 'assessing') {
    await decideAndExecute(input, store, { outcomeBatched, permits, patched }, () => {
      // Once per action, even when it comes back for approvals after a re-authorization.
      if (input.slack) notifications ??= approvalNotifications(input, store, patched);
    });
  }

  // An executed action's outcome went with the executor's batch; any other is sent from here.
  if (input.session && !(store.state.status === 'succeeded' && outcomeBatched.value) && patched('airlock-session-outcome')) {
    await reportToSession(input, store.state);
  }

  // The card's last update and the owner's message go out before the run closes
  // (bounded by the Slack retry policy); then every waiting caller is answered.
  await notifications;
  // Bounded by each receiver's retry policy: no delivery is abandoned when the run closes.
  await webhooks.settled();
  await condition(allHandlersFinished);
  return store.state;
}

/** Version 1's preview: its risk replaces the API's fail-closed one; if even the activity fails, that one stands. */
async function preview(input: ActionInput, store: ActionStore & { replace(next: ActionState): void }): Promise<void> {
  const first = currentVersion(store.state);
  try {
    const { risk } = await assessVersion(input, store.state, first.version, first.parameters, first.impact);
    // Cancelled while the preview ran: nothing more to assess.
    if (store.state.status === 'assessing') store.replace({ ...store.state, risk });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
  }
  const details = detailsOf(store.state.risk);
  if (details) setCurrentDetails(details);
}

/** What one run's execution steps share. */
interface RunContext {
  /** Whether the executor told the session of a success (then the workflow does not). */
  outcomeBatched: { value: boolean };
  permits: BreakerPermits;
  patched: PatchCheck;
}

async function decideAndExecute(
  input: ActionInput,
  store: ActionStore & { replace(next: ActionState): void },
  run: RunContext,
  onAwaitingApproval: () => void,
): Promise<void> {
  // Executes once approved; goes back for approvals when the policy in force at
  // execution puts the action above the tier it was approved at.
  for (;;) {
    const { tier } = store.state.risk;
    if (tier === 'deny') return store.setStatus('denied');
    if (tier !== 'auto') {
      const covered = await coveredByStanding(input, store, run.patched);
      // Cancelled while the session was asked.
      if (store.state.status === 'cancelled') return;
      if (!covered) {
        store.setStatus('awaiting_approval');
        onAwaitingApproval();
        const decided = await condition(() => store.state.status !== 'awaiting_approval', input.approvals.timeout);
        if (!decided) store.setStatus('expired');
        if (store.state.status !== 'approved') return;
      }
    }
    const rose = await execute(input, store, run);
    if (!rose) return;
    // Approvals given at the lower tier do not carry over to the higher one.
    const now = new Date().toISOString();
    store.replace({
      ...store.state,
      risk: {
        ...rose.risk,
        factors: [...rose.risk.factors, { name: 'reauthorized', points: 0, detail: `policy ${rose.risk.policyVersion} raised the tier from ${tier} to ${rose.risk.tier} before execution; approvals are asked again` }],
      },
      approvals: store.state.approvals.map((a) => (a.decision === 'approve' ? { ...a, lapsed: true } : a)),
      updatedAt: now,
    });
  }
}

/** The permit a tool's breaker sent, not yet used. */
interface BreakerPermits {
  next?: PermitKind;
}

/** Where an execution picks up again after waiting for its tool's breaker, or after the tool's slots were all taken. */
interface Resumed {
  started: number;
  attemptsBefore: number;
  permit?: PermitKind;
  /** On the tool's own task queue (its slots on the main queue were all taken). */
  toolQueue?: boolean;
}

/** One execution: the outcome is in the state, or the risk that sends the action back for approvals. */
async function execute(input: ActionInput, store: ActionStore, run: RunContext, resumed?: Resumed): Promise<TierRoseDetails | undefined> {
  const { outcomeBatched, permits, patched } = run;
  if (!resumed) store.setStatus('executing');
  // Since batching, the executor tells the session of a success itself (batched per session), sparing
  // each action a round of workflow tasks; actions that executed before it reported from the workflow.
  if (!resumed && input.session && patched('airlock-session-outcome-batched')) outcomeBatched.value = true;
  const { retry, executor } = input.tool;
  // Since overflow, the executor starts on the main queue (Temporal hands it to this worker without a poll) and
  // moves to its tool's own queue only when the tool's slots there are all taken. Actions from the first release
  // with breakers run it on the tool's queue; older ones on the main queue, as they did.
  const overflow = patched('airlock-tool-overflow');
  const ownQueue = overflow ? resumed?.toolQueue === true : patched('airlock-tool-queues');
  const started = resumed?.started ?? Date.now();
  const attemptsBefore = resumed?.attemptsBefore ?? 0;
  const options = {
    // The executor call aborts itself at `executor.timeout`; the margin only
    // covers a worker that died mid-call, which then counts as one attempt. On
    // the tool's queue an execution may first wait for one call of the tool to end.
    startToCloseTimeout: (overflow && ownQueue ? 2 * executor.timeout : executor.timeout) + 5_000,
    // The whole execution, retries, Retry-After waits and waits for the breaker included.
    scheduleToCloseTimeout: Math.max(1, executor.deadline - (Date.now() - started)),
    retry: {
      maximumAttempts: retry.maxAttempts - attemptsBefore,
      initialInterval: retry.initialInterval,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumInterval,
    },
    ...(ownQueue ? { taskQueue: toolTaskQueue(workflowInfo().taskQueue, input.request.tool) } : {}),
  };
  // Since `airlock-local-executor`, the first attempt at an action scored auto and awaited to its close by the
  // API, of a tool that answers within LOCAL_EXECUTOR_MAX_MS, runs as a local activity: in the run's first
  // workflow task, on this worker, with no activity task to schedule, dispatch and report. Not when an Update
  // waits on that task (its answer would wait for the call), nor for a longer call (queries would wait for it),
  // nor for anything resumed (the tool's queue, after its breaker).
  const local =
    !resumed &&
    !ownQueue &&
    input.awaitedToClose === true &&
    store.state.risk.tier === 'auto' &&
    executor.timeout <= LOCAL_EXECUTOR_MAX_MS &&
    patched('airlock-local-executor');
  const { executeHttpTool } = local
    ? proxyLocalActivities<Activities>({ startToCloseTimeout: options.startToCloseTimeout, scheduleToCloseTimeout: options.scheduleToCloseTimeout, retry: options.retry })
    : proxyActivities<Activities>(options);

  const state = store.state;
  // Exactly the approved version executes: an approver's edit replaces the agent's parameters.
  const version = currentVersion(state);
  // Exactly the approvals that made the quorum: of this version, not lapsed.
  const approvers = countedApprovals(state).map((a) => a.by);
  try {
    const outcome = await executeHttpTool({
      // An upstream MCP tool is called through its upstream: a new field of the same activity, so no new command.
      ...(executor.type === 'mcp' ? { mcp: { upstream: executor.upstream, tool: executor.tool } } : { url: executor.url }),
      timeoutMs: executor.timeout,
      maxRetryDelayMs: retry.maximumInterval,
      action: payloadOf(input, state, version, approvers),
      ...(input.session ? { session: sessionRefOf(input, input.session, state.risk.tier === 'auto') } : {}),
      ...(outcomeBatched.value ? { sessionOutcome: sessionOutcomeOf(input, state) } : {}),
      grant: { tier: state.risk.tier, approvers },
      reauthorize: {
        context: {
          tool: input.tool,
          environment: input.environment,
          sensitivities: input.sensitivities,
          ...(input.session ? { session: input.session } : {}),
        },
        claimed: version.impact,
        ...(state.risk.preview ? { preview: state.risk.preview } : {}),
        tier: state.risk.tier,
      },
      ...(overflow || ownQueue
        ? { attemptsBefore, breaker: { taskQueue: workflowInfo().taskQueue, ...(resumed?.permit ? { permit: resumed.permit } : {}) } }
        : {}),
      ...(overflow ? { slot: ownQueue ? ('wait' as const) : ('refuse' as const) } : {}),
    });
    store.setStatus('succeeded', { result: outcome.result, attempts: outcome.attempt });
  } catch (caught) {
    const err = executionFailureOf(caught);
    const cause = err.cause;
    // The tool's slots on this worker are all taken: nothing was called; the execution queues on the tool's own queue.
    if (cause instanceof ApplicationFailure && cause.type === 'ToolBusy') {
      const used = (cause.details?.[0] as ToolBusyDetails | undefined)?.attemptsUsed ?? attemptsBefore;
      return execute(input, store, run, { started, attemptsBefore: used, ...(resumed?.permit ? { permit: resumed.permit } : {}), toolQueue: true });
    }
    // The tool's breaker is open: nothing was called; the execution waits its turn, holding no worker
    // slot and using no attempt, then runs the attempts left within what is left of the deadline.
    if (cause instanceof ApplicationFailure && cause.type === 'BreakerOpen' && cause.nonRetryable) {
      const used = (cause.details?.[0] as BreakerOpenDetails | undefined)?.attemptsUsed ?? attemptsBefore;
      const permit = await waitForBreaker(input.request.tool, store, permits, executor.deadline - (Date.now() - started), used);
      if (permit) return execute(input, store, run, { started, attemptsBefore: used, permit });
      await reportFailure(input, state.id);
      store.setStatus('failed', {
        attempts: used,
        error: { code: 'ExecutorDeadline', message: `the execution did not finish within its deadline of ${executor.deadline} ms (it was waiting for the circuit breaker of ${input.request.tool})` },
      });
      return undefined;
    }
    // The executor re-checks the agent's standing before every attempt: a frozen agent's action is cancelled, not failed.
    if (cause instanceof ApplicationFailure && cause.type === 'AgentFrozen') {
      const frozen = cause.details?.[0] as AgentFrozenDetails | undefined;
      store.setStatus('cancelled', { cancelledBy: frozen?.frozenBy ?? 'airlock', cancelReason: cause.message });
      return undefined;
    }
    // So is the session: one closed or expired before the call cancels the action.
    if (cause instanceof ApplicationFailure && cause.type === 'SessionClosed') {
      const closed = cause.details?.[0] as SessionClosedDetails | undefined;
      store.setStatus('cancelled', { cancelledBy: closed?.closedBy ?? 'airlock', cancelReason: cause.message });
      return undefined;
    }
    if (cause instanceof ApplicationFailure && cause.type === 'TierRose') return cause.details?.[0] as TierRoseDetails;
    // Loop detection counts failures from the agent's record: reported before the agent hears of it, so its
    // retry meets it. Actions that failed before this release report none.
    if (patched('airlock-report-failures')) await reportFailure(input, state.id);
    store.setStatus('failed', failureOf(err, retry.maxAttempts, executor.deadline, attemptsBefore));
  }
  return undefined;
}

/**
 * Waits for the tool's breaker to let this execution through (`waitingFor:
 * breaker` in the state), at most `leftMs` (what is left of the deadline).
 * Returns the permit, or undefined when the deadline came first; the breaker
 * is then told this execution no longer waits.
 */
async function waitForBreaker(tool: string, store: ActionStore, permits: BreakerPermits, leftMs: number, attemptsUsed: number): Promise<PermitKind | undefined> {
  // The attempts made so far show while it waits (they count against maxAttempts; the wait does not).
  store.patch({ waitingFor: 'breaker', attempts: attemptsUsed });
  const permitted = leftMs > 0 && (await condition(() => permits.next !== undefined, leftMs));
  store.patch({ waitingFor: undefined });
  if (!permitted) {
    await getExternalWorkflowHandle(breakerWorkflowId(tool))
      .signal(breakerLeaveSignal, { workflowId: workflowInfo().workflowId })
      .catch(() => {});
    return undefined;
  }
  const permit = permits.next;
  permits.next = undefined;
  return permit;
}

/**
 * A review-tier action of a session may be covered by a standing approval given
 * on an earlier like action (same tool, scoring no higher, uses and time left):
 * then it is approved without a card, recording whose approval it used.
 * Critical actions never are; the session workflow decides, one use at a time.
 */
async function coveredByStanding(input: ActionInput, store: ActionStore, patched: PatchCheck): Promise<boolean> {
  const { risk } = store.state;
  if (risk.tier !== 'review' || !input.session?.standing?.includes(input.request.tool) || !patched('airlock-standing-approvals')) return false;
  const { claimStandingApproval } = proxyActivities<Activities>({
    startToCloseTimeout: '10s',
    retry: { maximumAttempts: 3, initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '2s' },
  });
  const at = new Date().toISOString();
  let use;
  try {
    use = await claimStandingApproval({
      agentId: input.agent.id,
      sessionId: input.session.sessionId,
      claim: { actionId: store.state.id, tool: input.request.tool, tier: risk.tier, score: risk.score, at },
    });
  } catch (err) {
    // No answer about a standing approval is no standing approval: a person decides.
    if (!(err instanceof ActivityFailure)) throw err;
    return false;
  }
  if (!use || store.state.status !== 'assessing') return false;
  const version = currentVersion(store.state);
  const approval: Approval = {
    by: use.grant.by,
    decision: 'approve',
    at,
    via: 'standing',
    version: version.version,
    paramsSha256: version.paramsSha256,
    ids: use.grant.ids,
    standingOf: { actionId: use.grant.actionId, remaining: use.grant.remaining, expiresAt: use.grant.expiresAt },
  };
  store.setStatus('approved', { approvals: [...store.state.approvals, approval] });
  return true;
}

/**
 * The executor's view of the session: whom to check and tell, and how near its
 * budget the API saw it. An auto action, run straight after submission, also
 * passes when the API read it open; one that waited for people is read again.
 */
function sessionRefOf(input: ActionInput, session: NonNullable<ActionInput['session']>, auto: boolean): SessionRef {
  return {
    agentId: input.agent.id,
    sessionId: session.sessionId,
    riskBudget: session.riskBudget,
    spent: session.spent,
    ...(auto && session.readAt !== undefined ? { readAt: session.readAt } : {}),
  };
}

/** What the session records of an action, but for how and when it ended. */
function sessionOutcomeOf(input: ActionInput, state: ActionState): Omit<SessionOutcome, 'outcome' | 'at'> {
  const sensitivity = state.risk.facts?.effective.sensitivity;
  return {
    actionId: state.id,
    tool: state.tool,
    tier: state.risk.tier,
    score: state.risk.score,
    ...(sensitivity ? { touch: { tool: state.tool, operation: state.operation, sensitivity, egress: input.tool.egress ?? false } } : {}),
  };
}

/** Tells the session how the action ended, best effort: its budget and sequence rules count what executed. */
async function reportToSession(input: ActionInput, state: ActionState): Promise<void> {
  const executed = state.status === 'succeeded';
  const { touch, ...base } = sessionOutcomeOf(input, state);
  const outcome: SessionOutcome = { ...base, outcome: state.status, at: new Date().toISOString(), ...(executed && touch ? { touch } : {}) };
  try {
    await getExternalWorkflowHandle(sessionWorkflowId(input.agent.id, input.session!.sessionId)).signal(sessionOutcomeSignal, outcome);
  } catch {
    // A session that has ended (closed, expired) takes no more outcomes; the action's own record stands.
  }
}

/** Records a failed execution with the agent's workflow, best effort: loop detection may miss one, the action is unaffected. */
async function reportFailure(input: ActionInput, actionId: string): Promise<void> {
  const { reportFailure } = proxyActivities<Activities>({
    startToCloseTimeout: '10s',
    retry: { maximumAttempts: 3, initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '2s' },
  });
  await reportFailure({
    agentId: input.agent.id,
    failure: { tool: input.request.tool, paramsHash: input.paramsSha256, actionId, at: new Date().toISOString() },
  }).catch((err: unknown) => {
    if (!(err instanceof ActivityFailure)) throw err;
  });
}

/**
 * What failed an execution. An activity's failure comes wrapped in an
 * `ActivityFailure`; a local activity's as its cause alone (the executor's
 * `ApplicationFailure`, or the `TimeoutFailure` of its deadline).
 */
interface ExecutionFailure {
  cause: Error | undefined;
  message: string;
}

function executionFailureOf(err: unknown): ExecutionFailure {
  if (err instanceof ActivityFailure) return { cause: err.cause, message: err.message };
  if (err instanceof ApplicationFailure || err instanceof TimeoutFailure) return { cause: err, message: err.message };
  throw err;
}

/** What the state says about a failed execution: the last executor answer, attempts, and why. */
function failureOf(err: ExecutionFailure, maxAttempts: number, deadlineMs: number, attemptsBefore = 0): Partial<ActionState> {
  // A deadline wraps the last attempt's failure, when there was one.
  const deadline = err.cause instanceof TimeoutFailure ? err.cause : undefined;
  const cause = deadline?.cause ?? err.cause;
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as ExecutorFailureDetails | undefined) : undefined;
  const error = deadline
    ? { code: 'ExecutorDeadline', message: `the execution did not finish within its deadline of ${deadlineMs} ms${cause ? ` (last: ${cause.message})` : ''}` }
    : { code: cause instanceof ApplicationFailure && cause.type ? cause.type : 'ExecutorTimeout', message: cause?.message ?? err.message };
  return {
    attempts: details?.attempt ?? (deadline ? attemptsBefore : maxAttempts),
    error,
    ...(details?.result ? { result: details.result } : {}),
  };
}
