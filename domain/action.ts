import { z } from 'zod';

/** What an action does to its target; drives the operation factor of the risk score. */
export const Operation = z.enum(['read', 'write', 'delete', 'execute', 'transfer', 'permission']);
export type Operation = z.infer<typeof Operation>;

/** Where an action runs. */
export const Environment = z.enum(['dev', 'staging', 'prod']);
export type Environment = z.infer<typeof Environment>;

/** Data classification of a resource, lowest to highest. */
export const Sensitivity = z.enum(['public', 'internal', 'confidential', 'restricted']);
export type Sensitivity = z.infer<typeof Sensitivity>;

/** Tool names are dotted lower-case words: `payments.refund`, `crm.contacts.update`. */
export const ToolName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/, 'must be dotted lower-case words, like payments.refund')
  .max(120);

/** Agent and operator ids: short, lower-case, no dots (a dot separates the agent from the action in action ids). */
export const PrincipalId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, - or _ (at most 63)');

/** Action ids: `<agent>.<24 hex>`, the agent first so ownership is visible in the id. */
export const ActionId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}\.[0-9a-f]{24}$/, 'not an action id');

/** Deepest nesting accepted in parameters: deeper JSON is refused before anything walks it recursively. */
export const MAX_PARAMETERS_DEPTH = 64;

/** Nesting depth of a JSON value, counted without recursion (so hostile depth cannot overflow the stack). */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    deepest = Math.max(deepest, depth);
    if (depth > MAX_PARAMETERS_DEPTH) break;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The exact call: a JSON object, at most {@link MAX_PARAMETERS_DEPTH} levels deep. */
export const Parameters = z
  .record(z.string(), z.unknown())
  .refine((p) => jsonDepth(p) <= MAX_PARAMETERS_DEPTH, { message: `nested deeper than ${MAX_PARAMETERS_DEPTH} levels` });

/** One thing the action touches. */
export const Resource = z.strictObject({
  type: z.string().min(1).max(100),
  id: z.string().min(1).max(500),
  sensitivity: Sensitivity.optional(),
});
export type Resource = z.infer<typeof Resource>;

/** What the agent expects the action to change. */
export const Impact = z.strictObject({
  records: z.number().int().nonnegative().optional(),
  amountUsd: z.number().nonnegative().finite().optional(),
  users: z.number().int().nonnegative().optional(),
  reversible: z.boolean().optional(),
});
export type Impact = z.infer<typeof Impact>;

/** A session id, chosen by the agent; unique per agent. */
export const SessionId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

/** The body of `POST /v1/actions`: one action an agent wants Airlock to run for it. */
export const ActionRequest = z.strictObject({
  tool: ToolName,
  /** Optional: the tool's configured operation is the fact; a different claim is refused. */
  operation: Operation.optional(),
  environment: Environment,
  resources: z.array(Resource).max(100),
  parameters: Parameters,
  impact: Impact.default({}),
  justification: z.string().trim().min(1).max(4000),
  sessionId: SessionId,
  idempotencyKey: z.string().min(1).max(200).optional(),
});
export type ActionRequest = z.infer<typeof ActionRequest>;

/** Every status an action passes through; the last six are terminal. */
export const ActionStatus = z.enum([
  'assessing',
  'awaiting_approval',
  'approved',
  'executing',
  'succeeded',
  'failed',
  'rejected',
  'expired',
  'denied',
  'cancelled',
]);
export type ActionStatus = z.infer<typeof ActionStatus>;

/** Risk tiers, in rising order. */
export const Tier = z.enum(['auto', 'review', 'critical', 'deny']);
export type Tier = z.infer<typeof Tier>;

/** One reason the score is what it is. */
export const RiskFactor = z.object({ name: z.string(), points: z.number(), detail: z.string() });
export type RiskFactor = z.infer<typeof RiskFactor>;

/** Impact numbers found by Airlock (from the parameters or a preview), not claimed by the agent. */
export const FoundImpact = z.object({
  records: z.number().optional(),
  amountUsd: z.number().optional(),
  users: z.number().optional(),
});
export type FoundImpact = z.infer<typeof FoundImpact>;

/** What the tool's preview said the exact call would do, or why there is no answer. */
export const PreviewOutcome = z.object({
  status: z.enum(['ok', 'unavailable']),
  summary: z.string().optional(),
  error: z.string().optional(),
  records: z.number().optional(),
  users: z.number().optional(),
  amountUsd: z.number().optional(),
  reversible: z.boolean().optional(),
});
export type PreviewOutcome = z.infer<typeof PreviewOutcome>;

