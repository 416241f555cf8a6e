import { z } from 'zod';
import { Environment, MAX_PARAMETERS_DEPTH, Operation, PrincipalId, Sensitivity, Tier, ToolName } from './action.js';
import { Duration } from './duration.js';
import { mcpToolIssues, mcpTools } from './mcp-tools.js';
import { Policy } from './policy.js';
import { MAX_SESSION_BATCH_WINDOW_MS, SESSION_BATCH_WINDOW_MS } from './session-rules.js';
import { WEBHOOK_EVENTS } from './webhook-events.js';

const Sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the key (64 lower-case hex digits), never the key itself');

/** A person who may decide: a Slack user id (`U…`/`W…`), a Slack user group (`S…`) or an operator id. */
const PersonId = z.string().min(1).max(100);

/** A Slack conversation id: `C…` (channel), `G…` (private) or `D…`. */
const SlackChannelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id like C0123ABCD');

/** An agent allowed to submit actions. */
export const AgentConfig = z.strictObject({
  id: PrincipalId,
  keySha256: Sha256Hex,
  owner: PersonId,
  tools: z.array(z.string().min(1)).min(1),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** A human (or their tooling) using the operator API and CLI. */
export const OperatorConfig = z.strictObject({
  id: PrincipalId,
  keySha256: Sha256Hex,
  slackUserId: PersonId.optional(),
});
export type OperatorConfig = z.infer<typeof OperatorConfig>;

/** Bounded, exponential retries of a tool's executor. */
export const RetryConfig = z.strictObject({
  maxAttempts: z.number().int().min(1).max(20).default(3),
  initialInterval: Duration.default(1_000),
  backoffCoefficient: z.number().min(1).max(10).default(2),
  maximumInterval: Duration.default(30_000),
});
export type RetryConfig = z.output<typeof RetryConfig>;

/** How a tool is executed in one environment: an HTTP endpoint that receives the action as JSON. */
export const HttpExecutorConfig = z.strictObject({
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }),
  /** Asked, before scoring, what the exact call would do (a dry run). */
  previewUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** One call. */
  timeout: Duration.default(10_000),
  /** The whole execution, retries included: past it the action is `failed`. */
  deadline: Duration.default(600_000),
});
export type HttpExecutorConfig = z.output<typeof HttpExecutorConfig>;

/**
 * A tool of an upstream MCP server (`mcp.upstreams`): executed with the
 * upstream's `tools/call`. Synthesized from the `mcp` section, never written
 * under `tools:`.
 */
export const McpExecutorConfig = z.strictObject({
  type: z.literal('mcp'),
  /** The upstream's name under `mcp.upstreams`; the worker reads how to reach it from its own configuration. */
  upstream: z.string().min(1),
  /** The tool's name as the upstream spells it. */
  tool: z.string().min(1),
  timeout: Duration.default(10_000),
  deadline: Duration.default(600_000),
});
export type McpExecutorConfig = z.output<typeof McpExecutorConfig>;

/** How a tool is executed in one environment. */
export const ExecutorConfig = z.discriminatedUnion('type', [HttpExecutorConfig, McpExecutorConfig]);
export type ExecutorConfig = z.output<typeof ExecutorConfig>;

/** The executor's preview endpoint, if it has one (MCP tools have none). */
export function previewUrlOf(executor: ExecutorConfig): string | undefined {
  return executor.type === 'http' ? executor.previewUrl : undefined;
}

/** An RFC 6901 JSON Pointer into the parameters (`/amount`, `/where/ids`); an array counts its length. */
const JsonPointer = z.string().regex(/^(\/([^~/]|~[01])*)*$/, 'must be a JSON Pointer like /amount');

/** A JSON Schema (draft 2020-12 subset ajv compiles); checked when the configuration is loaded. */
const JsonSchemaObject = z.record(z.string(), z.unknown());

/** Executions of a tool in flight at once on one worker when neither `maxConcurrent` nor `breaker.maxConcurrent` says. */
export const DEFAULT_MAX_CONCURRENT = 10;

const MaxConcurrent = z.number().int().min(1).max(1000);

