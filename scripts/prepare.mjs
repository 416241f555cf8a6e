// Runs before every npm entry point on a fresh clone: it may only use Node's
// built-ins, because the dependencies it installs are not there yet.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`airlock: '${cmd} ${args.join(' ')}' failed (exit ${res.status ?? res.signal})`);
    process.exit(res.status ?? 1);
  }
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
// npm writes node_modules/.package-lock.json on every install; older than the
// committed lock means the tree no longer matches it.
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error('airlock: installing npm dependencies…');
  // Not `npm ci`: the lock leaves out @swc/core's binaries for other platforms
  // (this registry has no metadata for them), which `npm ci` calls out of sync.
  // `install --no-save` installs the locked versions and leaves the lock alone.
  run(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error']);
}

// tsc is incremental (dist/.tsbuildinfo), so an up-to-date tree costs about a second.
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')]);
