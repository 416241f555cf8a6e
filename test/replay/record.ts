/**
 * `npm run replay:record`: records the history of every path an action can
 * take that has none yet in test/replay/histories/, for the replay test. Run it
 * when a path is added. It never overwrites a history: those were written by
 * earlier code, which is the point — one that no longer replays is an action in
 * flight that an upgrade would break (see the README, "Changing workflow code").
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureTemporalCli } from '../../temporal/binary.js';
import { startDevServer } from '../../temporal/dev-server.js';
import { bundleWorkflows } from '../../worker/index.js';
import { ROOT } from '../helpers/env.js';
import { historyFile, workflowTypeOf, type RecordedHistory } from './corpus.js';

const out = join(ROOT, 'test', 'replay', 'histories');
const work = mkdtempSync(join(tmpdir(), 'airlock-record-'));
const cli = ensureTemporalCli(ROOT);
const [server, bundle] = await Promise.all([startDevServer({ cli, port: 0 }), bundleWorkflows()]);
writeFileSync(join(work, 'bundle.js'), bundle);
process.env.AIRLOCK_TEST_TEMPORAL_ADDRESS = server.address;
process.env.AIRLOCK_TEST_WORKFLOW_BUNDLE = join(work, 'bundle.js');
process.env.AIRLOCK_TEST_TEMPORAL_CLI = cli;

// Imported after the environment is set: the helpers read it.
const { recordPaths } = await import('./paths.js');
try {
  mkdirSync(out, { recursive: true });
  for (const { name, workflowId } of await recordPaths()) {
    // The CLI writes the JSON that `historyFromJSON` (and the Temporal UI's download) reads.
    const shown = spawnSync(cli, ['workflow', 'show', '--workflow-id', workflowId, '--address', server.address, '--output', 'json'], { encoding: 'utf8' });
    if (shown.status !== 0) throw new Error(`temporal workflow show ${workflowId}: ${shown.stderr}`);
    const file = historyFile(name, workflowTypeOf(JSON.parse(shown.stdout) as RecordedHistory));
    if (existsSync(join(out, file))) {
      process.stdout.write(`kept ${file}: recorded by earlier code\n`);
      continue;
    }
    mkdirSync(dirname(join(out, file)), { recursive: true });
    writeFileSync(join(out, file), shown.stdout);
    process.stdout.write(`recorded ${file}: ${(JSON.parse(shown.stdout) as RecordedHistory).events.length} events\n`);
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
