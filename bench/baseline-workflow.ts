import { proxyActivities } from '@temporalio/workflow';
import type { ExecutorPayload } from '../activities/http-executor.js';

/** What the baseline's activity POSTs, and where: the same call Airlock's executor makes. */
export interface BaselineCall {
  url: string;
  timeoutMs: number;
  action: ExecutorPayload;
}

/** The baseline's only activity: the HTTP call to the tool. */
export interface BaselineActivities {
  callTool(call: BaselineCall): Promise<{ httpStatus: number; body: string }>;
}

const { callTool } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2 },
});

/** Bare Temporal doing the job: one workflow, one activity POSTing the action to the tool. What Airlock's auto path is compared with. */
export async function baselineWorkflow(call: BaselineCall): Promise<void> {
  await callTool(call);
}
