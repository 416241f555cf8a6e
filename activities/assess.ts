import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Impact, PreviewOutcome, Risk, Tier } from '../domain/action.js';
import { assessVersion } from '../domain/assess-version.js';
import type { AssessContext } from '../domain/input.js';
import { paramsSha256 } from '../lib/params-hash.js';
import type { ExecutorPayload } from './http-executor.js';
import { PreviewError, type PreviewHttpTool } from './http-preview.js';

/** Input of the assessment activity: one version of an action. */
export interface AssessActionInput {
  context: AssessContext;
  parameters: Record<string, unknown>;
  claimed: Impact;
  /** The body the preview receives: the same as the execution's. */
  action: ExecutorPayload;
  /** The tier known so far, for the preview's grant. */
  tier: Tier;
  /** The activity's own retry bound: on the last attempt a preview that cannot be had fails closed instead. */
  maxAttempts: number;
}

/** The assessed version. */
export interface AssessActionOutput {
  risk: Risk;
  paramsSha256: string;
}

/** The outcome recorded when the preview could not be had. */
function previewOutcome(err: unknown): PreviewOutcome {
  return { status: 'unavailable', error: err instanceof Error ? err.message : String(err) };
}

/**
 * Builds the assessment activity: asks the tool's preview (when it has one)
 * what the exact call would do, then scores the version from facts. Scoring
 * lives here and in the API, never in workflow code, so a change to it cannot
 * break the replay of an action already waiting. A preview that cannot be had
 * within the bounded attempts gives `preview_unavailable`: never auto.
 */
export function createAssessActivity(previewHttpTool: PreviewHttpTool) {
  return async function assessAction(input: AssessActionInput): Promise<AssessActionOutput> {
    const { attempt } = Context.current().info;
    const hash = paramsSha256(input.parameters);
    const { executor } = input.context.tool;
    const previewUrl = executor.type === 'http' ? executor.previewUrl : undefined;
    let preview: PreviewOutcome | undefined;
    if (previewUrl) {
      try {
        const answer = await previewHttpTool({
          url: previewUrl,
          timeoutMs: input.context.tool.executor.timeout,
          action: input.action,
          tier: input.tier,
        });
        preview = { status: 'ok', ...answer };
      } catch (err) {
        const retryable = !(err instanceof PreviewError) || err.retryable;
        if (retryable && attempt < input.maxAttempts) {
          throw ApplicationFailure.create({ message: `preview: ${err instanceof Error ? err.message : String(err)}`, type: 'PreviewUnavailable' });
        }
        preview = previewOutcome(err);
      }
    }
    return { risk: assessVersion(input.context, input.parameters, input.claimed, preview), paramsSha256: hash };
  };
}
