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

/** The body of `POST /v1/actions`: one action an agent wants Airlock to run for it. */
export const ActionRequest = z.strictObject({
  tool: ToolName,
  operation: Operation,
  environment: Environment,
  resources: z.array(Resource).max(100),
  parameters: z.record(z.string(), z.unknown()),
  impact: Impact.default({}),
  justification: z.string().trim().min(1).max(4000),
  sessionId: z.string().min(1).max(200),
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

/** The blast-radius assessment of one action. */
export const Risk = z.object({
  score: z.number().int().min(0).max(100),
  tier: Tier,
  factors: z.array(RiskFactor),
  policyVersion: z.string(),
  approvalsRequired: z.number().int().min(0),
});
export type Risk = z.infer<typeof Risk>;

/** The channel a decision came through. */
export const DecisionChannel = z.enum(['api', 'slack', 'cli']);
export type DecisionChannel = z.infer<typeof DecisionChannel>;

/** One recorded human decision, on one version of the action. */
export const Approval = z.object({
  by: z.string(),
  decision: z.enum(['approve', 'reject']),
  reason: z.string().optional(),
  at: z.string(),
  via: DecisionChannel,
  version: z.number().int().min(1),
});
export type Approval = z.infer<typeof Approval>;

/** What the tool's executor answered (body truncated). */
export const ExecutionResult = z.object({
  httpStatus: z.number().int(),
  body: z.string(),
  truncated: z.boolean(),
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
  cancelledBy: z.string().optional(),
  requestHash: z.string(),
  approvalCard: ApprovalCardRef.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  links: z.object({ temporalUi: z.string() }),
});
export type ActionState = z.infer<typeof ActionState>;
