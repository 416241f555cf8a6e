import type { FieldIssue } from '../lib/issues.js';

/** Thrown by `loadConfig` when the environment or the YAML file is invalid; the message names every bad field. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(
    readonly source: string,
    readonly issues: FieldIssue[],
    options?: { cause?: unknown },
  ) {
    super(`invalid configuration in ${source}:\n${issues.map((i) => `  - ${i.field}: ${i.message}`).join('\n')}`, options);
    this.name = 'ConfigError';
  }
}
