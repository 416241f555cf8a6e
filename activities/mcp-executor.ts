/**
 * The `mcp` executor: one attempt of an upstream MCP tool, made with the SDK's
 * `Client` (`tools/call`) over the transport the worker's configuration names
 * for that upstream. Reached from `executeHttpTool`, after the same slots,
 * breaker and re-authorization as an HTTP execution.
 */
import { ApplicationFailure } from '@temporalio/common';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { CallToolResultSchema, ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ExecutionResult, McpResult, Tier } from '../domain/action.js';
import type { McpUpstreamConfig } from '../domain/config.js';
import type { GrantSigner } from '../grants/sign.js';
import { withUpstream } from '../lib/mcp-upstream.js';
import type { ExecutorFailureDetails, ExecutorPayload } from './http-executor.js';
import { isRetryableStatus } from './tool-call.js';

/** Which upstream tool an execution calls (part of the executor's input). */
export interface McpCall {
  /** The upstream's name under `mcp.upstreams`. */
  upstream: string;
  /** The tool's name as the upstream spells it. */
  tool: string;
}

/** What one attempt needs besides the upstream tool. */
export interface McpAttempt {
  action: ExecutorPayload;
  grant: { tier: Tier; approvers: string[] };
  timeoutMs: number;
  attempt: number;
}

/** Calls one upstream tool once; throws the executor's `ApplicationFailure`s. */
export type McpExecutor = (call: McpCall, attempt: McpAttempt) => Promise<ExecutionResult>;

/** The upstream's result is kept whole up to this size (JSON bytes); a larger one is replaced by a note, so histories stay small. */
export const MAX_MCP_RESULT_BYTES = 256 * 1024;

/** The part of the result kept in `body`, like an HTTP executor's answer. */
const MAX_BODY = 4096;

/** JSON-RPC errors that say the upstream is struggling rather than refusing: worth another attempt. */
const RETRYABLE_RPC: ReadonlySet<number> = new Set([ErrorCode.ConnectionClosed, ErrorCode.RequestTimeout, ErrorCode.InternalError]);

/**
 * How a failed attempt counts, like an HTTP executor's: no answer, a dropped
 * connection, a timeout, an internal error, HTTP 5xx/408/429 are retried
 * (`ExecutorUnreachable`, `ExecutorUnavailable`); a JSON-RPC refusal
 * (invalid params, unknown tool, method not found), any other HTTP 4xx (the
 * upstream refused the grant, say) fail at once (`ExecutorRejected`).
 */
function failureOf(err: unknown, upstream: string, attempt: number): ApplicationFailure {
  const details = [{ attempt } satisfies ExecutorFailureDetails];
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof McpError) {
    const retryable = RETRYABLE_RPC.has(err.code);
    return ApplicationFailure.create({
      message: `upstream ${upstream} ${retryable ? 'failed' : 'refused the call'}: ${message}`,
      type: retryable ? 'ExecutorUnavailable' : 'ExecutorRejected',
      nonRetryable: !retryable,
      details,
    });
  }
  if (err instanceof StreamableHTTPError && err.code !== undefined && err.code >= 400) {
    const retryable = isRetryableStatus(err.code);
    return ApplicationFailure.create({
      message: `upstream ${upstream} answered ${err.code}: ${message}`,
      type: retryable ? 'ExecutorUnavailable' : 'ExecutorRejected',
      nonRetryable: !retryable,
      details,
    });
  }
  if (err instanceof UnauthorizedError) {
    return ApplicationFailure.create({ message: `upstream ${upstream} refused the grant: ${message}`, type: 'ExecutorRejected', nonRetryable: true, details });
  }
  // Refused or reset connections, DNS, a command that would not start, a bad content type.
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return ApplicationFailure.create({ message: `upstream ${upstream} unreachable: ${message}${cause}`, type: 'ExecutorUnreachable', details });
}

