import type { ConfigSource } from '../../config/live.js';
import { eligibleApprovers } from '../../domain/approval-rules.js';
import type { AgentConfig } from '../../domain/config.js';
import type { Logger } from '../../lib/logger.js';
import { ToolRefusal } from '../../mcp/refusal.js';
import type { AirlockBackend } from '../../mcp/tools.js';
import { assertCanSee } from '../actions/routes.js';
import type { ActionGateway } from '../actions/gateway.js';
import type { ActionSubmitter } from '../actions/submit.js';
import { asApiError } from '../errors.js';
import type { SessionGateway } from '../sessions/gateway.js';

/** What the in-process tools reach: the same gateways and submitter as `/v1`. */
export interface LocalDeps {
  config: ConfigSource;
  gateway: ActionGateway;
  submitter: ActionSubmitter;
  sessions: SessionGateway;
}

/** Runs `call`, answering what the HTTP API would refuse as a {@link ToolRefusal} with the same code. */
async function refusing<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const api = asApiError(err);
    if (!api) throw err;
    throw new ToolRefusal(api.code, api.message, { status: api.status, retryAfterS: api.retryAfterS, details: api.details, cause: err });
  }
}

/**
 * The tools' backend inside the API: `agent`'s calls go through the doors
 * `/v1` uses (the submitter's checks, the gateway's ownership rule), so the MCP
 * server can refuse nothing less than the HTTP API does.
 */
export function localBackend({ config, gateway, submitter, sessions }: LocalDeps, agent: AgentConfig, log: Logger): AirlockBackend {
  const principal = { kind: 'agent', agent } as const;
  const own = (id: string) => assertCanSee(principal, id);
  return {
    submit: (request, waitMs) => refusing(() => submitter.submit(agent, request, waitMs, log)),
    get: (id) =>
      refusing(async () => {
        own(id);
        return gateway.get(id);
      }),
    waitFor: (id, waitMs) =>
      refusing(async () => {
        own(id);
        return gateway.waitFor(id, waitMs);
      }),
    cancel: (id) =>
      refusing(async () => {
        own(id);
        const state = await gateway.cancel(id, { by: `agent:${agent.id}` });
        log.info({ actionId: state.id, by: `agent:${agent.id}` }, 'action cancelled');
        return state;
      }),
    openSession: (body) =>
      refusing(async () => {
        const { created, state } = await sessions.declare(agent, body);
        if (created) log.info({ agentId: agent.id, sessionId: state.sessionId }, 'session declared');
        return state;
      }),
    approvers: (tier) => eligibleApprovers(config.current.file, tier),
  };
}
