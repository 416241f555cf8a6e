import type { ActionRequest, Operation } from '../../domain/action.js';
import { jsonDepth } from '../../domain/action.js';
import { assessVersion } from '../../domain/assess-version.js';
import { previewUrlOf, type AgentConfig, type ToolConfig } from '../../domain/config.js';
import { resolveSensitivities } from '../../domain/facts.js';
import type { ActionInput, AssessContext, SessionFacts } from '../../domain/input.js';
import { compileParametersSchema, parametersIssues, type ParametersValidator } from '../../domain/parameters-schema.js';
import type { AirlockConfig } from '../../config/index.js';
import { paramsSha256 } from '../../lib/params-hash.js';
import { subscriptionsFor } from '../../lib/webhook-receivers.js';
import { mcpExecutorOf } from '../../domain/mcp-tools.js';
import { ApiError, invalidRequest } from '../errors.js';
import type { UpstreamSchemas } from '../mcp/upstream-schemas.js';
import { actionIdFor, requestHashOf } from './ids.js';

/**
 * Turns a validated request into a workflow input, checking every claim the
 * agent makes against the facts of the configuration and scoring version 1.
 * Built once per configuration: the tools' schemas are compiled here.
 */
export class ActionPreparer {
  private readonly validators = new Map<string, ParametersValidator>();

  constructor(
    private readonly config: AirlockConfig,
    /** The input schemas of upstream MCP tools (read from the upstreams, not the file); without them those tools' calls are refused. */
    private readonly upstreams?: Pick<UpstreamSchemas, 'validatorOf'>,
  ) {
    for (const [name, tool] of Object.entries(config.file.tools)) this.validators.set(name, compileParametersSchema(tool.parameters));
  }

  /** The tools of the configuration (those of MCP upstreams included). */
  get tools(): Readonly<Record<string, ToolConfig>> {
    return this.config.file.tools;
  }

  /** The tool a request names; 400 naming `tool` when there is none. */
  toolOf(name: string): ToolConfig {
    const tool = this.config.file.tools[name];
    if (!tool) throw invalidRequest([{ field: 'tool', message: `no tool named "${name}" is configured` }]);
    return tool;
  }

  /** Size, depth and schema of parameters (the agent's, or an approver's edit): 413 or 400 naming the field. */
  checkParameters(toolName: string, parameters: Record<string, unknown>, field = 'parameters'): void {
    const { parametersBytes, parametersDepth } = this.config.file.limits;
    if (jsonDepth(parameters) > parametersDepth) {
      throw invalidRequest([{ field, message: `nested deeper than ${parametersDepth} levels (limits.parametersDepth)` }]);
    }
    const bytes = Buffer.byteLength(JSON.stringify(parameters));
    if (bytes > parametersBytes) {
      throw new ApiError('payload_too_large', `${field} is ${bytes} bytes; the limit is ${parametersBytes} bytes (limits.parametersBytes)`, {
        field,
        limit: parametersBytes,
        setting: 'limits.parametersBytes',
      });
    }
    const issues = parametersIssues(this.validatorOf(toolName), parameters);
    if (issues.length > 0) throw invalidRequest(issues.map((i) => ({ ...i, field: i.field.replace(/^parameters/, field) })));
  }

  private validatorOf(toolName: string): ParametersValidator {
    const tool = this.config.file.tools[toolName];
    if (!tool || !mcpExecutorOf(tool)) return this.validators.get(toolName)!;
    if (!this.upstreams) throw new ApiError('upstream_unavailable', `${toolName} is an MCP upstream's tool, and its schema cannot be read here`);
    return this.upstreams.validatorOf(toolName);
  }

  /** The workflow input of a request, with version 1 scored from facts. */
  prepare(
    agent: AgentConfig,
    submitted: ActionRequest,
    temporalUiUrl: (workflowId: string) => string,
    workflowIdOf: (id: string) => string,
    /** The action's session as it stands now: its budget, declared tools and what it already did count. */
    session?: SessionFacts,
  ): ActionInput {
    const { file } = this.config;
    const tool = this.toolOf(submitted.tool);
    if (submitted.operation !== undefined && submitted.operation !== tool.operation) {
      throw new ApiError('claim_mismatch', `operation: ${submitted.tool} is a ${tool.operation} tool, not ${submitted.operation}`, [
        { field: 'operation', message: `the tool's operation is ${tool.operation}; leave it out or send that` },
      ]);
    }
    const executor = tool.executors[submitted.environment];
    if (!executor) {
      const served = Object.keys(tool.executors).join(', ');
      throw invalidRequest([{ field: 'environment', message: `${submitted.tool} has no executor for ${submitted.environment} (it serves ${served})` }]);
    }
    this.checkParameters(submitted.tool, submitted.parameters);

    const request: ActionRequest & { operation: Operation } = { ...submitted, operation: tool.operation };
    const context: AssessContext = {
      tool: {
        name: submitted.tool,
        operation: tool.operation,
        executor,
        retry: tool.retry,
        reversible: tool.reversible,
        egress: tool.egress,
        baseRisk: tool.baseRisk,
        impact: tool.impact,
      },
      environment: submitted.environment,
      sensitivities: resolveSensitivities(request.resources, file.resources, tool.sensitivity, file.policy.factors.unclassifiedSensitivity),
      policy: file.policy,
      ...(session ? { session } : {}),
    };
    // With a preview, this is the risk that holds if it cannot be had: never auto.
    const risk = assessVersion(
      context,
      request.parameters,
      request.impact,
      previewUrlOf(executor) ? { status: 'unavailable', error: 'the preview has not answered yet' } : undefined,
    );
    const actionId = actionIdFor(agent.id, request.idempotencyKey);
    const webhooks = subscriptionsFor(file.webhooks, (event) => event.startsWith('action.'));
    return {
      ...context,
      actionId,
      agent: { id: agent.id, owner: agent.owner },
      request,
      requestHash: requestHashOf(request),
      paramsSha256: paramsSha256(request.parameters),
      risk,
      approvals: file.approvals,
      temporalUiUrl: temporalUiUrl(workflowIdOf(actionId)),
      slack: this.config.env.SLACK_BOT_TOKEN !== undefined,
      ...(webhooks.length > 0 ? { webhooks } : {}),
    };
  }
}
