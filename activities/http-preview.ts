import type { Tier } from '../domain/action.js';
import { PreviewAnswer } from '../domain/preview.js';
import type { GrantSigner } from '../grants/sign.js';
import { MAX_RESULT_BODY, type ExecutorPayload } from './http-executor.js';
import { fieldIssues } from '../lib/issues.js';
import { callTool, isRetryableStatus, ToolUnreachable, type ToolAnswer } from './tool-call.js';

/** Input of a preview call. */
export interface PreviewHttpToolInput {
  url: string;
  timeoutMs: number;
  /** The body the execution would send. */
  action: ExecutorPayload;
  /** The tier known so far, for the grant. */
  tier: Tier;
}

/** Asks a tool what the exact call would do; see {@link createHttpPreview}. */
export type PreviewHttpTool = (input: PreviewHttpToolInput) => Promise<PreviewAnswer>;

/**
 * Thrown by a {@link PreviewHttpTool} when no valid answer could be had.
 * `retryable` when asking again may help (5xx, 408, 429, timeouts, refused
 * connections); not for another 4xx or an answer that is not a `PreviewAnswer`.
 */
export class PreviewError extends Error {
  readonly code = 'preview_failed';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PreviewError';
  }
}

/**
 * Builds the preview call: POSTs the execution's body to the preview URL with
 * `Airlock-Mode: preview` and a grant whose mode is `preview` (so it can
 * never run the call), and validates the answer.
 */
export function createHttpPreview(signer: GrantSigner, fetchImpl: typeof fetch = fetch): PreviewHttpTool {
  return async function previewHttpTool(input) {
    let answer: ToolAnswer;
    try {
      answer = await callTool(signer, fetchImpl, {
        ...input,
        mode: 'preview',
        // Nobody has approved anything yet.
        grant: { tier: input.tier, approvers: [] },
        headers: { 'airlock-mode': 'preview' },
        maxBodyBytes: MAX_RESULT_BODY,
      });
    } catch (err) {
      if (err instanceof ToolUnreachable) throw new PreviewError(`preview ${err.message}`, true, { cause: err });
      throw err;
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw new PreviewError(`preview answered ${answer.status}`, isRetryableStatus(answer.status));
    }
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch (err) {
      throw new PreviewError(`preview answer is not JSON${answer.truncated ? ` (longer than ${MAX_RESULT_BODY} bytes)` : ''}`, false, { cause: err });
    }
    const parsed = PreviewAnswer.safeParse(json);
    if (!parsed.success) {
      const issues = fieldIssues(parsed.error).map((i) => `${i.field}: ${i.message}`).join('; ');
      throw new PreviewError(`preview answer does not fit: ${issues}`, false);
    }
    return parsed.data;
  };
}
