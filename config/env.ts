import { z } from 'zod';

const Port = z.coerce.number().int().min(0).max(65535);
/** A whole number of things, 0 or more, written in decimal. */
const Count = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a whole number, 0 or more')
  .transform(Number);
const Flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/** A comma-separated list of Slack ids, each starting with one of `prefixes`. */
const SlackIds = (prefixes: string, what: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((id) => id.trim()).filter((id) => id !== ''))
    .pipe(z.array(z.string().regex(new RegExp(`^[${prefixes}][A-Z0-9]{2,}$`), `must be ${what} ids, comma-separated`)));

/**
 * Process settings from environment variables. Everything about agents, tools
 * and policy is in the YAML file that `AIRLOCK_CONFIG` names.
 */
export const Env = z
  .object({
  PORT: Port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  AIRLOCK_TASK_QUEUE: z.string().min(1).default('airlock'),
  AIRLOCK_CONFIG: z.string().min(1).default('airlock.yaml'),
  /** Base URL of the Temporal Web UI, for the links in action states. */
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  /** Temporal Cloud API key; turns TLS on. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** TLS towards the Temporal frontend (implied by an API key or a client certificate). */
  TEMPORAL_TLS: Flag,
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Bot token (`xoxb-…`): turns Slack on, for the API (listeners) and the workers (cards). */
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  /** Verifies Slack's requests to `/slack/events` (HTTP mode). */
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  /** App-level token (`xapp-…`): Socket Mode instead of a public request URL. */
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  /** The Slack workspaces (`T…`, or Enterprise Grid orgs `E…`) whose requests are served; required with SLACK_BOT_TOKEN. */
  SLACK_TEAM_IDS: SlackIds('TE', 'team (T…) or enterprise (E…)'),
  /** The Slack app ids (`A…`) whose requests are served; required with SLACK_BOT_TOKEN. */
  SLACK_APP_IDS: SlackIds('A', 'app (A…)'),
  /** Base URL of the Slack Web API; tests point it at a local stand-in. */
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** gRPC port of the dev server `npm start` runs when TEMPORAL_ADDRESS is unset (default 7233). */
  AIRLOCK_DEV_SERVER_PORT: Port.refine((p) => p > 0, 'must be a port number above 0').optional(),
  /** Where `npm start` keeps its state (see `lib/data-dir.ts`); default `.data/` in the repository. */
  AIRLOCK_DATA_DIR: z.string().min(1).optional(),
  /** PKCS#8 PEM of the Ed25519 key that signs grants (published beside `grants.keys`); without any, one is generated into the data directory. */
  AIRLOCK_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /**
   * Workflows each worker process keeps in memory between their tasks (see `worker/cache.ts`
   * for the default); 0 keeps none, so every task replays its action's history.
   */
  AIRLOCK_MAX_CACHED_WORKFLOWS: Count.optional(),
  /** Workflow tasks each worker process runs at once (see `worker/cache.ts` for the default), never more than its cache. */
  AIRLOCK_WORKFLOW_TASK_SLOTS: Count.refine((n) => n > 0, 'must be a whole number, 1 or more').optional(),
  /** Threads each worker process runs workflow code on (see `worker/cache.ts` for the default). */
  AIRLOCK_WORKFLOW_THREADS: Count.refine((n) => n > 0, 'must be a whole number, 1 or more').optional(),
  /** Workflow code records stack traces again (the Web UI's stack-trace tab; off by default, see `workflows/stack-traces.ts`). */
  AIRLOCK_WORKFLOW_STACK_TRACES: Flag,
})
  .refine((e) => (e.TEMPORAL_TLS_CERT_PATH === undefined) === (e.TEMPORAL_TLS_KEY_PATH === undefined), {
    message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together',
    path: ['TEMPORAL_TLS_KEY_PATH'],
  })
  .refine((e) => e.SLACK_BOT_TOKEN !== undefined || (e.SLACK_SIGNING_SECRET === undefined && e.SLACK_APP_TOKEN === undefined), {
    message: 'Slack needs SLACK_BOT_TOKEN as well',
    path: ['SLACK_BOT_TOKEN'],
  })
  .refine((e) => e.SLACK_BOT_TOKEN === undefined || e.SLACK_TEAM_IDS.length > 0, {
    message: 'required with SLACK_BOT_TOKEN: the Slack team ids (T…) whose requests Airlock serves',
    path: ['SLACK_TEAM_IDS'],
  })
  .refine((e) => e.SLACK_BOT_TOKEN === undefined || e.SLACK_APP_IDS.length > 0, {
    message: 'required with SLACK_BOT_TOKEN: the Slack app ids (A…) whose requests Airlock serves',
    path: ['SLACK_APP_IDS'],
  });
export type Env = z.infer<typeof Env>;