/** The tool's circuit breaker, shared by every worker: a failing tool is left alone instead of being retried harder. */
export const BreakerConfig = z.strictObject({
  /** Consecutive failed calls (5xx, 408, 429, timeouts, refused connections) that open it. */
  failures: z.number().int().min(1).max(1000),
  /** How long it stays open before one probe call goes through. */
  cooldown: Duration,
  /** Waiting actions released at a time once it closes again; the same as the tool's `maxConcurrent`. */
  maxConcurrent: MaxConcurrent.optional(),
});
export type BreakerConfig = z.output<typeof BreakerConfig>;

/** The fields of a tool (shared with the tools of MCP upstreams, which take most of them). */
const toolFields = {
  description: z.string().optional(),
  /** What the tool does; a request claiming another operation is refused. */
  operation: Operation,
  /** One executor per environment the tool serves: the environment picks the endpoint. */
  executors: z
    .partialRecord(Environment, ExecutorConfig)
    .refine((e) => Object.keys(e).length > 0, { message: 'a tool needs at least one executor' }),
  retry: RetryConfig.default({ maxAttempts: 3, initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 30_000 }),
  /** JSON Schema of the parameters; a request that does not match is refused naming the path. */
  parameters: JsonSchemaObject.default({ type: 'object' }),
  /** Where the impact is in the parameters. */
  impact: z
    .strictObject({ records: JsonPointer.optional(), amountUsd: JsonPointer.optional(), users: JsonPointer.optional() })
    .default({}),
  /** Floor for the sensitivity of the data this tool touches. */
  sensitivity: Sensitivity.optional(),
  reversible: z.boolean().default(false),
  /** The call sends data out of the organisation (email, webhook, upload): sequence rules can look for it. */
  egress: z.boolean().default(false),
  baseRisk: z.number().min(0).max(100).default(0),
  /** Executions of this tool in flight at once on one worker (default 10), so a slow tool cannot take every slot. */
  maxConcurrent: MaxConcurrent.optional(),
  breaker: BreakerConfig.optional(),
};

// One bound, settable in either place (the breaker's spelling reads well beside its other settings); two different ones would be a guess.
const oneMaxConcurrent = (t: { maxConcurrent?: number | undefined; breaker?: { maxConcurrent?: number | undefined } | undefined }) =>
  t.maxConcurrent === undefined || t.breaker?.maxConcurrent === undefined || t.maxConcurrent === t.breaker.maxConcurrent;
const twoMaxConcurrents = { message: 'differs from the tool\'s maxConcurrent; set one of them', path: ['breaker', 'maxConcurrent'] };

/**
 * One tool Airlock can run for agents, with the facts about it that the agent
 * cannot change: what it does, where it runs, what its parameters look like
 * and where in them its impact is.
 */
export const ToolConfig = z.strictObject(toolFields).refine(oneMaxConcurrent, twoMaxConcurrents);
export type ToolConfig = z.output<typeof ToolConfig>;

/** How many executions of the tool one worker runs at once. */
export function maxConcurrentOf(tool: Pick<ToolConfig, 'maxConcurrent' | 'breaker'>): number {
  return tool.breaker?.maxConcurrent ?? tool.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
}

/** A catalog entry: the sensitivity of resources of a type whose id matches a glob. */
export const ResourceClass = z.strictObject({
  type: z.string().min(1),
  /** `*` matches any run of characters, `?` one. */
  id: z.string().min(1),
  sensitivity: Sensitivity,
});
export type ResourceClass = z.infer<typeof ResourceClass>;

