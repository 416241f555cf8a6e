import type { Tier } from '../domain/action.js';
import type { GrantMode } from '../grants/claims.js';
import type { GrantSigner } from '../grants/sign.js';
import type { ExecutorPayload } from './http-executor.js';

/** One signed call of a tool's endpoint (execution or preview). */
export interface ToolCall {
  url: string;
  timeoutMs: number;
  /** The body: the same for the preview and the execution. */
  action: ExecutorPayload;
  mode: GrantMode;
  grant: { tier: Tier; approvers: string[] };
  headers?: Record<string, string>;
  /** Bytes of the body kept; the rest is never read. */
  maxBodyBytes: number;
}

/** What the tool answered, its body cut at `maxBodyBytes`. */
export interface ToolAnswer {
  status: number;
  headers: Headers;
  body: string;
  truncated: boolean;
}

/** Thrown by {@link callTool} when no whole answer came: refused, reset, or not within the timeout. */
export class ToolUnreachable extends Error {
  readonly code = 'tool_unreachable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ToolUnreachable';
  }
}

/** 5xx, 408 and 429 may pass: worth another try. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * Reads at most `maxBytes` of a body and cancels the rest, so a huge (or
 * endless) answer costs no more memory than what is kept.
 */
export async function readBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!body) return { text: '', truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  const truncated = size > maxBytes;
  // Streaming decode holds back a UTF-8 character the cut split, instead of ending on U+FFFD.
  const text = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes), { stream: truncated });
  return { text, truncated };
}

/** Why a fetch gave no answer, in words (the socket error fetch hides in `cause`; the timeout by its length). */
export function errorText(err: unknown, timeoutMs: number): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs}ms`;
  // fetch hides the socket error (ECONNREFUSED…) in `cause`.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/**
 * POSTs the action to a tool with a grant signed for this very call (so a
 * retry minutes later still carries a live one) and reads a bounded answer.
 * The timeout covers the body too. Throws {@link ToolUnreachable}.
 */
export async function callTool(signer: GrantSigner, fetchImpl: typeof fetch, call: ToolCall): Promise<ToolAnswer> {
  const { action } = call;
  const grant = await signer.sign({
    tool: action.tool,
    agentId: action.agentId,
    actionId: action.actionId,
    environment: action.environment,
    mode: call.mode,
    tier: call.grant.tier,
    approvers: call.grant.approvers,
    parameters: action.parameters,
  });
  try {
    const response = await fetchImpl(call.url, {
      method: 'POST',
      headers: { ...call.headers, 'content-type': 'application/json', authorization: `Bearer ${grant}` },
      body: JSON.stringify(action),
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    const { text, truncated } = await readBounded(response.body, call.maxBodyBytes);
    return { status: response.status, headers: response.headers, body: text, truncated };
  } catch (err) {
    throw new ToolUnreachable(`${call.url} unreachable: ${errorText(err, call.timeoutMs)}`, { cause: err });
  }
}
