/** Every piece of I/O the workflows do, built by {@link createActivities}. */
import type { WebClient } from '@slack/web-api';
import { breakerSettingsOf } from '../domain/breaker.js';
import { maxConcurrentOf, type McpUpstreamConfig, type ToolConfig, type WebhookConfig } from '../domain/config.js';
import type { ResolvedPolicy } from '../domain/policy.js';
import type { GrantSigner } from '../grants/sign.js';
import { createAssessActivity } from './assess.js';
import { ToolBreakers } from './breakers.js';
import { ToolSlots } from './tool-slots.js';
import { createHttpExecutor } from './http-executor.js';
import { createMcpExecutor } from './mcp-executor.js';
import { createHttpPreview } from './http-preview.js';
import { createSessionActivities, createSessionCheck, SessionLedger } from './session.js';
import { createSlackActivities } from './slack.js';
import { createStandingActivities, createStandingCheck } from './standing.js';
import { createWebhookActivities } from './webhooks.js';

/** What the activities talk to; tests hand in their own. */
export interface ActivityDeps {
  fetch?: typeof fetch;
  /** A Slack Web API client; without one the Slack activities fail for good, saying why. */
  slack?: WebClient;
  /** Signs the grant every executor and preview call carries. */
  signer: GrantSigner;
  /** The policy in force in this worker, read at every attempt: each execution is re-scored with it right before the call. */
  policy?: () => ResolvedPolicy;
  /** Where executed actions' outcomes wait for their sessions; the worker flushes it when it stops. */
  ledger?: SessionLedger;
  /** The tools in force in this worker, read at every attempt: their breakers gate every execution. */
  tools?: () => Record<string, ToolConfig>;
  /** The webhook receivers in force in this worker, read at every delivery: URLs and secrets never travel in a workflow. */
  webhooks?: () => readonly WebhookConfig[];
  /** The MCP upstreams in force in this worker, read at every attempt; without them `mcp` executions fail, saying why. */
  mcp?: { upstreams: () => Record<string, McpUpstreamConfig>; configPath: () => string };
}

/** Builds the activities a worker registers. */
export function createActivities(deps: ActivityDeps) {
  const breakerSettings = perTool(deps.tools, breakerSettingsOf);
  const maxConcurrent = perTool(deps.tools, maxConcurrentOf);
  return {
    assessAction: createAssessActivity(createHttpPreview(deps.signer, deps.fetch)),
    executeHttpTool: createHttpExecutor(deps.signer, deps.fetch, createStandingCheck(), deps.policy, createSessionCheck(), deps.ledger ?? new SessionLedger(), breakerSettings && new ToolBreakers(breakerSettings), maxConcurrent && new ToolSlots(maxConcurrent), deps.mcp && createMcpExecutor({ signer: deps.signer, ...deps.mcp })),
    ...createStandingActivities(),
    ...createSessionActivities(deps.slack),
    ...createSlackActivities(deps.slack),
    ...createWebhookActivities(deps.webhooks, deps.fetch),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** Something per tool, by the tools in force at each call; nothing without tools. */
function perTool<T>(tools: (() => Record<string, ToolConfig>) | undefined, of: (tool: ToolConfig) => T | undefined): ((name: string) => T | undefined) | undefined {
  if (!tools) return undefined;
  return (name) => {
    const tool = tools()[name];
    return tool ? of(tool) : undefined;
  };
}

export type { McpCall } from './mcp-executor.js';
export type { ExecuteHttpToolInput, ExecuteHttpToolOutput, ExecutorFailureDetails, ExecutorPayload, TierRoseDetails } from './http-executor.js';
export type { CardTarget } from './slack.js';
export type { AssessActionInput, AssessActionOutput } from './assess.js';
export type { AgentFrozenDetails, CancelPendingInput } from './standing.js';
export type { BreakerOpenDetails, BreakerPass } from './breakers.js';
export type { ToolBusyDetails } from './tool-slots.js';
export type { DeliverWebhookInput, DeliverWebhookOutput } from './webhooks.js';
export type { ClaimStandingInput, SessionClosedDetails, SessionRef } from './session.js';
