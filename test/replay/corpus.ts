/** Where the replay corpus keeps each history: one folder per action workflow type since the first. */
import { ACTION_WORKFLOW_TYPE } from '../../workflows/messages.js';

/** A history as `temporal workflow show --output json` writes it. */
export interface RecordedHistory {
  events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[];
}

/** The type of the recorded run. */
export function workflowTypeOf(history: RecordedHistory): string {
  const type = history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  if (!type) throw new Error('a recorded history must begin with its start event');
  return type;
}

/**
 * The file of one path's history, under test/replay/histories/: the current
 * action type's in its own folder (`airlockAction/auto.json`); the first type's
 * (`actionWorkflow`) and every other workflow's at the top, where they were
 * first recorded.
 */
export function historyFile(path: string, workflowType: string): string {
  return workflowType === ACTION_WORKFLOW_TYPE ? `${workflowType}/${path}.json` : `${path}.json`;
}
