import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { cancelUpdate } from '../workflows/messages.js';

/**
 * Cancels every action `query` finds (from visibility: a second or so behind)
 * through its workflow's validated cancel Update, so each card says why. An
 * action already executing or over is left to the executor's own check.
 * Returns how many were cancelled.
 */
export async function cancelRunningActions(client: Client, query: string, by: string, reason: string): Promise<number> {
  let cancelled = 0;
  for await (const wf of client.workflow.list({ query })) {
    try {
      await client.workflow.getHandle(wf.workflowId).executeUpdate(cancelUpdate, { args: [{ by, reason }] });
      cancelled++;
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError) && !(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return cancelled;
}
