import { proxyActivities } from '@temporalio/workflow';

/** The baseline's only activity: does nothing. */
export interface BaselineActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '10s' });

/** Bare Temporal: one workflow, one no-op activity. What Airlock's auto path is compared with. */
export async function baselineWorkflow(): Promise<void> {
  await noop();
}
