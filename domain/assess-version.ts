import type { Impact, PreviewOutcome, Risk } from './action.js';
import { assess } from './assess.js';
import { extractImpact } from './facts.js';
import type { AssessContext } from './input.js';

/**
 * Scores one version of an action: its parameters and claimed impact, against
 * the facts fixed at submission, and the preview when the tool has one. The API
 * calls it for version 1, the assessment activity for previews and edits.
 */
export function assessVersion(ctx: AssessContext, parameters: Record<string, unknown>, claimed: Impact, preview?: PreviewOutcome): Risk {
  const { found, unreadable } = extractImpact(parameters, ctx.tool.impact);
  return assess(
    {
      tool: ctx.tool.name,
      operation: ctx.tool.operation,
      environment: ctx.environment,
      sensitivities: ctx.sensitivities,
      claimed,
      extracted: found,
      unreadable,
      ...(preview ? { preview } : {}),
      toolReversible: ctx.tool.reversible,
      egress: ctx.tool.egress ?? false,
      baseRisk: ctx.tool.baseRisk,
      ...(ctx.session ? { session: ctx.session } : {}),
    },
    ctx.policy,
  );
}