/** Bounds on what an agent may send. */
export const LimitsConfig = z.strictObject({
  /** Largest `parameters` (as JSON, in bytes); larger is 413. */
  parametersBytes: z.number().int().min(256).max(16 * 1024 * 1024).default(64 * 1024),
  /** Deepest nesting of `parameters`; deeper is 400. */
  parametersDepth: z.number().int().min(1).max(MAX_PARAMETERS_DEPTH).default(MAX_PARAMETERS_DEPTH),
  /** Submissions one agent may make in a minute; more is 429 `rate_limited`. */
  agentPerMinute: z.number().int().min(1).optional(),
  /** Submissions one session may carry in a minute; more is 429 `rate_limited`. */
  sessionPerMinute: z.number().int().min(1).optional(),
  /** This many `rate_limited` refusals of one agent within a minute freeze it (`frozenBy: airlock`). */
  freezeAfter: z.number().int().min(1).optional(),
  /** Actions of one agent awaiting approval at once; another that needs approval is 429 `too_many_pending`. */
  maxPendingPerAgent: z.number().int().min(1).default(20),
  /**
   * Submissions one API process works on at once (each until it is answered, or
   * for at most a second); more wait their turn, in rotation across agents.
   */
  concurrentSubmissions: z.number().int().min(1).max(100_000).default(32),
  /** The same tool with the same parameters that failed this often within the window is refused: 409 `loop_detected`. */
  loop: z.strictObject({ failures: z.number().int().min(1).default(3), window: Duration.default(600_000) }).default({ failures: 3, window: 600_000 }),
  /**
   * How long a request waits for a worker to answer an Update (a decision, cancel,
   * session change; a freeze gets twice as long) before 503 `worker_unavailable`.
   * After a worker crash the first answer can take ~10 s (its sticky queue times out).
   */
  workerAnswer: Duration.default(30_000),
});
export type LimitsConfig = z.output<typeof LimitsConfig>;

/** How sessions are judged: the defaults of a session an action opens by naming it, and what drift costs. */
export const SessionsConfig = z.strictObject({
  /** A session opened by an action naming an undeclared `sessionId`: all of the agent's tools allowed. */
  defaults: z
    .strictObject({
      riskBudget: z.number().int().min(0).max(1_000_000).default(150),
      ttl: Duration.default(8 * 3_600_000),
    })
    .default({ riskBudget: 150, ttl: 8 * 3_600_000 }),
  /** The tier of an action using a tool outside its session's `allowedTools`: at least review, or `deny` to refuse it. */
  driftTier: Tier.exclude(['auto']).default('review'),
  /** The longest `ttl` a session may ask for. */
  maxTtl: Duration.default(7 * 24 * 3_600_000),
  /**
   * How long a worker gathers the executed actions of a session below half of
   * its budget before telling it, in one signal. Longer costs Temporal less
   * (a signal and a workflow task per session per window) and shows a
   * session's record later; the budget is exact either way (nearer, 100 ms).
   */
  batchWindow: Duration.default(SESSION_BATCH_WINDOW_MS).refine((ms) => ms >= 100 && ms <= MAX_SESSION_BATCH_WINDOW_MS, {
    message: `between 100ms and ${MAX_SESSION_BATCH_WINDOW_MS / 1000}s`,
  }),
});
export type SessionsConfig = z.output<typeof SessionsConfig>;

/** The longest a grant may live, whatever the configuration says. */
export const MAX_GRANT_TTL_MS = 5 * 60_000;

/** The signed grants Airlock sends with every executor and preview call. */
export const GrantsConfig = z.strictObject({
  /** `iss` of every grant. */
  issuer: z.string().min(1).default('airlock'),
  /** How long a grant is valid; at most 5 minutes. */
  ttl: Duration.default(MAX_GRANT_TTL_MS).refine((ms) => ms <= MAX_GRANT_TTL_MS, { message: 'at most 5m' }),
  /** PKCS#8 PEM files of Ed25519 keys, oldest first: all are published, the last signs (unless AIRLOCK_SIGNING_KEY_FILE is set). */
  keys: z.array(z.string().min(1)).default([]),
});
export type GrantsConfig = z.output<typeof GrantsConfig>;

/** Who decides, and how long they have. */
/** Picks the Slack channel of an approval card; the first matching route wins. */
export const ApprovalRoute = z.strictObject({
  when: z
    .strictObject({
      tools: z.array(z.string().min(1)).optional(),
      environments: z.array(Environment).optional(),
      tiers: z.array(Tier.exclude(['auto', 'deny'])).optional(),
    })
    .refine((w) => Object.keys(w).length > 0, { message: 'a route needs at least one condition' }),
  channel: SlackChannelId,
});
export type ApprovalRoute = z.infer<typeof ApprovalRoute>;

