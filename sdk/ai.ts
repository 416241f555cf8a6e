/**
 * Airlock for the Vercel AI SDK (published as `airlock/ai`; `ai` ≥ 6 is a peer
 * the application installs): `gated()` turns a tool definition into an AI SDK
 * tool whose every call is an Airlock action.
 */
import { tool, type FlexibleSchema, type Tool } from 'ai';
import type { Environment, ExecutionResult, Impact, Resource } from '../domain/action.js';
import type { AirlockClient } from './client.js';
import { AirlockError, Cancelled, Denied, Expired, Frozen, NeedsApproval, Rejected } from './errors.js';

/** A value fixed once, or read from the tool's input at each call. */
type FromInput<INPUT, T> = T | ((input: INPUT) => T);

/** Options of {@link gated}: where the action goes in Airlock, and why. */
export interface GatedOptions<INPUT> {
  client: AirlockClient;
  /** The Airlock tool name (`crm.contacts.read`): the configured tool the action calls. */
  tool: string;
  environment: Environment;
  /** The session the actions belong to (a conversation, a ticket). */
  sessionId: string;
  /** Why the agent acts: shown to the approvers. */
  justification: FromInput<INPUT, string>;
  resources?: FromInput<INPUT, Resource[]>;
  impact?: FromInput<INPUT, Impact>;
  /** How long one call waits for the action to end, approval included (default 30 s). */
  timeoutMs?: number;
}

/** What the model reads when Airlock did not run the call: it should not retry as if it had failed. */
export interface Refusal {
  refused: true;
  /** The action's status (`rejected`, `denied`, `expired`, `cancelled`, `awaiting_approval`), or `agent_frozen`/`forbidden`. */
  status: string;
  reason: string;
  /** Absent when Airlock refused before recording an action (a frozen agent, a tool outside its patterns). */
  actionId?: string;
}

/** The definition the model sees: what the tool does and its input. */
export interface GatedToolDefinition<INPUT> {
  description?: string;
  inputSchema: FlexibleSchema<INPUT>;
}

function resolve<INPUT, T>(value: FromInput<INPUT, T>, input: INPUT): T {
  return typeof value === 'function' ? (value as (input: INPUT) => T)(input) : value;
}

/** The executor's answer as the model reads it: its JSON body parsed, else its text. */
export function resultOf(result: ExecutionResult | undefined): unknown {
  if (!result) return null;
  if (!result.truncated) {
    try {
      return JSON.parse(result.body);
    } catch {
      // Not JSON: the text itself.
    }
  }
  return result.body;
}

/** The refusal the model reads for an action a person or the policy stopped, or that waits for a person; undefined for other errors. */
export function refusalOf(err: unknown): Refusal | undefined {
  if (!(err instanceof AirlockError)) return undefined;
  const actionId = err.state?.id;
  const base = { refused: true as const, ...(actionId ? { actionId } : {}) };
  if (err instanceof Rejected) return { ...base, status: 'rejected', reason: `rejected by a person: ${err.reason ?? 'no reason given'}` };
  if (err instanceof Denied) return { ...base, status: 'denied', reason: `refused by policy (risk ${err.state?.risk.score}, tier deny)` };
  if (err instanceof Expired) return { ...base, status: 'expired', reason: 'nobody approved it in time' };
  if (err instanceof Cancelled) return { ...base, status: 'cancelled', reason: err.message };
  if (err instanceof NeedsApproval) {
    return { ...base, status: 'awaiting_approval', reason: `not run yet: it awaits approval by a person (action ${actionId}); do not retry it, report that it is pending` };
  }
  if (err instanceof Frozen) return { ...base, status: 'agent_frozen', reason: `this agent is frozen: ${err.message}` };
  if (err.code === 'forbidden') return { ...base, status: 'forbidden', reason: err.message };
  return undefined;
}

/**
 * An AI SDK tool whose every call is an Airlock action: the model's input
 * becomes the action's `parameters`, the call waits (up to `timeoutMs`) for the
 * action to end, and the model gets the executor's answer (its JSON parsed).
 *
 * When a person or the policy stopped the call, or it still awaits approval, or
 * the agent is frozen, `execute` *returns* a {@link Refusal} the model can read
 * (nothing ran). Any other failure (execution failed, bad input naming the field,
 * Airlock unreachable, rate limited) is *thrown*: the AI SDK hands it to the model
 * as a tool error.
 */
export function gated<INPUT extends Record<string, unknown>>(definition: GatedToolDefinition<INPUT>, options: GatedOptions<INPUT>): Tool<INPUT, unknown> {
  return tool<INPUT, unknown>({
    ...(definition.description === undefined ? {} : { description: definition.description }),
    inputSchema: definition.inputSchema,
    execute: async (input, { abortSignal }) => {
      try {
        const state = await options.client.run(
          {
            tool: options.tool,
            environment: options.environment,
            sessionId: options.sessionId,
            parameters: input,
            justification: resolve(options.justification, input),
            resources: resolve(options.resources ?? [], input),
            ...(options.impact === undefined ? {} : { impact: resolve(options.impact, input) }),
          },
          { timeoutMs: options.timeoutMs ?? 30_000, ...(abortSignal ? { signal: abortSignal } : {}) },
        );
        return resultOf(state.result);
      } catch (err) {
        const refusal = refusalOf(err);
        if (refusal) return refusal;
        throw err;
      }
    },
  });
}
