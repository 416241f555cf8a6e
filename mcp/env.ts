import { z } from 'zod';
import { ConfigError } from '../config/errors.js';
import { fieldIssues } from '../lib/issues.js';

/** The environment of the stdio entry point: which Airlock to call, and as which agent. */
export const McpClientEnv = z.object({
  AIRLOCK_URL: z
    .url({ protocol: /^https?$/, error: 'must be the http(s) URL of an Airlock API, like http://127.0.0.1:8080' })
    .transform((url) => url.replace(/\/+$/, '')),
  AIRLOCK_KEY: z.string({ error: "must be set to the agent's key" }).min(1, "must be set to the agent's key"),
});
export type McpClientEnv = z.infer<typeof McpClientEnv>;

/** Validates the environment; throws {@link ConfigError} naming each bad variable. */
export function parseMcpClientEnv(source: NodeJS.ProcessEnv = process.env): McpClientEnv {
  const result = McpClientEnv.safeParse(source);
  if (!result.success) throw new ConfigError('the environment', fieldIssues(result.error));
  return result.data;
}
