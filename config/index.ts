/** Loads and validates Airlock's configuration: environment variables plus the YAML file. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { AirlockFile, WebhookSecret } from '../domain/config.js';
import type { ResolvedPolicy } from '../domain/policy.js';
import { compileParametersSchema } from '../domain/parameters-schema.js';
import { fieldIssues, fieldPath, type FieldIssue } from '../lib/issues.js';
import { Env } from './env.js';
import { ConfigError } from './errors.js';

export { ConfigError } from './errors.js';
export { Env } from './env.js';

/** The validated configuration of one Airlock process. */
export interface AirlockConfig {
  env: Env;
  file: Omit<AirlockFile, 'policy'> & { policy: ResolvedPolicy };
  /** Absolute path of the YAML file it came from. */
  path: string;
}

/** Validates environment variables; throws {@link ConfigError} naming each bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = Env.safeParse(source);
  if (!result.success) throw new ConfigError('the environment', fieldIssues(result.error));
  return result.data;
}

/** Validates the content of a configuration file; throws {@link ConfigError} naming each bad field. */
export function parseConfigFile(text: string, source: string): AirlockConfig['file'] {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const message = err instanceof YAMLParseError ? err.message : String(err);
    throw new ConfigError(source, [{ field: '(yaml)', message }], { cause: err });
  }
  const result = AirlockFile.safeParse(raw);
  if (!result.success) throw new ConfigError(source, fieldIssues(result.error));
  const file = result.data;
  // A tool schema that does not compile would refuse every call at run time; refuse it now instead.
  const schemaIssues: FieldIssue[] = [];
  for (const [name, tool] of Object.entries(file.tools)) {
    try {
      compileParametersSchema(tool.parameters);
    } catch (err) {
      schemaIssues.push({ field: fieldPath(['tools', name, 'parameters']), message: `not a valid JSON Schema: ${(err as Error).message}` });
    }
  }
  // A secret kept in the environment is checked now too, or every delivery to its receiver would fail.
  file.webhooks.forEach((w, i) => {
    if (w.secretEnv === undefined) return;
    const value = process.env[w.secretEnv];
    const field = fieldPath(['webhooks', i, 'secretEnv']);
    if (value === undefined) schemaIssues.push({ field, message: `the environment variable ${w.secretEnv} is not set` });
    else {
      const parsed = WebhookSecret.safeParse(value);
      if (!parsed.success) schemaIssues.push({ field, message: `${w.secretEnv}: ${parsed.error.issues[0]!.message}` });
    }
  });
  if (schemaIssues.length > 0) throw new ConfigError(source, schemaIssues);
  // Without an explicit version, the policy is named by its content, so every
  // action's recorded policy version still identifies exactly what scored it.
  const version =
    file.policy.version ??
    `sha256:${createHash('sha256').update(JSON.stringify(file.policy)).digest('hex').slice(0, 12)}`;
  return { ...file, policy: { ...file.policy, version } };
}

/** Reads and validates the YAML file at `path`; throws {@link ConfigError} naming each bad field (or `AIRLOCK_CONFIG` when it cannot be read). */
export function readConfigFile(path: string): AirlockConfig['file'] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('the environment', [
      { field: 'AIRLOCK_CONFIG', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` },
    ]);
  }
  return parseConfigFile(text, path);
}

/** Reads the environment and the YAML file it names. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AirlockConfig {
  const env = parseEnv(source);
  const path = resolve(env.AIRLOCK_CONFIG);
  return { env, file: readConfigFile(path), path };
}
