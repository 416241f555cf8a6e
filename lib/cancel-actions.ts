import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { cancelUpdate } from '../workflows/messages.js';

/**
 * Cancels every action `query` finds (from visibility: a second or so behind)
 * through its workflow's validated cancel Update, so each card says why. An
 * action already executing or over is left to the executor's own check.
 * `only` narrows what the query found (with values that must not be written
 * into a query, like an agent's own strings). Returns how many were cancelled.
 */
export async function cancelRunningActions(
  client: Client,
  query: string,
  by: string,
  reason: string,
  only: (wf: WorkflowExecutionInfo) => boolean = () => true,
): Promise<number> {
  let cancelled = 0;
  for await (const wf of client.workflow.list({ query })) {
    if (!only(wf)) continue;
    try {
      await client.workflow.getHandle(wf.workflowId).executeUpdate(cancelUpdate, { args: [{ by, reason }] });
      cancelled++;
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError) && !(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return cancelled;
}
