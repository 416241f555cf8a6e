import { createHash, randomUUID } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import type { ActionRequest } from '../../domain/action.js';

/** The workflow ID of an action: readable in the Temporal UI, with the agent in it. */
export function workflowIdOf(actionId: string): string {
  return `action-${actionId}`;
}

/** The agent an action id belongs to (action ids are `<agent>.<suffix>`). */
export function agentOfActionId(actionId: string): string {
  return actionId.slice(0, Math.max(0, actionId.indexOf('.')));
}

/**
 * Same agent and idempotency key, same action id, so a resubmission lands on the
 * same workflow; without a key every submission is new.
 */
export function actionIdFor(agentId: string, idempotencyKey: string | undefined): string {
  const suffix = idempotencyKey
    ? createHash('sha256').update(`${agentId}\0${idempotencyKey}`).digest('hex').slice(0, 24)
    : randomUUID().replaceAll('-', '').slice(0, 24);
  return `${agentId}.${suffix}`;
}

/** SHA-256 of the request as canonical JSON, without its idempotency key. */
export function requestHashOf(request: ActionRequest): string {
  const { idempotencyKey: _ignored, ...rest } = request;
  return createHash('sha256').update(stringify(rest) ?? '').digest('hex');
}
