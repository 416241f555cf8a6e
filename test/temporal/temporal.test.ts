import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ensureTemporalCli, findOnPath } from '../../temporal/binary.js';
import { devServerSearchAttributeFlags } from '../../temporal/search-attributes.js';
import { msToTs } from '@temporalio/common/lib/time.js';

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
      'AirlockParamsHash=Keyword',
      'AirlockSession=Keyword',
      'AirlockBreakerState=Keyword',
    ]);
  });
});

describe('npm run temporal:setup', () => {
  it('registers the search attributes in a namespace of an existing cluster, once', async () => {
    const { spawnSync } = await import('node:child_process');
    const { Connection } = await import('@temporalio/client');
    const { ROOT, testEnv } = await import('../helpers/env.js');
    const namespace = `setup-${Date.now()}`;
    const connection = await Connection.connect({ address: testEnv.address });
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1d'),
      });
      const setup = () =>
        spawnSync(process.execPath, [join(ROOT, 'dist', 'temporal', 'setup.js')], {
          env: { ...process.env, TEMPORAL_ADDRESS: testEnv.address, TEMPORAL_NAMESPACE: namespace },
          encoding: 'utf8',
          timeout: 30_000,
        });
      let first = setup();
      // A new namespace takes a moment to reach every service of the dev server.
      for (let i = 0; i < 20 && first.status !== 0; i++) {
        await new Promise((r) => setTimeout(r, 250));
        first = setup();
      }
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /registered AirlockAgent, AirlockTool, AirlockEnvironment, AirlockTier, AirlockRiskScore, AirlockStatus, AirlockParamsHash, AirlockSession, AirlockBreakerState/);
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      assert.ok(Object.keys(listed.customAttributes ?? {}).includes('AirlockRiskScore'));
      const second = setup();
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /already exist/);
    } finally {
      await connection.close();
    }
  });
});
