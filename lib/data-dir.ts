import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/lib/). */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Where `npm start` keeps its state: the dev server's SQLite file and generated
 * keys. `AIRLOCK_DATA_DIR` (relative to the working directory, like
 * `AIRLOCK_CONFIG`) or `.data/` in the repository, so a fresh clone keeps its
 * pending approvals across restarts wherever it is started from.
 */
export function dataDir(source: NodeJS.ProcessEnv = process.env): string {
  const configured = source.AIRLOCK_DATA_DIR;
  return configured ? resolve(configured) : resolve(ROOT, '.data');
}
