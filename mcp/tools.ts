import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ActionId, ActionRequest, ActionState, type Tier } from '../domain/action.js';
import { SessionBody, SessionState } from '../domain/session.js';
import type { Logger } from '../lib/logger.js';
import { ToolRefusal } from './refusal.js';
import { actionSummary, refusalText, sessionSummary } from './summary.js';

/**
 * How long `request_action` holds its answer for the action to settle: an auto
 * action returns its result, one that needs approval returns as soon as it is
 * waiting for a person. Well under the 50 s no call may exceed.
 */
export const REQUEST_WAIT_MS = 10_000;

/** The longest any one call waits: MCP clients commonly time a call out after 60 s. */
export const MAX_WAIT_S = 50;

/** Arguments of `get_action` and `cancel_action`. */
export const ActionRef = z.strictObject({ id: ActionId.describe('the action id request_action answered with') });
export type ActionRef = z.infer<typeof ActionRef>;

/** Arguments of `wait_for_action`. */
export const WaitArgs = z.strictObject({
  id: ActionId.describe('the action id request_action answered with'),
  seconds: z
    .number()
    .int('must be whole seconds')
    .min(1)
    .max(MAX_WAIT_S, `at most ${MAX_WAIT_S} seconds; call again to wait longer`)
    .default(30)
    .describe(`how long to wait for the action to settle, at most ${MAX_WAIT_S}`),
});
export type WaitArgs = z.infer<typeof WaitArgs>;

/**
 * What the tools need from Airlock: in-process (the server at `/mcp`, through
 * the API's gateways) or over HTTP (the stdio entry point). Each call is the
 * authenticated agent's; refusals are thrown as {@link ToolRefusal}.
 */
export interface AirlockBackend {
  /** Submits through every check of `POST /v1/actions`; answers once settled or after `waitMs`. */
  submit(request: ActionRequest, waitMs: number): Promise<ActionState>;
  /** The agent's own action; another agent's is as unknown as a missing one. */
  get(id: string): Promise<ActionState>;
  /** The action once it settles (terminal, or newly awaiting approval), or its state when `waitMs` ran out. */
  waitFor(id: string, waitMs: number): Promise<ActionState>;
  cancel(id: string): Promise<ActionState>;
  openSession(body: SessionBody): Promise<SessionState>;
  /** Who may approve an action of `tier`, when this backend can know (the configuration is not an agent's to read remotely). */
  approvers?(tier: Tier): readonly string[];
}

const INSTRUCTIONS = `Airlock runs your actions for you, once they are safe: a human approves the risky ones.
Call request_action with the exact call (tool, environment, resources, parameters, impact, justification, sessionId).
An auto action returns its result at once. One that needs approval returns status awaiting_approval with its id:
call wait_for_action {"id": …} (up to ${MAX_WAIT_S} s a call) until it settles, or get_action to look. Never repeat a
request_action to learn the outcome; pass an idempotencyKey if you may retry it. open_session declares what you set out to do.`;

/** Name and version the server introduces itself with. */
export const SERVER_INFO = { name: 'airlock', version: '0.1.0' } as const;

/**
 * A fresh MCP server exposing Airlock's tools over `backend`. Cheap to build:
 * the HTTP front door builds one per request (stateless), the stdio entry one
 * per process; names, schemas and texts are this one definition for both.
 */
export function createToolServer(backend: AirlockBackend, log: Logger): McpServer {
  const server = new McpServer(SERVER_INFO, { instructions: INSTRUCTIONS });

  /** Runs one tool call: its state as `structuredContent`, or an `isError` result for a refusal. */
  const answer = async <T>(tool: string, run: () => Promise<T>, present: (value: T) => CallToolResult): Promise<CallToolResult> => {
    try {
      return present(await run());
    } catch (err) {
      if (err instanceof ToolRefusal) {
        log.info({ tool, code: err.code }, 'mcp tool call refused');
        return { isError: true, content: [{ type: 'text', text: refusalText(err) }] };
      }
      // Nothing internal leaks to the agent; the log has it.
      log.error({ tool, err }, 'mcp tool call failed');
      return { isError: true, content: [{ type: 'text', text: 'internal: the call failed inside Airlock; see its log' }] };
    }
  };
  const action = (state: ActionState): CallToolResult => {
    // Parsed to the contract: the output schema forbids extra fields, and a remote answer is checked, not trusted.
    const structured = ActionState.parse(state);
    const approvers = structured.status === 'awaiting_approval' ? backend.approvers?.(structured.risk.tier) : undefined;
    return { structuredContent: structured, content: [{ type: 'text', text: actionSummary(structured, approvers) }] };
  };

  server.registerTool(
    'request_action',
    {
      title: 'Request an action',
      description: `Ask Airlock to run one tool call for you. It scores the risk; an auto action runs and returns its result, one that needs approval returns at once with status awaiting_approval, its id and who must approve (then call wait_for_action). Waits at most ${REQUEST_WAIT_MS / 1000} s.`,
      inputSchema: ActionRequest,
      outputSchema: ActionState,
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    (request) => answer('request_action', () => backend.submit(request, REQUEST_WAIT_MS), action),
  );

  server.registerTool(
    'get_action',
    {
      title: 'Get an action',
      description: 'The current state of one of your actions: status, risk, approvals, result.',
      inputSchema: ActionRef,
      outputSchema: ActionState,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ id }) => answer('get_action', () => backend.get(id), action),
  );

  server.registerTool(
    'cancel_action',
    {
      title: 'Cancel an action',
      description: 'Cancel one of your actions that has not started executing (for example while it awaits approval).',
      inputSchema: ActionRef,
      outputSchema: ActionState,
      annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ id }) => answer('cancel_action', () => backend.cancel(id), action),
  );

  server.registerTool(
    'wait_for_action',
    {
      title: 'Wait for an action',
      description: `Wait up to ${MAX_WAIT_S} seconds for one of your actions to settle (run, rejected, expired…); returns its state then, or at the end of the wait. Call again to keep waiting.`,
      inputSchema: WaitArgs,
      outputSchema: ActionState,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ id, seconds }) => answer('wait_for_action', () => backend.waitFor(id, seconds * 1000), action),
  );

  server.registerTool(
    'open_session',
    {
      title: 'Open a session',
      description: 'Declare what you set out to do: a session with an intent, the tools it may use and a risk budget. Pass its sessionId to request_action. Declaring it again answers the existing session.',
      inputSchema: SessionBody,
      outputSchema: SessionState,
      annotations: { idempotentHint: true, openWorldHint: false },
    },
    (body) =>
      answer('open_session', () => backend.openSession(body), (state) => {
        const structured = SessionState.parse(state);
        return { structuredContent: structured, content: [{ type: 'text', text: sessionSummary(structured) }] };
      }),
  );

  return server;
}