/** Who decides, how long they have, and where in Slack they are asked. */
export const ApprovalsConfig = z
  .strictObject({
    timeout: Duration.default(3_600_000),
    /** An approval older than this no longer counts: the quorum must be fresh. */
    maxAge: Duration.default(3_600_000),
    /** People (Slack user ids `U…`/`W…`, operator ids) or Slack user groups (`S…`). */
    reviewers: z.array(PersonId).default([]),
    criticalApprovers: z.array(PersonId).default([]),
    /** Default channel of approval cards (needs the Slack settings in the environment). */
    channel: SlackChannelId.optional(),
    routes: z.array(ApprovalRoute).default([]),
    /** A thread reply mentions the approvers this long after the card was posted. */
    remindAfter: Duration.optional(),
    /** The card is cross-posted to `escalationChannel` this long after it was posted. */
    escalateAfter: Duration.optional(),
    escalationChannel: SlackChannelId.optional(),
    /**
     * Standing approvals: the most an approver may grant (and what the Slack button
     * "Approve this and the next N like it" offers). `count: 0` turns them off.
     */
    standing: z
      .strictObject({ count: z.number().int().min(0).max(100).default(5), minutes: z.number().int().min(1).max(24 * 60).default(60) })
      .default({ count: 5, minutes: 60 }),
    /** Bounded retries of every Slack Web API call. */
    slackRetry: RetryConfig.default({ maxAttempts: 5, initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 30_000 }),
  })
  .refine((a) => a.escalateAfter === undefined || a.escalationChannel !== undefined, {
    message: 'escalateAfter needs an escalationChannel',
    path: ['escalationChannel'],
  });
export type ApprovalsConfig = z.output<typeof ApprovalsConfig>;

/** Bytes a webhook secret must decode to, at least (Standard Webhooks asks for 24 to 64). */
export const MIN_WEBHOOK_SECRET_BYTES = 24;

/**
 * A Standard Webhooks secret, `whsec_` and base64. Its messages never repeat
 * the value: configuration errors are logged.
 */
export const WebhookSecret = z.string().superRefine((text, ctx) => {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(text);
  if (!match || match[1]!.length % 4 !== 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a Standard Webhooks secret: whsec_ followed by base64' });
    return;
  }
  const base64 = match[1]!;
  const bytes = (base64.length / 4) * 3 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);
  if (bytes < MIN_WEBHOOK_SECRET_BYTES) ctx.addIssue({ code: 'custom', message: `decodes to ${bytes} bytes; at least ${MIN_WEBHOOK_SECRET_BYTES} are needed` });
});

/** Retries of a webhook delivery unless the receiver says otherwise: about 10 minutes in all. */
export const DEFAULT_WEBHOOK_RETRY = { maxAttempts: 8, initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 300_000 };

/** A receiver of signed webhooks (Standard Webhooks): where, with which secret, for which events. */
export const WebhookConfig = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }),
    /** `whsec_…`; or `secretEnv`, the name of an environment variable holding it, to keep it out of the file. */
    secret: WebhookSecret.optional(),
    secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1),
    /** Bounded retries of each delivery (5xx, 408, 429, timeouts, refused connections). */
    retry: RetryConfig.default(DEFAULT_WEBHOOK_RETRY),
    /** One delivery attempt. */
    timeout: Duration.default(10_000),
  })
  .refine((w) => (w.secret === undefined) !== (w.secretEnv === undefined), { message: 'set one of secret and secretEnv', path: ['secret'] });
export type WebhookConfig = z.output<typeof WebhookConfig>;
const { executors: _executors, parameters: _parameters, ...factFields } = toolFields;

/** The longest a gateway call waits for its action: MCP clients time requests out (often at 60 s). */
export const MAX_MCP_WAIT_MS = 50_000;

/** An upstream's name: one lower-case word, the path segment agents connect to (`/mcp/<name>`) and the first part of its tools' names. */
export const McpUpstreamName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be one lower-case word (letters, digits, - or _), like files');

/**
 * The facts of one upstream MCP tool, as for a tool under `tools:`, with the one
 * environment it serves instead of executors; its parameters' schema is the
 * upstream's own `inputSchema`.
 */
