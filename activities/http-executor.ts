import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActionState, ExecutionResult, Impact, PreviewOutcome, Resource, Risk, Tier } from '../domain/action.js';
import { assessVersion } from '../domain/assess-version.js';
import type { AssessContext } from '../domain/input.js';
import type { ResolvedPolicy } from '../domain/policy.js';
import { higherTier } from '../domain/tiers.js';
import type { GrantSigner } from '../grants/sign.js';
import type { BreakerPass, ToolBreakers } from './breakers.js';
import type { SlotMode, ToolSlots } from './tool-slots.js';
import type { SessionOutcome } from '../domain/session-rules.js';
import type { SessionLedger, SessionRef } from './session.js';
import { callTool, isRetryableStatus, ToolUnreachable, type ToolAnswer } from './tool-call.js';
import type { McpCall, McpExecutor } from './mcp-executor.js';

/** What the executor receives as the JSON body: the action, never Airlock's credentials. */
export interface ExecutorPayload {
  actionId: string;
  agentId: string;
  sessionId: string;
  tool: string;
  operation: ActionState['operation'];
  environment: ActionState['environment'];
  parameters: Record<string, unknown>;
  resources: Resource[];
  approvers: string[];
  /** Which version executes: 1 is the agent's, higher ones an approver's edit. */
  version: number;
}

/**
 * Input of {@link executeHttpTool}: an HTTP executor's `url`, or, for a tool of
 * an upstream MCP server, `mcp` (the worker reads how to reach the upstream from
 * its own configuration).
 */
export type ExecuteHttpToolInput = ExecuteToolInput & ({ url: string; mcp?: undefined } | { mcp: McpCall; url?: undefined });

/** What every execution's input carries, whatever the executor. */
export interface ExecuteToolInput {
  timeoutMs: number;
  /** The tool's `retry.maximumInterval`: a longer `Retry-After` is cut to it. */
  maxRetryDelayMs: number;
  /** What the approved tier was scored from, to score it again with the worker's policy right before the call. */
  reauthorize?: Reauthorize;
  action: ExecutorPayload;
  /** The action's session, checked open before every attempt; absent for actions from before sessions. */
  session?: SessionRef;
  /** With a session: what it records of this action once executed (the executor tells it, batched). */
  sessionOutcome?: Omit<SessionOutcome, 'outcome' | 'at'>;
  /** What the grant says beyond the action: the tier, and who approved this version. */
  grant: { tier: Tier; approvers: string[] };
  /** Attempts that earlier runs of this execution made (it runs again after waiting for the tool's breaker). */
  attemptsBefore?: number;
  /** Set by workflows that wait out an open breaker; without it an open breaker fails the attempt, to be retried. */
  breaker?: BreakerPass;
  /** How it takes one of its tool's slots (since executions start on the main queue); without it, none is taken. */
  slot?: SlotMode;
}

/** A successful execution. */
export interface ExecuteHttpToolOutput {
  result: ExecutionResult;
  attempt: number;
}

/** Attached to every executor failure so the workflow can report attempts and the last answer. */
export interface ExecutorFailureDetails {
  attempt: number;
  result?: ExecutionResult;
}

/** Bodies are kept for the action state and the history; beyond this they are cut. */
export const MAX_RESULT_BODY = 4096;

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The facts of the version about to execute and the tier it was approved at. */
export interface Reauthorize {
  context: Omit<AssessContext, 'policy'>;
  claimed: Impact;
  preview?: PreviewOutcome;
  tier: Tier;
}

/** Details of a `TierRose` failure: the version's risk under the policy in force now. */
export interface TierRoseDetails {
  risk: Risk;
}

/**
 * Scores the version again with the policy in force in this worker now (a
 * reloaded one from its next attempt on); throws
 * (non-retryable, `TierRose`) when that gives a higher tier than the one approved.
 * Always scored (it is cheap and pure): a policy edited under an unchanged
 * `version` must not slip through.
 */
function reauthorizeTier(policy: ResolvedPolicy | undefined, input: ExecuteHttpToolInput): void {
  const r = input.reauthorize;
  if (!policy || !r) return;
  const risk = assessVersion({ ...r.context, policy }, input.action.parameters, r.claimed, r.preview);
  if (higherTier(risk.tier, r.tier) === r.tier) return;
  throw ApplicationFailure.create({
    message: `policy ${policy.version} puts this action at ${risk.tier}, above the ${r.tier} it was approved at`,
    type: 'TierRose',
    nonRetryable: true,
    details: [{ risk } satisfies TierRoseDetails],
  });
}