/** The upstream's result as the action records it: the MCP result whole (or a note when too large), and its JSON in `body`. */
export function executionResultOf(result: CallToolResult): ExecutionResult {
  const mcp: McpResult = {
    content: result.content,
    ...(result.structuredContent === undefined ? {} : { structuredContent: result.structuredContent }),
    ...(result.isError === undefined ? {} : { isError: result.isError }),
  };
  const json = JSON.stringify(mcp);
  const bytes = Buffer.byteLength(json);
  const kept: McpResult =
    bytes <= MAX_MCP_RESULT_BYTES
      ? mcp
      : {
          content: [{ type: 'text', text: `the upstream's result was ${bytes} bytes; Airlock keeps at most ${MAX_MCP_RESULT_BYTES}` }],
          ...(result.isError === undefined ? {} : { isError: result.isError }),
        };
  const body = Buffer.from(json).subarray(0, MAX_BODY);
  return {
    httpStatus: 200,
    body: new TextDecoder().decode(body, { stream: bytes > MAX_BODY }),
    truncated: bytes > MAX_BODY || kept !== mcp,
    mcp: kept,
  };
}

/** The first text of a result, for a failure's message. */
function firstText(result: CallToolResult): string {
  const text = result.content.find((c): c is { type: 'text'; text: string } => c.type === 'text')?.text ?? '(no text)';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Options of {@link createMcpExecutor}. */
export interface McpExecutorDeps {
  signer: GrantSigner;
  /** The upstreams of the worker's configuration in force, read at every attempt. */
  upstreams: () => Record<string, McpUpstreamConfig>;
  /** The configuration file's path: stdio commands run from its folder. */
  configPath: () => string;
}

/**
 * Builds the `mcp` executor. Each attempt connects to the upstream afresh. An
 * HTTP upstream gets a grant signed for this attempt (`Authorization: Bearer`,
 * audience `<upstream>.<tool>`, the arguments as its parameters) with
 * `Idempotency-Key` and `X-Airlock-Attempt`; every upstream gets
 * `_meta.airlock` = `{actionId, agentId, environment, attempt, version}`, so a
 * server can verify the grant with `verifyGrant(authorization, {actionId,
 * environment, parameters: arguments})`. A result with `isError` is the tool's
 * own answer: the action fails at once with it (`ExecutorRejected`, never
 * retried), and the result is kept.
 */
export function createMcpExecutor(deps: McpExecutorDeps): McpExecutor {
  return async (call, { action, grant, timeoutMs, attempt }) => {
    const upstream = deps.upstreams()[call.upstream];
    if (!upstream) {
      throw ApplicationFailure.create({
        message: `upstream ${call.upstream} is not in this worker's configuration (mcp.upstreams)`,
        type: 'ExecutorRejected',
        nonRetryable: true,
        details: [{ attempt } satisfies ExecutorFailureDetails],
      });
    }
    const headers: Record<string, string> = { 'idempotency-key': action.actionId, 'x-airlock-attempt': String(attempt) };
    if (upstream.url) {
      headers.authorization = `Bearer ${await deps.signer.sign({
        tool: action.tool,
        agentId: action.agentId,
        actionId: action.actionId,
        environment: action.environment,
        mode: 'execute',
        tier: grant.tier,
        approvers: grant.approvers,
        parameters: action.parameters,
      })}`;
    }
    const meta = { airlock: { actionId: action.actionId, agentId: action.agentId, environment: action.environment, attempt, version: action.version } };
    let result: CallToolResult;
    try {
      result = await withUpstream(upstream, { headers, timeoutMs, configPath: deps.configPath() }, (client, left) =>
        client.callTool({ name: call.tool, arguments: action.parameters, _meta: meta }, CallToolResultSchema, { timeout: left }) as Promise<CallToolResult>,
      );
    } catch (err) {
      throw failureOf(err, call.upstream, attempt);
    }
    const recorded = executionResultOf(result);
    if (result.isError) {
      throw ApplicationFailure.create({
        message: `upstream tool ${call.upstream}/${call.tool} answered with an error: ${firstText(result)}`,
        type: 'ExecutorRejected',
        nonRetryable: true,
        details: [{ attempt, result: recorded } satisfies ExecutorFailureDetails],
      });
    }
    return recorded;
  };
}