/** Every fact the score was computed from, by source. */
export const RiskFacts = z.object({
  claimed: Impact,
  extracted: FoundImpact,
  effective: FoundImpact.extend({ reversible: z.boolean(), sensitivity: Sensitivity }),
});
export type RiskFacts = z.infer<typeof RiskFacts>;

/** The blast-radius assessment of one action. */
export const Risk = z.object({
  score: z.number().int().min(0).max(100),
  tier: Tier,
  factors: z.array(RiskFactor),
  policyVersion: z.string(),
  approvalsRequired: z.number().int().min(0),
  facts: RiskFacts.optional(),
  preview: PreviewOutcome.optional(),
});
export type Risk = z.infer<typeof Risk>;

/** The channel a decision came through. */
export const DecisionChannel = z.enum(['api', 'slack', 'cli', 'standing']);
export type DecisionChannel = z.infer<typeof DecisionChannel>;

/** One recorded human decision, on one version of the action. */
export const Approval = z.object({
  by: z.string(),
  decision: z.enum(['approve', 'reject']),
  reason: z.string().optional(),
  at: z.string(),
  via: DecisionChannel,
  version: z.number().int().min(1),
  /** The hash of the version's parameters this decision was about. */
  paramsSha256: z.string(),
  /** Every personal id the decider was known by (Slack user id, operator ids): one person, one approval. */
  ids: z.array(z.string()),
  /** Set once the approval is older than `approvals.maxAge`: it no longer counts, and its author may approve again. */
  lapsed: z.boolean().optional(),
  /** A standing approval this one granted: it also covers later like actions of the session, within these bounds. */
  standing: z.object({ count: z.number().int(), minutes: z.number().int() }).optional(),
  /** With `via: standing`: the action whose approval covered this one, and how many uses it has left. */
  standingOf: z.object({ actionId: z.string(), remaining: z.number().int(), expiresAt: z.string() }).optional(),
});
export type Approval = z.infer<typeof Approval>;

/** The result of an MCP `tools/call`, as the upstream gave it. */
export const McpResult = z.object({
  content: z.array(z.record(z.string(), z.unknown())),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().optional(),
});
export type McpResult = z.infer<typeof McpResult>;

/** What the tool's executor answered (body truncated). */
export const ExecutionResult = z.object({
  httpStatus: z.number().int(),
  body: z.string(),
  truncated: z.boolean(),
  /** An upstream MCP tool's result, as it gave it (then `httpStatus` is 200 and `body` its JSON, cut at 4 KiB). */
  mcp: McpResult.optional(),
});
export type ExecutionResult = z.infer<typeof ExecutionResult>;

/** Why an action failed to execute. */
export const ActionError = z.object({ code: z.string(), message: z.string() });
export type ActionError = z.infer<typeof ActionError>;

/** One version of what the action will do: the agent's (1), then each approver's edit. */
export const ActionVersion = z.object({
  version: z.number().int().min(1),
  parameters: z.record(z.string(), z.unknown()),
  impact: Impact,
  /** Hex SHA-256 of the RFC 8785 canonical JSON of `parameters`. */
  paramsSha256: z.string(),
  by: z.string(),
  at: z.string(),
});
export type ActionVersion = z.infer<typeof ActionVersion>;

/** Where the approval card is in Slack, or why it is not there. */
export const ApprovalCardRef = z.object({
  channel: z.string(),
  ts: z.string().optional(),
  error: z.string().optional(),
  escalatedTo: z.string().optional(),
});
export type ApprovalCardRef = z.infer<typeof ApprovalCardRef>;

/** The state of one action: the same shape from the API, the `state` query and the workflow result. */
export const ActionState = z.object({
  id: z.string(),
  agentId: z.string(),
  sessionId: z.string(),
  tool: z.string(),
  operation: Operation,
  environment: Environment,
  status: ActionStatus,
  risk: Risk,
  approvals: z.array(Approval),
  /** Every version; the last is what executes. */
  versions: z.array(ActionVersion).min(1),
  result: ExecutionResult.optional(),
  error: ActionError.optional(),
  attempts: z.number().int().min(0),
  /** While `executing`: what the execution waits for, holding no worker slot (`breaker`: the tool's circuit breaker is open). */
  waitingFor: z.enum(['breaker']).optional(),
  cancelledBy: z.string().optional(),
  /** Why it was cancelled, when not by the agent's own choice (a freeze, say). */
  cancelReason: z.string().optional(),
  requestHash: z.string(),
  approvalCard: ApprovalCardRef.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  links: z.object({ temporalUi: z.string() }),
});
export type ActionState = z.infer<typeof ActionState>;
