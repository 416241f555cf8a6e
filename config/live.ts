/**
 * The configuration in force, and reloading it without a restart. Everything
 * that may change on a reload reads `current` when it uses it (a request, an
 * attempt), so a section added to the file later reloads with no extra code.
 */
import { stringify } from 'safe-stable-stringify';
import { z } from 'zod';
import type { Logger } from '../lib/logger.js';
import { ConfigError } from './errors.js';
import { readConfigFile, type AirlockConfig } from './index.js';

/** Where a consumer reads the configuration in force. */
export interface ConfigSource {
  /** The configuration in force now; a reload replaces the whole object, never parts of it. */
  readonly current: AirlockConfig;
}

/** The live configuration, or a fixed one (a test, a one-off tool): a fixed configuration is its own source. */
export type ConfigInput = ConfigSource | AirlockConfig;

/** The source of a {@link ConfigInput}. */
export function configSource(config: ConfigInput): ConfigSource {
  return 'current' in config ? config : { current: config };
}

/**
 * A value derived from the configuration (compiled schemas, a key index), built
 * once per loaded configuration, on first use after a reload: the hot path
 * pays for a comparison, not for a rebuild.
 */
export function perConfig<T>(source: ConfigSource, build: (config: AirlockConfig) => T): () => T {
  let builtFor: AirlockConfig | undefined;
  let value: T;
  return () => {
    const config = source.current;
    if (config !== builtFor) {
      value = build(config);
      builtFor = config;
    }
    return value;
  };
}

/**
 * Sections read once at start-up (the grant signing keys, issuer and ttl are in
 * the signer and the published JWKS): a reload keeps the loaded ones in force
 * and says that a restart is needed for the file's.
 */
export const RESTART_ONLY_SECTIONS: readonly string[] = ['grants'];

/** What a successful reload changed: the answer of `POST /v1/admin/reload`. */
export const ReloadSummary = z.object({
  /** The file that was read again (environment variables are never re-read). */
  path: z.string(),
  reloadedAt: z.string(),
  policyVersion: z.object({ before: z.string(), after: z.string() }),
  /** Top-level sections of the file whose content changed, in file-schema order. */
  changed: z.array(z.string()),
  /** Changed sections that only take effect at the next restart; the loaded ones stay in force. */
  restartRequired: z.array(z.string()),
  /** Things an operator should know, in sentences. */
  warnings: z.array(z.string()),
});
export type ReloadSummary = z.infer<typeof ReloadSummary>;

/** Options of {@link LiveConfig}. */
export interface LiveConfigOptions {
  logger: Logger;
  /** Reads and validates the file; tests may hand in their own. */
  read?: (path: string) => AirlockConfig['file'];
}

/**
 * Holds the validated configuration of a process and reloads its file on
 * demand (`POST /v1/admin/reload`, SIGHUP). A file that does not validate
 * changes nothing: the configuration in force stays, and the error names
 * every bad field. Reloading is synchronous, so two reloads never interleave
 * and no request sees half of one.
 */
export class LiveConfig implements ConfigSource {
  private config: AirlockConfig;
  private readonly read: (path: string) => AirlockConfig['file'];
  private readonly listeners: ((config: AirlockConfig) => void)[] = [];

  constructor(
    initial: AirlockConfig,
    private readonly options: LiveConfigOptions,
  ) {
    this.config = initial;
    this.read = options.read ?? readConfigFile;
  }

  get current(): AirlockConfig {
    return this.config;
  }

  /**
   * Reads the same file again and, if it is valid, puts it in force. Throws
   * {@link ConfigError} (the configuration in force unchanged) when it is not.
   * `by` says who asked, for the log (a request's own logger when given).
   */
  reload(by: string, logger: Logger = this.options.logger): ReloadSummary {
    const before = this.config;
    let file: AirlockConfig['file'];
    try {
      file = this.read(before.path);
    } catch (err) {
      if (err instanceof ConfigError) {
        logger.warn({ by, path: before.path, issues: err.issues }, 'configuration not reloaded: the file is invalid, the configuration in force is unchanged');
      }
      throw err;
    }
    const differs = (section: string) =>
      stringify((before.file as Record<string, unknown>)[section]) !== stringify((file as Record<string, unknown>)[section]);
    const sections = [...new Set([...Object.keys(file), ...Object.keys(before.file)])];
    const changed = sections.filter(differs);
    const restartRequired = changed.filter((s) => RESTART_ONLY_SECTIONS.includes(s));
    const kept = Object.fromEntries(restartRequired.map((s) => [s, (before.file as Record<string, unknown>)[s]]));
    this.config = { ...before, file: { ...file, ...kept } };

    const summary: ReloadSummary = {
      path: before.path,
      reloadedAt: new Date().toISOString(),
      policyVersion: { before: before.file.policy.version, after: file.policy.version },
      changed,
      restartRequired,
      warnings: [
        ...(changed.includes('policy') && before.file.policy.version === file.policy.version
          ? [`the policy changed but policy.version is still "${file.policy.version}": actions scored before and after name the same version`]
          : []),
        ...restartRequired.map((s) => `${s} changed: it takes effect at the next restart; the loaded ${s} stay in force`),
      ],
    };
    logger[summary.warnings.length > 0 ? 'warn' : 'info']({ by, ...summary }, 'configuration reloaded');
    for (const listener of this.listeners) {
      try {
        listener(this.config);
      } catch (err) {
        logger.error({ err, by }, 'a part of the process could not take the reloaded configuration');
      }
    }
    return summary;
  }

  /** Calls `listener` after every successful reload (most parts just read `current`; a few must act, like the workers of new tools). */
  onReload(listener: (config: AirlockConfig) => void): void {
    this.listeners.push(listener);
  }
}

/**
 * Reloads on every SIGHUP. A bad file is logged by {@link LiveConfig.reload}
 * and the process goes on with the configuration in force; nothing a reload
 * throws may end the process. Returns a function that stops listening.
 */
export function reloadOnSighup(live: LiveConfig, logger: Logger): () => void {
  const onSignal = () => {
    try {
      live.reload('SIGHUP');
    } catch (err) {
      if (!(err instanceof ConfigError)) logger.error({ err }, 'configuration reload failed');
    }
  };
  process.on('SIGHUP', onSignal);
  return () => void process.off('SIGHUP', onSignal);
}
