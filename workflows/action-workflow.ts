import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities, ExecutorFailureDetails } from '../activities/index.js';
import type { ActionState, ActionStatus } from '../domain/action.js';
import { applyDecision, currentVersion, refuseDecision } from '../domain/approval-rules.js';
import type { ActionInput } from '../domain/input.js';
import { initialActionState } from '../domain/state.js';
import { isSettled } from '../domain/status.js';
import { cancelUpdate, decideUpdate, searchAttributes, settleUpdate, stateQuery } from './messages.js';
import { approvalNotifications } from './notifications.js';

const CANCELLABLE: ReadonlySet<ActionStatus> = new Set(['assessing', 'awaiting_approval']);

/** The action's state, shared by the main flow, the message handlers and the notifications. */
export interface ActionStore {
  readonly state: ActionState;
  /** Bumped on every change the approval card shows. */
  readonly revision: number;
  setStatus(status: ActionStatus, patch?: Partial<ActionState>): void;
  /** Changes that do not show on the card (where the card is, say). */
  patch(patch: Partial<ActionState>): void;
}

function createStore(input: ActionInput): ActionStore & { replace(next: ActionState): void } {
  let state = initialActionState(input, new Date().toISOString());
  let revision = 0;
  let indexed = { tier: '', score: -1 };
  const index = (status: ActionStatus) => {
    // Agent, tool and environment were set at start; tier and score ride along
    // with a status change only when they changed, so each transition costs one event.
    const changed = indexed.tier !== state.risk.tier || indexed.score !== state.risk.score;
    upsertSearchAttributes([
      { key: searchAttributes.status, value: status },
      ...(changed
        ? [
            { key: searchAttributes.tier, value: state.risk.tier },
            { key: searchAttributes.riskScore, value: state.risk.score },
          ]
        : []),
    ]);
    indexed = { tier: state.risk.tier, score: state.risk.score };
  };
  return {
    get state() {
      return state;
    },
    get revision() {
      return revision;
    },
    setStatus(status, patch = {}) {
      state = { ...state, ...patch, status, updatedAt: new Date().toISOString() };
      revision++;
      index(status);
    },
    patch(patch) {
      state = { ...state, ...patch };
    },
    replace(next) {
      const statusChanged = next.status !== state.status;
      const riskChanged = next.risk.tier !== state.risk.tier || next.risk.score !== state.risk.score;
      state = next;
      revision++;
      if (statusChanged || riskChanged) index(next.status);
    },
  };
}

/**
 * One agent action: assess its blast radius, wait for the approvals its tier
 * needs (or expire), then execute it once through the tool's executor with
 * bounded retries. With Slack connected, the approval card, reminders,
 * escalation and owner messages run beside it and never hold it up.
 * Always completes with the action's final state.
 */
export async function actionWorkflow(input: ActionInput): Promise<ActionState> {
  const store = createStore(input);

  setHandler(stateQuery, () => store.state);

  // No timer here: the caller bounds its own wait, and an unbounded wait still
  // ends, because every non-settled status leads to a settled one.
  setHandler(settleUpdate, async ({ waitMs }) => {
    if (waitMs > 0) await condition(() => isSettled(store.state.status));
    return store.state;
  });

  setHandler(
    decideUpdate,
    (d) => {
      store.replace(applyDecision(input, store.state, d, new Date().toISOString()));
      return store.state;
    },
    {
      validator: (d) => {
        const refusal = refuseDecision(input, store.state, d);
        if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
      },
    },
  );

  setHandler(
    cancelUpdate,
    ({ by }) => {
      store.setStatus('cancelled', { cancelledBy: by });
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

  let notifications: Promise<void> | undefined;
  await decideAndExecute(input, store, () => {
    if (input.slack) notifications = approvalNotifications(input, store);
  });

  // The card's last update and the owner's message go out before the run closes
  // (bounded by the Slack retry policy); then every waiting caller is answered.
  await notifications;
  await condition(allHandlersFinished);
  return store.state;
}

async function decideAndExecute(input: ActionInput, store: ActionStore, onAwaitingApproval: () => void): Promise<void> {
  const { tier } = store.state.risk;
  if (tier === 'deny') return store.setStatus('denied');

  if (tier !== 'auto') {
    store.setStatus('awaiting_approval');
    onAwaitingApproval();
    const decided = await condition(() => store.state.status !== 'awaiting_approval', input.approvals.timeout);
    if (!decided) store.setStatus('expired');
    if (store.state.status !== 'approved') return;
  }

  store.setStatus('executing');
  const { retry, executor } = input.tool;
  const { executeHttpTool } = proxyActivities<Activities>({
    // The executor call aborts itself at `executor.timeout`; the margin only
    // covers a worker that died mid-call, which then counts as one attempt.
    startToCloseTimeout: executor.timeout + 5_000,
    retry: {
      maximumAttempts: retry.maxAttempts,
      initialInterval: retry.initialInterval,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumInterval,
    },
  });

  const state = store.state;
  // Exactly the approved version executes: an approver's edit replaces the agent's parameters.
  const version = currentVersion(state);
  try {
    const outcome = await executeHttpTool({
      url: executor.url,
      timeoutMs: executor.timeout,
      action: {
        actionId: state.id,
        agentId: state.agentId,
        sessionId: state.sessionId,
        tool: state.tool,
        operation: state.operation,
        environment: state.environment,
        parameters: version.parameters,
        resources: input.request.resources,
        approvers: state.approvals.filter((a) => a.decision === 'approve' && a.version === version.version).map((a) => a.by),
        version: version.version,
      },
    });
    store.setStatus('succeeded', { result: outcome.result, attempts: outcome.attempt });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause;
    const details =
      cause instanceof ApplicationFailure ? (cause.details?.[0] as ExecutorFailureDetails | undefined) : undefined;
    store.setStatus('failed', {
      attempts: details?.attempt ?? retry.maxAttempts,
      error: {
        code: cause instanceof ApplicationFailure && cause.type ? cause.type : 'ExecutorTimeout',
        message: cause?.message ?? err.message,
      },
      ...(details?.result ? { result: details.result } : {}),
    });
  }
}
