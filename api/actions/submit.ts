import type { ActionRequest, ActionState } from '../../domain/action.js';
import type { AgentConfig, LimitsConfig } from '../../domain/config.js';
import { matchesAny } from '../../domain/glob.js';
import type { Logger } from '../../lib/logger.js';
import type { AgentGateway } from '../agents/gateway.js';
import { ApiError } from '../errors.js';
import { Admission } from './admission.js';
import type { ActionGateway } from './gateway.js';
import { Velocity } from './velocity.js';

/** The shortest `?wait` (whole seconds). */
const MIN_WAIT_MS = 1_000;

/**
 * Every way an agent submits an action (HTTP, the MCP server, the MCP gateway)
 * goes through this one door, so none skips a check: the tool is the agent's,
 * the agent is not frozen, it is not going too fast.
 */
export class ActionSubmitter {
  private readonly velocity: Velocity;
  private readonly admission: Admission;

  constructor(
    private readonly gateway: ActionGateway,
    private readonly agents: AgentGateway,
    /** The limits in force: read at every submission, so a reload applies at once. */
    private readonly limitsOf: () => LimitsConfig,
  ) {
    this.velocity = new Velocity(limitsOf);
    this.admission = new Admission(() => limitsOf().concurrentSubmissions);
  }

  /** Submits `body` for `agent`, answering once it settles or `waitMs` ran out; throws {@link ApiError} on refusal. */
  async submit(agent: AgentConfig, body: ActionRequest, waitMs: number, log: Logger): Promise<ActionState> {
    if (!matchesAny(body.tool, agent.tools)) {
      throw new ApiError('forbidden', `agent ${agent.id} may not use tool ${body.tool}`, { field: 'tool', allowed: agent.tools });
    }
    // The kill switch: a frozen agent submits nothing (its standing is at most a second old).
    await this.agents.assertActive(agent.id);
    const throttle = this.velocity.admit(agent.id, body.sessionId);
    if (throttle) {
      const limits = this.limitsOf();
      // A burst that keeps hitting the limit is a runaway: stop it, durably, for everyone.
      if (limits.freezeAfter !== undefined && throttle.refusals > limits.freezeAfter) {
        const reason = `${throttle.refusals} submissions refused within a minute for going too fast (limits.freezeAfter is ${limits.freezeAfter})`;
        await this.agents.freeze(agent.id, { by: 'airlock', reason });
        log.warn({ agentId: agent.id, refusals: throttle.refusals }, 'agent frozen by airlock');
        throw new ApiError('agent_frozen', `agent ${agent.id} is frozen: ${reason}`, { frozenBy: 'airlock', reason });
      }
      throw new ApiError(
        'rate_limited',
        `${throttle.scope === 'agent' ? `agent ${agent.id}` : `session ${body.sessionId}`} may submit at most ${throttle.limit} actions a minute (limits.${throttle.scope}PerMinute)`,
        { scope: throttle.scope, limit: throttle.limit, retryAfterS: throttle.retryAfterS },
        { retryAfterS: throttle.retryAfterS },
      );
    }
    const arrived = Date.now();
    // The time spent waiting for a turn counts against the caller's wait, down to the shortest one a
    // caller can ask for: the wait also bounds starting the workflow, and a start cut short is a 503.
    const waitLeft = () => (waitMs === 0 ? 0 : Math.max(Math.min(waitMs, MIN_WAIT_MS), waitMs - (Date.now() - arrived)));
    const state = await this.admission.run(agent.id, () => this.gateway.submit(agent, body, waitLeft()));
    log.info({ actionId: state.id, status: state.status, tier: state.risk.tier, score: state.risk.score }, 'action submitted');
    return state;
  }
}
