import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { createLogger } from '../../lib/logger.js';
import { installTemporalLogging } from '../../worker/index.js';
import { ROOT, testEnv } from '../helpers/env.js';
import { REQUIRED_PATHS } from '../replay/paths.js';

const dir = join(ROOT, 'test', 'replay', 'histories');

describe('replay: actions already in flight survive this code', () => {
  it('the corpus has a recorded history of every path', () => {
    const recorded = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    for (const path of REQUIRED_PATHS) assert.ok(recorded.includes(path), `no history for ${path}: run npm run replay:record`);
  });

  it('every committed history replays without nondeterminism', async () => {
    // The SDK's own logs go through ours (silent in tests), as for every other worker.
    installTemporalLogging(createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }));
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))) }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: testEnv.bundlePath } }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.deepEqual(failures, []);
    assert.equal(files.length >= REQUIRED_PATHS.length, true);
  });
});
