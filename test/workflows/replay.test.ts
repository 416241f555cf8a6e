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
import { historyFile, workflowTypeOf, type RecordedHistory } from '../replay/corpus.js';
import { ACTION_WORKFLOW_TYPE, ACTION_WORKFLOW_TYPES } from '../../workflows/messages.js';

const dir = join(ROOT, 'test', 'replay', 'histories');

/** Every history in the corpus, relative to its folder: the first action type's and other workflows' at the top, later types' in their folders. */
function corpusFiles(): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
}

function read(file: string): RecordedHistory {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as RecordedHistory;
}

describe('replay: actions already in flight survive this code', () => {
  it('the corpus has a history of every path, recorded with the action type new actions start as', () => {
    const files = new Set(corpusFiles());
    for (const path of REQUIRED_PATHS) {
      // A path of another workflow (a session's, a breaker's, an agent's) is kept where it was first recorded.
      const other = files.has(`${path}.json`) && !ACTION_WORKFLOW_TYPES.some((t) => t === workflowTypeOf(read(`${path}.json`)));
      assert.ok(files.has(historyFile(path, ACTION_WORKFLOW_TYPE)) || other, `no ${ACTION_WORKFLOW_TYPE} history for ${path}: run npm run replay:record`);
    }
  });

  it('every committed history replays without nondeterminism', async () => {
    // The SDK's own logs go through ours (silent in tests), as for every other worker.
    installTemporalLogging(createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }));
    const files = corpusFiles();
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(read(f)) }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: testEnv.bundlePath } }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.deepEqual(failures, []);
    assert.equal(files.length >= REQUIRED_PATHS.length, true);
  });
});
