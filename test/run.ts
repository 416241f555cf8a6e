/**
 * `npm test`: starts one throw-away Temporal dev server (in memory, no UI),
 * bundles the workflows once, then runs every test file with Node's test runner
 * against them. Test files read where everything is from the environment.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTemporalCli } from '../temporal/binary.js';
import { startDevServer } from '../temporal/dev-server.js';
import { bundleWorkflows } from '../worker/index.js';

const distTest = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(distTest, '..', '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    // tsc never deletes the output of a removed source: run only compiled tests whose .ts still exists.
    return name.endsWith('.test.js') && existsSync(join(root, relative(join(root, 'dist'), path)).replace(/\.js$/, '.ts')) ? [path] : [];
  });
}

// Optional filters: `npm test -- api` runs only files whose path contains "api".
const filters = process.argv.slice(2);
const files = testFiles(distTest)
  .filter((f) => filters.length === 0 || filters.some((x) => relative(distTest, f).includes(x)))
  .sort();

const cli = ensureTemporalCli(root, (msg) => console.error(`airlock: ${msg}`));
const work = mkdtempSync(join(tmpdir(), 'airlock-test-'));
const started = Date.now();
const [server, bundle] = await Promise.all([
  startDevServer({ cli, port: 0 }),
  bundleWorkflows(),
]);
const bundlePath = join(work, 'workflow-bundle.js');
writeFileSync(bundlePath, bundle);
console.error(`airlock: Temporal dev server at ${server.address}, workflows bundled, in ${Date.now() - started} ms; running ${files.length} test files`);

const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=2',
    // `TEST_NAME_PATTERN=regex npm test` runs only the matching tests.
    ...(process.env.TEST_NAME_PATTERN ? [`--test-name-pattern=${process.env.TEST_NAME_PATTERN}`] : []),
    ...files,
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      AIRLOCK_TEST_TEMPORAL_ADDRESS: server.address,
      AIRLOCK_TEST_TEMPORAL_CLI: cli,
      AIRLOCK_TEST_WORKFLOW_BUNDLE: bundlePath,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    },
  },
);
const code = await new Promise<number>((r) => child.once('exit', (c, signal) => r(c ?? (signal ? 1 : 0))));
await server.stop();
rmSync(work, { recursive: true, force: true });
process.exit(code);
