import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { AgentConfig } from '../../domain/config.js';
import { z } from 'zod';
import { activeStanding, AgentStanding } from '../../domain/standing.js';
import { configSource, type ConfigInput, type ConfigSource } from '../../config/live.js';
import { StandingReader } from '../../lib/standing-reader.js';
import { subscriptionsFor } from '../../lib/webhook-receivers.js';
import type { agentWorkflow } from '../../workflows/agent-workflow.js';
import { AGENT_WORKFLOW_TYPE, agentWorkflowId, freezeUpdate, runningActionsQuery, unfreezeUpdate, type FreezeArgs } from '../../workflows/messages.js';
import { answeredWithin } from '../bounded.js';
import { ApiError } from '../errors.js';

/** `GET /v1/agents/:id`: the agent's standing and how many of its actions await approval. */
export const AgentView = AgentStanding.extend({ owner: z.string(), pendingApprovals: z.number().int().min(0) });
export type AgentView = z.infer<typeof AgentView>;

/** The kill switch, through the agents' workflows. */
export class AgentGateway {
  readonly standing: StandingReader;
  private readonly config: ConfigSource;

  constructor(
    private readonly client: Client,
    /** Read at every call: agents added or removed by a reload are known at once. */
    config: ConfigInput,
  ) {
    this.config = configSource(config);
    this.standing = new StandingReader(() => client);
  }

  /** A configured agent; 404 for anything else. */
  agent(agentId: string): AgentConfig {
    const agent = this.config.current.file.agents.find((a) => a.id === agentId);
    if (!agent) throw new ApiError('not_found', `no agent ${agentId}`);
    return agent;
  }

  /** 423 when the agent is frozen (its standing is at most a second old). */
  async assertActive(agentId: string): Promise<void> {
    const standing = await this.standing.read(agentId);
    if (!standing.frozen) return;
    throw new ApiError('agent_frozen', `agent ${agentId} is frozen: ${standing.reason ?? 'no reason given'}`, {
      frozenBy: standing.frozenBy,
      frozenAt: standing.frozenAt,
      reason: standing.reason,
    });
  }

  /** The agent's standing (fresh) and its actions awaiting approval (from visibility, a second or so behind). */
  async view(agentId: string): Promise<AgentView> {
    const agent = this.agent(agentId);
    const [standing, pending] = await Promise.all([
      this.standing.read(agentId, true),
      this.client.workflow.count(
        runningActionsQuery(agentId, ['awaiting_approval']),
      ),
    ]);
    return { ...standing, owner: agent.owner, pendingApprovals: pending.count };
  }

  /** Freezes the agent (starting its workflow the first time) and waits until its pending actions are cancelled. */
  async freeze(agentId: string, args: FreezeArgs): Promise<AgentStanding> {
    this.agent(agentId);
    const webhooks = subscriptionsFor(this.config.current.file.webhooks, (event) => event === 'agent.frozen');
    if (webhooks.length > 0) args = { ...args, webhooks };
    const start = new WithStartWorkflowOperation<typeof agentWorkflow>(AGENT_WORKFLOW_TYPE, {
      workflowId: agentWorkflowId(agentId),
      taskQueue: this.config.current.env.AIRLOCK_TASK_QUEUE,
      args: [{ agentId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `standing of agent ${agentId} (the kill switch)`,
    });
    const standing = await answeredWithin(
      this.client,
      `the freeze of ${agentId}`,
      () => this.client.workflow.executeUpdateWithStart(freezeUpdate, { args: [args], startWorkflowOperation: start }),
      // Answered once the pending actions are cancelled, which takes more than one Update.
      2 * this.config.current.file.limits.workerAnswer,
    );
    this.standing.forget(agentId);
    return standing;
  }

  /** Unfreezes the agent; an agent never frozen is already active. */
  async unfreeze(agentId: string, by: string): Promise<AgentStanding> {
    this.agent(agentId);
    try {
      const standing = await answeredWithin(this.client, `the unfreeze of ${agentId}`, () =>
        this.client.workflow.getHandle(agentWorkflowId(agentId)).executeUpdate(unfreezeUpdate, { args: [{ by }] }),
        this.config.current.file.limits.workerAnswer,
      );
      this.standing.forget(agentId);
      return standing;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return activeStanding(agentId);
      throw err;
    }
  }
}
