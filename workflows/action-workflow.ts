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
import { refuseDecision } from '../domain/approval-rules.js';
import { isSettled } from '../domain/status.js';
import type { ActionInput } from '../domain/input.js';
import { initialActionState } from '../domain/state.js';
import { cancelUpdate, decideUpdate, searchAttributes, settleUpdate, stateQuery } from './messages.js';

const CANCELLABLE: ReadonlySet<ActionStatus> = new Set(['assessing', 'awaiting_approval']);

/**
 * One agent action: assess its blast radius, wait for the approvals its tier
 * needs (or expire), then execute it once through the tool's executor with
 * bounded retries. Always completes with the action's final state.
 */
export async function actionWorkflow(input: ActionInput): Promise<ActionState> {
  let state = initialActionState(input, new Date().toISOString());

  // Agent, tool and environment were set at start. Tier and score go with the
  // first status change, so each transition costs one history event, not two.
  let assessmentIndexed = false;
  const setStatus = (status: ActionStatus, patch: Partial<ActionState> = {}) => {
    state = { ...state, ...patch, status, updatedAt: new Date().toISOString() };
    upsertSearchAttributes([
      { key: searchAttributes.status, value: status },
      ...(assessmentIndexed
        ? []
        : [
            { key: searchAttributes.tier, value: state.risk.tier },
            { key: searchAttributes.riskScore, value: state.risk.score },
          ]),
    ]);
    assessmentIndexed = true;
  };

  setHandler(stateQuery, () => state);

  // No timer here: the caller bounds its own wait, and an unbounded wait still
  // ends, because every non-settled status leads to a settled one.
  setHandler(settleUpdate, async ({ waitMs }) => {
    if (waitMs > 0) await condition(() => isSettled(state.status));
    return state;
  });

  setHandler(
    decideUpdate,
    (d) => {
      const approval = {
        by: d.by,
        decision: d.decision,
        at: new Date().toISOString(),
        via: d.via,
        ...(d.reason === undefined ? {} : { reason: d.reason }),
      };
      const approvals = [...state.approvals, approval];
      if (d.decision === 'reject') setStatus('rejected', { approvals });
      else if (approvals.length >= state.risk.approvalsRequired) setStatus('approved', { approvals });
      else state = { ...state, approvals, updatedAt: approval.at };
      return state;
    },
    {
      validator: (d) => {
        const refusal = refuseDecision(input, state, d);
        if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
      },
    },
  );

  setHandler(
    cancelUpdate,
    ({ by }) => {
      setStatus('cancelled', { cancelledBy: by });
      return state;
    },
    {
      validator: (_args) => {
        if (!CANCELLABLE.has(state.status))
          throw ApplicationFailure.nonRetryable(
            `action ${state.id} is ${state.status}; only an action not yet executing can be cancelled`,
            'TooLateToCancel',
          );
      },
    },
  );

  await decideAndExecute(input, () => state, setStatus);

  // Answer every waiting caller (settle, decide) before the run closes.
  await condition(allHandlersFinished);
  return state;
}

async function decideAndExecute(
  input: ActionInput,
  current: () => ActionState,
  setStatus: (status: ActionStatus, patch?: Partial<ActionState>) => void,
): Promise<void> {
  const { tier } = current().risk;
  if (tier === 'deny') return setStatus('denied');

  if (tier !== 'auto') {
    setStatus('awaiting_approval');
    const decided = await condition(() => current().status !== 'awaiting_approval', input.approvals.timeout);
    if (!decided) setStatus('expired');
    if (current().status !== 'approved') return;
  }

  setStatus('executing');
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

  const state = current();
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
        parameters: input.request.parameters,
        resources: input.request.resources,
        approvers: state.approvals.filter((a) => a.decision === 'approve').map((a) => a.by),
      },
    });
    setStatus('succeeded', { result: outcome.result, attempts: outcome.attempt });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause;
    const details =
      cause instanceof ApplicationFailure ? (cause.details?.[0] as ExecutorFailureDetails | undefined) : undefined;
    setStatus('failed', {
      attempts: details?.attempt ?? retry.maxAttempts,
      error: {
        code: cause instanceof ApplicationFailure && cause.type ? cause.type : 'ExecutorTimeout',
        message: cause?.message ?? err.message,
      },
      ...(details?.result ? { result: details.result } : {}),
    });
  }
}
