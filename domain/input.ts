import type { ActionRequest } from './action.js';
import type { ApprovalsConfig, ExecutorConfig, RetryConfig } from './config.js';
import type { ResolvedPolicy } from './policy.js';

/**
 * Everything the action workflow needs, resolved by the API at submission. The
 * snapshot lives in the workflow's history, so what was decided can always be
 * traced to the exact policy, tool and approver lists in force.
 */
export interface ActionInput {
  actionId: string;
  agent: { id: string; owner: string };
  request: ActionRequest;
  /** SHA-256 of the request without its idempotency key, to spot a key reused for a different action. */
  requestHash: string;
  tool: { name: string; executor: ExecutorConfig; retry: RetryConfig; reversible: boolean; baseRisk: number };
  policy: ResolvedPolicy;
  approvals: ApprovalsConfig;
  /** Link to this action's workflow in the Temporal Web UI. */
  temporalUiUrl: string;
  /** True when Airlock is connected to Slack: approval cards, reminders and owner messages are sent. */
  slack: boolean;
}
