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
export const Env = z.object({
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).refine((e) => (e.TEMPORAL_TLS_CERT_PATH === undefined) === (e.TEMPORAL_TLS_KEY_PATH === undefined), {
  message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together',
  path: ['TEMPORAL_TLS_KEY_PATH'],
});
export type Env = z.infer<typeof Env>;
