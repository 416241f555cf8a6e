import type { ActionRequest, Environment, Operation, Risk, Sensitivity, Tier } from './action.js';
import type { ApprovalsConfig, ExecutorConfig, RetryConfig, ToolConfig } from './config.js';
import type { ResolvedPolicy } from './policy.js';
import type { SessionTouch } from './session.js';
import type { WebhookSubscription } from './webhook-events.js';

/** What scoring needs of an action's session. */
export interface SessionFacts {
  sessionId: string;
  riskBudget: number;
  spent: number;
  allowedTools: string[];
  /** `sessions.driftTier`. */
  driftTier: Exclude<Tier, 'auto'>;
  /** What its executed actions did, for sequence rules. */
  touched: SessionTouch[];
  /**
   * Tools with a live standing approval at submission: only these ask the
   * session for one (a grant given later does not cover this action; a person decides).
   */
  standing?: string[];
  /** When the API read the session from its workflow (ms since the epoch): an executor running within a second trusts it was open. */
  readAt?: number;
}

/** The facts about the tool an action uses, with the executor of the action's environment resolved. */
export interface ToolFacts {
  name: string;
  operation: Operation;
  executor: ExecutorConfig;
  retry: RetryConfig;
  reversible: boolean;
  /** Absent in actions submitted before tools had the fact: false. */
  egress?: boolean;
  baseRisk: number;
  impact: ToolConfig['impact'];
}

/** What scoring a version needs beyond its parameters and claims; fixed for the action's life. */
export interface AssessContext {
  tool: ToolFacts;
  environment: Environment;
  /** The tool's floor and each resource's sensitivity, resolved from the catalog at submission. */
  sensitivities: Sensitivity[];
  policy: ResolvedPolicy;
  /** The session as it stood at submission; absent in actions from before sessions. */
  session?: SessionFacts;
}

/**
 * Everything the action workflow needs, resolved by the API at submission. The
 * snapshot lives in the workflow's history, so what was decided can always be
 * traced to the exact policy, tool facts and approver lists in force.
 */
export interface ActionInput extends AssessContext {
  actionId: string;
  agent: { id: string; owner: string };
  /** The request, its `operation` set to the tool's. */
  request: ActionRequest & { operation: Operation };
  /** SHA-256 of the request without its idempotency key, to spot a key reused for a different action. */
  requestHash: string;
  /** Hash of version 1's parameters (RFC 8785 JCS, SHA-256). */
  paramsSha256: string;
  /**
   * Version 1's risk, scored by the API. With a preview, the fail-closed risk
   * that holds if the preview cannot be had; the workflow never scores.
   */
  risk: Risk;
  approvals: ApprovalsConfig;
  /** Link to this action's workflow in the Temporal Web UI. */
  temporalUiUrl: string;
  /** True when Airlock is connected to Slack: approval cards, reminders and owner messages are sent. */
  slack: boolean;
  /** Receivers of the action's events at submission (ids, never URLs or secrets); absent when there are none. */
  webhooks?: WebhookSubscription[];
  /**
   * The API started the run and awaits its close (an action that closes without
   * a person): no Update waits on its first workflow task, so that task may hold
   * the executor's call (a local activity). Absent: an Update may be waiting.
   */
  awaitedToClose?: boolean;
}
