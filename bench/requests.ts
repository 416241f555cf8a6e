/** The requests the benchmark's legs send: Airlock's (HTTP) and bare Temporal's (the executor's body). */
import { randomUUID } from 'node:crypto';
import type { ExecutorPayload } from '../activities/http-executor.js';
import type { BaselineCall } from './baseline-workflow.js';

export const AGENT_KEY = 'demo-agent-key';
/** An operator who reviews (`approvals.reviewers` names her Slack id). */
export const OPERATOR_KEY = 'demo-alice-key';

/** The executor's body for one baseline run: what Airlock's executor POSTs for the benchmark's action. */
export function baselineCall(toolUrl: string): BaselineCall {
  const action: ExecutorPayload = {
    actionId: `billing-agent.${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    agentId: 'billing-agent',
    sessionId: `bench-${randomUUID()}`,
    tool: 'crm.contacts.read',
    operation: 'read',
    environment: 'dev',
    parameters: { id: 'c-1' },
    resources: [{ type: 'contact', id: 'c-1', sensitivity: 'internal' }],
    approvers: [],
    version: 1,
  };
  return { url: toolUrl, timeoutMs: 5_000, action };
}

/** A read of one contact with `tool` (auto-tier for the fast tool, review-tier for the benchmark's review tool). */
export function readBody(tool: string, sessionId: string): string {
  return JSON.stringify({
    tool,
    operation: 'read',
    environment: 'dev',
    resources: [{ type: 'contact', id: 'c-1', sensitivity: 'internal' }],
    parameters: { id: 'c-1' },
    impact: { records: 1 },
    justification: 'benchmark',
    sessionId,
  });
}

/** Declares `count` sessions with a budget no run can spend; their ids. */
export async function declareSessions(apiUrl: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `bench-${randomUUID()}`);
  for (const sessionId of ids) {
    const res = await fetch(`${apiUrl}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId, intent: 'benchmark', riskBudget: 1_000_000 }),
    });
    if (res.status !== 201) throw new Error(`declaring a bench session: ${res.status} ${await res.text()}`);
  }
  return ids;
}
