import { z } from 'zod';

const Port = z.coerce.number().int().min(0).max(65535);
const Flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

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
  /** Base URL of the Slack Web API; tests point it at a local stand-in. */
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})
  .refine((e) => (e.TEMPORAL_TLS_CERT_PATH === undefined) === (e.TEMPORAL_TLS_KEY_PATH === undefined), {
    message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together',
    path: ['TEMPORAL_TLS_KEY_PATH'],
  })
  .refine((e) => e.SLACK_BOT_TOKEN !== undefined || (e.SLACK_SIGNING_SECRET === undefined && e.SLACK_APP_TOKEN === undefined), {
    message: 'Slack needs SLACK_BOT_TOKEN as well',
    path: ['SLACK_BOT_TOKEN'],
  });
export type Env = z.infer<typeof Env>;
