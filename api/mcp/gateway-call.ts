/**
 * One `tools/call` through the gateway: an Airlock action named
 * `<upstream>.<tool>`, submitted through the one door (`ActionSubmitter`),
 * waited for up to `mcp.wait`, and answered with the upstream's own result
 * once it has executed — or with why not.
 */
import { createHash } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import canonicalize from 'canonicalize';
import { ActionRequest, type ActionState } from '../../domain/action.js';
import type { AgentConfig } from '../../domain/config.js';
import { mcpToolName } from '../../domain/mcp-tools.js';
import { isTerminal } from '../../domain/status.js';
import { fieldIssues } from '../../lib/issues.js';
import type { Logger } from '../../lib/logger.js';
import type { ActionGateway } from '../actions/gateway.js';
import type { ActionSubmitter } from '../actions/submit.js';
import { ApiError, isTemporalUnreachable } from '../errors.js';

/** Who calls which tool, in which MCP session. */
export interface GatewayCall {
  agent: AgentConfig;
  upstream: string;
  /** The MCP session the call came in, as Airlock minted it (see `gateway.ts`). */
  mcpSessionId: string;
  /** The tool's name as the upstream spells it. */
  tool: string;
  arguments: Record<string, unknown>;
}

/** What a gateway call needs of Airlock. */
export interface GatewayCallDeps {
  submitter: ActionSubmitter;
  gateway: ActionGateway;
  /** `mcp.wait` in force. */
  waitMs: () => number;
}

/** How long before the end of the wait a new long poll is not worth starting. */
const MIN_POLL_MS = 250;

/**
 * The idempotency key of a call: the same agent calling the same tool with the
 * same arguments (as RFC 8785 canonical JSON, so key order does not matter) in
 * the same MCP session gets the same action, so a repeat call finds it.
 */
export function idempotencyKeyOf(call: Omit<GatewayCall, 'arguments'> & { arguments: unknown }): string {
  const digest = createHash('sha256')
    .update([call.agent.id, call.upstream, call.mcpSessionId, call.tool, canonicalize(call.arguments) ?? ''].join('\0'))
    .digest('hex');
  return `mcp-gateway:${digest}`;
}

/** The Airlock session of an MCP session: one per agent, upstream and MCP session. */
export function airlockSessionOf(upstream: string, mcpSessionId: string): string {
  return `mcp-${upstream}-${mcpSessionId}`;
}

/** A result that is Airlock's answer, not the upstream's: `isError`, a sentence, and what Airlock knows in `structuredContent`. */
function refusal(text: string, structured: Record<string, unknown>): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }], structuredContent: structured };
}

/** Why an action that is over did not give the upstream's result. */
function reasonOf(state: ActionState): string {
  switch (state.status) {
    case 'rejected': {
      const rejection = [...state.approvals].reverse().find((a) => a.decision === 'reject');
      return `rejected${rejection ? ` by ${rejection.by}${rejection.reason ? `: ${rejection.reason}` : ''}` : ''}`;
    }
    case 'expired':
      return 'expired: nobody approved it in time (approvals.timeout)';
    case 'denied':
      return `denied: its risk is over the policy's deny threshold (score ${state.risk.score}: ${state.risk.factors.map((f) => f.name).join(', ')})`;
    case 'cancelled':
      return `cancelled${state.cancelledBy ? ` by ${state.cancelledBy}` : ''}${state.cancelReason ? `: ${state.cancelReason}` : ''}`;
    case 'failed':
      return `failed${state.error ? `: ${state.error.message}` : ''}`;
    default:
      return state.status;
  }
}

/** The answer for an action's state: the upstream's result once it has one, else why there is none (yet). */
export function resultOfAction(state: ActionState): CallToolResult {
  // The upstream answered (with its result, or with its own isError): that is the call's result, as it gave it.
  const mcp = state.result?.mcp;
  if (mcp && (state.status === 'succeeded' || state.status === 'failed')) {
    return {
      content: mcp.content as CallToolResult['content'],
      ...(mcp.structuredContent === undefined ? {} : { structuredContent: mcp.structuredContent }),
      ...(mcp.isError === undefined ? {} : { isError: mcp.isError }),
    };
  }
  if (!isTerminal(state.status)) {
    const what = state.status === 'awaiting_approval' ? 'awaiting approval' : state.status;
    return refusal(`${what} (action ${state.id}) — call again with the same arguments to get the result`, { action: state });
  }
  return refusal(`action ${state.id} ${reasonOf(state)}`, { action: state });
}

/**
 * Submits the call as an action and answers once it is over or `mcp.wait` has
 * passed. Airlock's refusals (a tool the agent may not use, a frozen agent,
 * bad arguments, an unreachable upstream or Temporal) are `isError` results
 * naming the reason; in none of them was the upstream called.
 */
export async function callThroughGateway(deps: GatewayCallDeps, call: GatewayCall, log: Logger): Promise<CallToolResult> {
  const tool = mcpToolName(call.upstream, call.tool);
  const settings = deps.gateway.preparer.tools[tool];
  // The one environment the configuration gives the tool.
  const environment = settings ? Object.keys(settings.executors)[0] : undefined;
  const parsed = ActionRequest.safeParse({
    tool,
    environment,
    resources: [],
    parameters: call.arguments,
    justification: `MCP call ${call.tool} via gateway`,
    sessionId: airlockSessionOf(call.upstream, call.mcpSessionId),
    idempotencyKey: idempotencyKeyOf(call),
  });
  if (!parsed.success) {
    const issues = fieldIssues(parsed.error);
    return refusal(`invalid call: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { error: { code: 'invalid_request', details: issues } });
  }
  const waitMs = deps.waitMs();
  const deadline = Date.now() + waitMs;
  try {
    let state = await deps.submitter.submit(call.agent, parsed.data, waitMs, log);
    // Awaiting approval, or approved and running: wait on for what is left of mcp.wait.
    while (!isTerminal(state.status) && deadline - Date.now() > MIN_POLL_MS) state = await deps.gateway.waitFor(state.id, deadline - Date.now());
    log.info({ actionId: state.id, status: state.status, upstream: call.upstream, tool: call.tool }, 'gateway call answered');
    return resultOfAction(state);
  } catch (err) {
    if (err instanceof ApiError) {
      return refusal(`${err.code}: ${err.message}`, { error: err.toBody().error });
    }
    if (isTemporalUnreachable(err)) {
      log.error({ err }, 'gateway call: Temporal unreachable');
      return refusal('temporal_unavailable: Airlock cannot reach Temporal; call again later with the same arguments', {
        error: { code: 'temporal_unavailable', message: 'Temporal cannot be reached' },
      });
    }
    throw err;
  }
}
