import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { ConfigError, parseConfigFile, parseEnv } from '../../config/index.js';
import { maxConcurrentOf } from '../../domain/config.js';
import { workerSettingsOf } from '../../worker/index.js';
import { exampleYaml } from '../helpers/config.js';
import { ROOT } from '../helpers/env.js';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => i.field);
  }
  assert.fail('expected a ConfigError');
}

function edited(edit: (file: Record<string, any>) => void): string {
  const file = parse(exampleYaml()) as Record<string, any>;
  edit(file);
  return stringify(file);
}

describe('configuration', () => {
  it('the shipped example is valid, with durations in milliseconds', () => {
    const file = parseConfigFile(exampleYaml(), 'airlock.yaml');
    assert.equal(file.approvals.timeout, 3_600_000);
    assert.equal(file.tools['crm.contacts.read']?.retry.initialInterval, 500);
    assert.equal(file.tools['payments.transfer']?.retry.maximumInterval, 60_000);
    assert.equal(file.policy.version, 'example-2026-11');
  });

  it('names each bad field of the file', () => {
    const fields = issuesOf(() =>
      parseConfigFile(
        edited((f) => {
          f.agents[0].keySha256 = 'demo-agent-key';
          f.tools['crm.contacts.read'].retry.initialInterval = 'soon';
          f.tools['crm.contacts.read'].executors.dev.url = 'ftp://example';
          f.tools['crm.contacts.read'].operation = 'browse';
          f.tools['crm.contacts.read'].impact.records = 'ids';
          f.tools['payments.transfer'].executors = {};
          f.grants.ttl = '10m';
          f.resources[0].sensitivity = 'secret';
          f.policy.thresholds.critical = 10;
          f.approvals.timeout = '1 hour';
        }),
        'test.yaml',
      ),
    );
    assert.deepEqual(fields.sort(), [
      'agents[0].keySha256',
      'approvals.timeout',
      'grants.ttl',
      'policy.thresholds.critical',
      'resources[0].sensitivity',
      'tools["crm.contacts.read"].executors.dev.url',
      'tools["crm.contacts.read"].impact.records',
      'tools["crm.contacts.read"].operation',
      'tools["crm.contacts.read"].retry.initialInterval',
      'tools["payments.transfer"].executors',
    ]);
  });

  it('reads breakers and concurrency bounds, and names each bad setting', () => {
    const file = parseConfigFile(exampleYaml(), 'airlock.yaml');
    assert.deepEqual(file.tools['crm.contacts.read']?.breaker, { failures: 5, cooldown: 30_000, maxConcurrent: 10 });
    assert.equal(maxConcurrentOf(file.tools['payments.refund']!), 4, 'the tool’s own bound, which its breaker shares');
    assert.equal(maxConcurrentOf(file.tools['payments.transfer']!), 10, 'a default even without a breaker');
    const fields = issuesOf(() =>
      parseConfigFile(
        edited((f) => {
          f.tools['crm.contacts.read'].breaker = { failures: 0, cooldown: 'soon', maxConcurrent: 10, halfOpen: true };
          f.tools['payments.refund'].breaker.maxConcurrent = 8;
          f.tools['payments.transfer'].maxConcurrent = 0;
        }),
        'test.yaml',
      ),
    );
    assert.deepEqual(fields.sort(), [
      'tools["crm.contacts.read"].breaker.cooldown',
      'tools["crm.contacts.read"].breaker.failures',
      'tools["crm.contacts.read"].breaker.halfOpen',
      'tools["payments.refund"].breaker.maxConcurrent',
      'tools["payments.transfer"].maxConcurrent',
    ]);
  });

  it('a tool parameters schema that is not valid JSON Schema stops start-up naming the tool', () => {
    const fields = issuesOf(() =>
      parseConfigFile(edited((f) => (f.tools['payments.transfer'].parameters = { type: 'object', properties: { amount: { type: 'money' } } })), 'test.yaml'),
    );
    assert.deepEqual(fields, ['tools["payments.transfer"].parameters']);
  });

  it('an environment that is not one Airlock knows is refused as an executor key', () => {
    const fields = issuesOf(() => parseConfigFile(edited((f) => (f.tools['payments.transfer'].executors.qa = f.tools['payments.transfer'].executors.prod)), 'test.yaml'));
    assert.deepEqual(fields, ['tools["payments.transfer"].executors.qa']);
  });

  it('refuses duplicate ids and keys shared between principals', () => {
    const fields = issuesOf(() =>
      parseConfigFile(
        edited((f) => {
          f.operators[1].keySha256 = f.agents[0].keySha256;
          f.agents[1].id = f.agents[0].id;
        }),
        'test.yaml',
      ),
    );
    assert.deepEqual(fields.sort(), ['agents[1].id', 'operators[1].keySha256']);
  });

  it('names the place of a YAML syntax error', () => {
    const fields = issuesOf(() => parseConfigFile('agents: [\n  - id: x\n', 'broken.yaml'));
    assert.deepEqual(fields, ['(yaml)']);
  });

  it('without a version, the policy is named by its content', () => {
    const a = parseConfigFile(edited((f) => delete f.policy.version), 'a.yaml');
    const b = parseConfigFile(edited((f) => ((f.policy.factors.irreversible = 16), delete f.policy.version)), 'b.yaml');
    assert.match(a.policy.version, /^sha256:[0-9a-f]{12}$/);
    assert.notEqual(a.policy.version, b.policy.version);
  });

  it('validates the environment and applies the documented defaults', () => {
    const env = parseEnv({});
    assert.equal(env.PORT, 8080);
    assert.equal(env.TEMPORAL_ADDRESS, 'localhost:7233');
    assert.equal(env.TEMPORAL_NAMESPACE, 'default');
    assert.equal(env.AIRLOCK_TASK_QUEUE, 'airlock');
    assert.equal(env.AIRLOCK_CONFIG, 'airlock.yaml');
    assert.deepEqual(issuesOf(() => parseEnv({ PORT: 'eighty' })), ['PORT']);
    assert.deepEqual(issuesOf(() => parseEnv({ TEMPORAL_TLS_CERT_PATH: '/c.pem' })), ['TEMPORAL_TLS_KEY_PATH']);
  });

  it('AIRLOCK_MAX_CACHED_WORKFLOWS takes a whole number; anything else is refused naming it, and stops a worker at start-up', () => {
    assert.equal(parseEnv({}).AIRLOCK_MAX_CACHED_WORKFLOWS, undefined);
    assert.equal(parseEnv({ AIRLOCK_MAX_CACHED_WORKFLOWS: '300' }).AIRLOCK_MAX_CACHED_WORKFLOWS, 300);
    assert.equal(parseEnv({ AIRLOCK_MAX_CACHED_WORKFLOWS: '0' }).AIRLOCK_MAX_CACHED_WORKFLOWS, 0);
    for (const bad of ['lots', '-1', '2.5', '', '1e3']) {
      assert.deepEqual(issuesOf(() => parseEnv({ AIRLOCK_MAX_CACHED_WORKFLOWS: bad })), ['AIRLOCK_MAX_CACHED_WORKFLOWS'], bad);
    }
    // Checked before the worker connects to anything: no Temporal server is needed to see it refused.
    const res = spawnSync(process.execPath, [join(ROOT, 'dist', 'worker', 'main.js')], {
      env: { ...process.env, AIRLOCK_MAX_CACHED_WORKFLOWS: 'lots', TEMPORAL_ADDRESS: '127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(res.status, 78, res.stderr);
    assert.match(res.stderr, /AIRLOCK_MAX_CACHED_WORKFLOWS: must be a whole number, 0 or more/);
  });

  for (const name of ['AIRLOCK_WORKFLOW_TASK_SLOTS', 'AIRLOCK_WORKFLOW_THREADS'] as const) {
    it(`${name} takes a whole number from 1; 0 or anything else is refused naming it`, () => {
      assert.equal(parseEnv({})[name], undefined);
      assert.equal(parseEnv({ [name]: '3' })[name], 3);
      for (const bad of ['0', 'lots', '-1', '2.5', '']) {
        assert.deepEqual(issuesOf(() => parseEnv({ [name]: bad })), [name], bad);
      }
    });
  }

  it('AIRLOCK_WORKFLOW_STACK_TRACES is off unless true or 1; anything else is refused naming it', () => {
    const name = 'AIRLOCK_WORKFLOW_STACK_TRACES';
    assert.equal(parseEnv({})[name], false);
    assert.equal(parseEnv({ [name]: 'true' })[name], true);
    assert.equal(parseEnv({ [name]: '1' })[name], true);
    assert.equal(parseEnv({ [name]: 'false' })[name], false);
    assert.deepEqual(issuesOf(() => parseEnv({ [name]: 'yes' })), [name]);
  });

  it('limits.concurrentSubmissions is 32 unless set, a whole number from 1; anything else is refused naming it', () => {
    assert.equal(parseConfigFile(edited((f) => delete f.limits.concurrentSubmissions), 'test.yaml').limits.concurrentSubmissions, 32);
    assert.equal(parseConfigFile(edited((f) => delete f.limits), 'test.yaml').limits.concurrentSubmissions, 32);
    assert.equal(parseConfigFile(edited((f) => (f.limits.concurrentSubmissions = 5)), 'test.yaml').limits.concurrentSubmissions, 5);
    for (const bad of [0, 2.5, 'many']) {
      assert.deepEqual(issuesOf(() => parseConfigFile(edited((f) => (f.limits.concurrentSubmissions = bad)), 'test.yaml')), ['limits.concurrentSubmissions'], String(bad));
    }
  });

  it('sessions.batchWindow is 30 s unless set, from 100 ms to 60 s; anything else is refused naming it', () => {
    assert.equal(parseConfigFile(edited((f) => delete f.sessions.batchWindow), 'test.yaml').sessions.batchWindow, 30_000);
    assert.equal(parseConfigFile(edited((f) => delete f.sessions), 'test.yaml').sessions.batchWindow, 30_000);
    assert.equal(parseConfigFile(edited((f) => (f.sessions.batchWindow = '5s')), 'test.yaml').sessions.batchWindow, 5_000);
    assert.equal(parseConfigFile(edited((f) => (f.sessions.batchWindow = '60s')), 'test.yaml').sessions.batchWindow, 60_000);
    for (const bad of ['50ms', '61s', 'soon']) {
      assert.deepEqual(issuesOf(() => parseConfigFile(edited((f) => (f.sessions.batchWindow = bad)), 'test.yaml')), ['sessions.batchWindow'], bad);
    }
  });

  it("the worker's settings come from the environment, and one not set leaves the worker's default", () => {
    assert.deepEqual(workerSettingsOf(parseEnv({})), {});
    assert.deepEqual(
      workerSettingsOf(
        parseEnv({ AIRLOCK_WORKFLOW_STACK_TRACES: 'true', AIRLOCK_MAX_CACHED_WORKFLOWS: '0', AIRLOCK_WORKFLOW_TASK_SLOTS: '7', AIRLOCK_WORKFLOW_THREADS: '3' }),
      ),
      { workflowStackTraces: true, maxCachedWorkflows: 0, workflowTaskSlots: 7, workflowThreads: 3 },
    );
  });

  it('a bad file stops the API process at start-up with a message naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-config-'));
    const path = join(dir, 'airlock.yaml');
    writeFileSync(path, edited((f) => (f.policy.factors.environment.prod = 'high')));
    const res = spawnSync(process.execPath, [join(ROOT, 'dist', 'api', 'main.js')], {
      env: { ...process.env, AIRLOCK_CONFIG: path, PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(res.status, 78, res.stderr);
    assert.match(res.stderr, /policy\.factors\.environment\.prod/);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');

    const missing = spawnSync(process.execPath, [join(ROOT, 'dist', 'api', 'main.js')], {
      env: { ...process.env, AIRLOCK_CONFIG: join(dir, 'nope.yaml') },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(missing.status, 78);
    assert.match(missing.stderr, /AIRLOCK_CONFIG: cannot read .*nope\.yaml: ENOENT/);
  });
});