export const McpToolConfig = z
  .strictObject({
    ...factFields,
    /** The environment the upstream acts on (scored like any other action's). */
    environment: Environment,
  })
  .refine(oneMaxConcurrent, twoMaxConcurrents);
export type McpToolConfig = z.output<typeof McpToolConfig>;

/** An MCP server Airlock stands in front of: reached over Streamable HTTP (`url`) or stdio (`command`). */
export const McpUpstreamConfig = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).optional(),
    /** A program speaking MCP on stdin/stdout, run from the configuration file's folder: `["node", "server.js"]`. */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** One call of the upstream (connecting included). */
    timeout: Duration.default(10_000),
    /** A whole execution, retries included. */
    deadline: Duration.default(600_000),
    /** The upstream's tools that agents may request, by the upstream's own names; any other is not exposed. */
    tools: z.record(z.string().min(1).max(128), McpToolConfig),
  })
  .refine((u) => (u.url === undefined) !== (u.command === undefined), { message: 'give exactly one of url and command', path: ['url'] });
export type McpUpstreamConfig = z.output<typeof McpUpstreamConfig>;

/** Airlock as a gateway in front of MCP servers (`/mcp/<upstream>`). */
export const McpConfig = z.strictObject({
  /** How long a gateway call waits for its action (approval and execution) before answering "awaiting approval"; at most 50 s. */
  wait: Duration.default(20_000).refine((ms) => ms <= MAX_MCP_WAIT_MS, { message: 'at most 50s' }),
  upstreams: z.record(McpUpstreamName, McpUpstreamConfig).default({}),
});
export type McpConfig = z.output<typeof McpConfig>;

/** The Airlock configuration file (`airlock.yaml`). */
export const AirlockFile = z
  .strictObject({
    agents: z.array(AgentConfig).min(1),
    operators: z.array(OperatorConfig).default([]),
    tools: z.record(ToolName, ToolConfig),
    /** The sensitivity of what tools touch, by resource type and id. */
    resources: z.array(ResourceClass).default([]),
    policy: Policy,
    // A section left out is parsed as empty, so its defaults are its fields' own (written once, above).
    limits: LimitsConfig.prefault({}),
    sessions: SessionsConfig.prefault({}),
    grants: GrantsConfig.prefault({}),
    approvals: ApprovalsConfig.prefault({}),
    /** Receivers of signed webhooks. */
    webhooks: z.array(WebhookConfig).default([]),
    mcp: McpConfig.prefault({}),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, string>();
    const unique = (list: { id: string; keySha256: string }[], kind: 'agents' | 'operators') => {
      const ids = new Set<string>();
      list.forEach((p, i) => {
        if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: [kind, i, 'id'], message: `duplicate id "${p.id}"` });
        ids.add(p.id);
        const other = seen.get(p.keySha256);
        if (other)
          ctx.addIssue({ code: 'custom', path: [kind, i, 'keySha256'], message: `same key as ${other}; every key must be distinct` });
        seen.set(p.keySha256, `${kind}.${p.id}`);
      });
    };
    unique(file.agents, 'agents');
    unique(file.operators, 'operators');
    // A receiver is known by its URL (workflows carry a hash of it): two with one URL would be one.
    const urls = new Set<string>();
    file.webhooks.forEach((w, i) => {
      if (urls.has(w.url)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'url'], message: 'duplicate url; list each receiver once' });
      urls.add(w.url);
    });
    for (const [name, tool] of Object.entries(file.tools)) {
      for (const [environment, executor] of Object.entries(tool.executors)) {
        if (executor?.type === 'mcp') {
          ctx.addIssue({ code: 'custom', path: ['tools', name, 'executors', environment, 'type'], message: 'MCP tools are declared under mcp.upstreams.<name>.tools' });
        }
      }
    }
    for (const issue of mcpToolIssues(file.mcp, file.tools)) ctx.addIssue({ code: 'custom', ...issue });
  })
  // Each upstream tool becomes a tool like any other, so every fact, rule, breaker and grant applies to it.
  .transform((file) => ({ ...file, tools: { ...file.tools, ...mcpTools(file.mcp) } }));
export type AirlockFile = z.output<typeof AirlockFile>;
