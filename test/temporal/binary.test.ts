import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ensureTemporalCli, findOnPath } from '../../temporal/binary.js';
import { devServerSearchAttributeFlags } from '../../temporal/search-attributes.js';

describe('Temporal CLI resolution', () => {
  it('finds an executable temporal on PATH and skips non-executables', () => {
    const a = mkdtempSync(join(tmpdir(), 'path-a-'));
    const b = mkdtempSync(join(tmpdir(), 'path-b-'));
    writeFileSync(join(a, 'temporal'), 'not executable');
    writeFileSync(join(b, 'temporal'), '#!/bin/sh\n');
    chmodSync(join(b, 'temporal'), 0o755);
    assert.equal(findOnPath('temporal', `${a}:${b}`), join(b, 'temporal'));
    assert.equal(findOnPath('temporal', a), undefined);
  });

  it('TEMPORAL_CLI_PATH wins, and a wrong one is a clear error', () => {
    const saved = process.env.TEMPORAL_CLI_PATH;
    try {
      process.env.TEMPORAL_CLI_PATH = '/nonexistent/temporal';
      assert.throws(() => ensureTemporalCli('/tmp'), /TEMPORAL_CLI_PATH=\/nonexistent\/temporal is not an executable/);
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_CLI_PATH;
      else process.env.TEMPORAL_CLI_PATH = saved;
    }
  });

  it('registers every Airlock search attribute with the dev server', () => {
    const flags = devServerSearchAttributeFlags();
    assert.deepEqual(flags.filter((_, i) => i % 2 === 1), [
      'AirlockAgent=Keyword',
      'AirlockTool=Keyword',
      'AirlockEnvironment=Keyword',
      'AirlockTier=Keyword',
      'AirlockRiskScore=Int',
      'AirlockStatus=Keyword',
    ]);
  });
});