/** Builds the HTTP executor activity; `fetchImpl` is injectable for tests of the activity alone. */
export function createHttpExecutor(
  signer: GrantSigner,
  fetchImpl: typeof fetch = fetch,
  checkStanding: (agentId: string) => Promise<void> = async () => {},
  /** The policy in force now, read at every attempt (re-authorization); without one the tier is not checked again. */
  policyOf?: () => ResolvedPolicy,
  checkSession: (ref: SessionRef) => Promise<void> = async () => {},
  ledger?: SessionLedger,
  /** The tools' circuit breakers, by this worker's configuration; without them nothing is gated. */
  breakers?: ToolBreakers,
  /** Each tool's executions in flight on this worker; without them nothing is bounded here. */
  slots?: ToolSlots,
  /** Calls upstream MCP tools; without it an `mcp` execution fails for good, saying why. */
  mcp?: McpExecutor,
) {
  /**
   * Calls a tool's HTTP executor once per attempt, with a grant signed for that
   * attempt. 2xx succeeds; 408, 429 and 5xx, timeouts and refused connections
   * are retried by Temporal's retry policy; any other 4xx fails at once.
   * `Idempotency-Key` lets the target drop repeats. While the tool's breaker is
   * open it is not called: the attempt fails with `BreakerOpen` and the
   * workflow waits for the breaker (see `activities/breakers.ts`). A tool of an
   * upstream MCP server (`input.mcp`) is called through `mcp-executor.ts` instead,
   * after the same slots, breaker and re-authorization.
   */
  return async function executeHttpTool(input: ExecuteHttpToolInput): Promise<ExecuteHttpToolOutput> {
    // A slot first: an execution refused one has called nothing, and its breaker hears nothing of it.
    const context = Context.current();
    const attemptsUsed = (input.attemptsBefore ?? 0) + context.info.attempt - 1;
    const release = input.slot && slots ? await slots.enter(input.action.tool, input.slot, attemptsUsed, context.cancelled) : () => {};
    try {
      const gate = breakers?.gateFor(input.action.tool, input);
      return await (gate ? gate.guard(() => attemptCall(input, gate.admit)) : attemptCall(input));
    } finally {
      release();
    }
  };

  async function attemptCall(input: ExecuteHttpToolInput, admit: () => Promise<void> = async () => {}): Promise<ExecuteHttpToolOutput> {
    const attempt = (input.attemptsBefore ?? 0) + Context.current().info.attempt;
    // Re-authorized right before every attempt: a frozen agent's action never reaches
    // its tool, nor one of a closed session, nor one that the policy in force now
    // puts above its approved tier.
    await checkStanding(input.action.agentId);
    if (input.session) await checkSession(input.session);
    reauthorizeTier(policyOf?.(), input);
    await admit();
    const succeeded = (result: ExecutionResult): ExecuteHttpToolOutput => {
      if (ledger && input.session && input.sessionOutcome) {
        ledger.add(Context.current().client, input.session, { ...input.sessionOutcome, outcome: 'succeeded', at: new Date().toISOString() });
      }
      return { result, attempt };
    };
    if (input.mcp) {
      if (!mcp) throw ApplicationFailure.create({ message: 'this worker cannot call MCP upstreams', type: 'ExecutorRejected', nonRetryable: true, details: [{ attempt }] });
      return succeeded(await mcp(input.mcp, { ...input, attempt }));
    }
    let answer: ToolAnswer;
    try {
      answer = await callTool(signer, fetchImpl, {
        ...input,
        mode: 'execute',
        headers: { 'idempotency-key': input.action.actionId, 'x-airlock-attempt': String(attempt) },
        maxBodyBytes: MAX_RESULT_BODY,
      });
    } catch (err) {
      if (!(err instanceof ToolUnreachable)) throw err;
      throw ApplicationFailure.create({
        message: `executor ${err.message}`,
        type: 'ExecutorUnreachable',
        details: [{ attempt } satisfies ExecutorFailureDetails],
      });
    }

    const result: ExecutionResult = { httpStatus: answer.status, body: answer.body, truncated: answer.truncated };
    if (answer.status >= 200 && answer.status < 300) return succeeded(result);

    const details: ExecutorFailureDetails = { attempt, result };
    if (isRetryableStatus(answer.status)) {
      const asked = answer.status === 429 ? retryAfterMs(answer.headers.get('retry-after')) : undefined;
      // The tool's own bound wins: a target cannot park the action for longer than its retry policy allows.
      const delay = asked === undefined ? undefined : Math.min(asked, input.maxRetryDelayMs);
      throw ApplicationFailure.create({
        message: `executor answered ${answer.status}`,
        type: 'ExecutorUnavailable',
        details: [details],
        // A zero delay would read as "no retry" to the server; leave those to the backoff.
        ...(delay ? { nextRetryDelay: delay } : {}),
      });
    }
    throw ApplicationFailure.create({
      message: `executor refused the action with ${answer.status}`,
      type: 'ExecutorRejected',
      nonRetryable: true,
      details: [details],
    });
  }
}
