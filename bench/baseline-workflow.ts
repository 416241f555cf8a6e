import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
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

/** The decision the approval baseline waits for (a signal: the bare minimum, nobody waits for an answer). */
export const approveSignal = defineSignal('approve');

/**
 * Bare Temporal doing the approval path's job: wait for one signal, then the
 * same activity. What Airlock's decision → succeeded is compared with.
 */
export async function baselineApprovalWorkflow(call: BaselineCall): Promise<void> {
  let approved = false;
  setHandler(approveSignal, () => {
    approved = true;
  });
  await condition(() => approved);
  await callTool(call);
}
