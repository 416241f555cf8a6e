import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigFile } from '../../config/index.js';
import { ActionRequest, type ActionRequest as Request } from '../../domain/action.js';
import { assess, approvalsRequired } from '../../domain/assess.js';
import type { ResolvedPolicy } from '../../domain/policy.js';
import { exampleYaml } from '../helpers/config.js';

const example = parseConfigFile(exampleYaml(), 'airlock.yaml');

function scoreOf(request: Omit<Request, 'impact' | 'justification' | 'sessionId'> & Partial<Request>, policy: ResolvedPolicy = example.policy) {
  const parsed = ActionRequest.parse({ justification: 'test', sessionId: 's', impact: {}, ...request });
  const tool = example.tools[parsed.tool];
  assert.ok(tool, `example config has ${parsed.tool}`);
  return assess(parsed, tool, policy);
}

describe('default policy with the shipped example config', () => {
  it('dev read of 10 records runs at once', () => {
    const risk = scoreOf({
      tool: 'crm.contacts.read',
      operation: 'read',
      environment: 'dev',
      resources: [{ type: 'contact', id: 'c1' }],
      parameters: {},
      impact: { records: 10 },
    });
    assert.equal(risk.tier, 'auto');
    assert.equal(risk.score, 5);
    assert.equal(risk.approvalsRequired, 0);
  });

  it('staging reversible write of 5 records runs at once', () => {
    const risk = scoreOf({
      tool: 'crm.contacts.update',
      operation: 'write',
      environment: 'staging',
      resources: [{ type: 'contact', id: 'c1' }],
      parameters: {},
      impact: { records: 5, reversible: true },
    });
    assert.equal(risk.tier, 'auto');
    assert.equal(risk.score, 30);
  });

  it('prod irreversible delete of 50 000 records needs approval', () => {
    const risk = scoreOf({
      tool: 'db.records.delete',
      operation: 'delete',
      environment: 'prod',
      resources: [{ type: 'table', id: 'customers' }],
      parameters: {},
      impact: { records: 50_000, reversible: false },
    });
    assert.ok(risk.tier === 'review' || risk.tier === 'critical', `tier ${risk.tier}`);
    assert.equal(risk.score, 90);
    assert.ok(risk.approvalsRequired >= 1);
    assert.ok(risk.factors.some((f) => f.name === 'records' && f.points > 0));
    assert.ok(risk.factors.some((f) => f.name === 'irreversible'));
  });

  it('prod irreversible transfer of 250 000 USD is critical', () => {
    const risk = scoreOf({
      tool: 'payments.transfer',
      operation: 'transfer',
      environment: 'prod',
      resources: [{ type: 'account', id: 'a1' }],
      parameters: {},
      impact: { amountUsd: 250_000, reversible: false },
    });
    assert.equal(risk.tier, 'critical');
    assert.equal(risk.score, 100);
    assert.equal(risk.approvalsRequired, 2);
  });

  it('prod permission change on a restricted resource is critical', () => {
    const risk = scoreOf({
      tool: 'iam.permissions.grant',
      operation: 'permission',
      environment: 'prod',
      resources: [{ type: 'bucket', id: 'payroll', sensitivity: 'restricted' }],
      parameters: { role: 'admin' },
    });
    assert.equal(risk.tier, 'critical');
    assert.equal(risk.score, 85);
    assert.ok(risk.factors.some((f) => f.name === 'rule:restricted-permission-change'));
  });

  it('explains the score: factors add up to it and record the policy version', () => {
    const risk = scoreOf({
      tool: 'crm.contacts.update',
      operation: 'write',
      environment: 'prod',
      resources: [{ type: 'contact', id: 'c1', sensitivity: 'confidential' }],
      parameters: {},
      impact: { records: 2000 },
    });
    const sum = risk.factors.reduce((s, f) => s + f.points, 0);
    assert.equal(risk.score, Math.min(100, sum));
    assert.deepEqual(
      risk.factors.map((f) => f.name),
      ['environment', 'operation', 'sensitivity', 'records', 'toolBaseRisk'],
    );
    assert.equal(risk.policyVersion, 'example-2026-11');
  });
});

describe('policy mechanics', () => {
  const base = example.policy;

  it('a rule raises the tier but never lowers it', () => {
    const raised = scoreOf(
      { tool: 'crm.contacts.read', operation: 'read', environment: 'dev', resources: [], parameters: {} },
      { ...base, rules: [{ name: 'all-crm', when: { tools: ['crm.**'] }, tier: 'review' }] },
    );
    assert.equal(raised.tier, 'review');
    assert.ok(raised.factors.some((f) => f.name === 'rule:all-crm'));

    const notLowered = scoreOf(
      { tool: 'payments.transfer', operation: 'transfer', environment: 'prod', resources: [], parameters: {}, impact: { amountUsd: 1e6 } },
      { ...base, rules: [{ name: 'payments', when: { tools: ['payments.*'] }, tier: 'review' }] },
    );
    assert.equal(notLowered.tier, 'critical');
  });

  it('a deny threshold denies at and above it', () => {
    const policy = { ...base, thresholds: { ...base.thresholds, deny: 95 } };
    const risk = scoreOf(
      { tool: 'payments.transfer', operation: 'transfer', environment: 'prod', resources: [], parameters: {}, impact: { amountUsd: 1e6 } },
      policy,
    );
    assert.equal(risk.score, 100);
    assert.equal(risk.tier, 'deny');
  });

  it('reads are never irreversible; the stricter of tool and agent wins for writes', () => {
    const read = scoreOf({ tool: 'db.records.delete', operation: 'read', environment: 'dev', resources: [], parameters: {} });
    assert.ok(!read.factors.some((f) => f.name === 'irreversible'));
    const claimed = scoreOf({
      tool: 'crm.contacts.update',
      operation: 'write',
      environment: 'dev',
      resources: [],
      parameters: {},
      impact: { reversible: false },
    });
    assert.ok(claimed.factors.some((f) => f.name === 'irreversible'));
    const toolSaysNo = scoreOf({
      tool: 'db.records.delete',
      operation: 'delete',
      environment: 'dev',
      resources: [],
      parameters: {},
      impact: { reversible: true },
    });
    assert.ok(toolSaysNo.factors.some((f) => f.name === 'irreversible'));
  });

  it('the highest sensitivity among the resources counts, unclassified ones as configured', () => {
    const risk = scoreOf({
      tool: 'crm.contacts.read',
      operation: 'read',
      environment: 'dev',
      resources: [
        { type: 'a', id: '1', sensitivity: 'public' },
        { type: 'b', id: '2', sensitivity: 'restricted' },
        { type: 'c', id: '3' },
      ],
      parameters: {},
    });
    assert.deepEqual(risk.factors.find((f) => f.name === 'sensitivity')?.points, 25);
  });

  it('critical needs two approvals, review one, auto none', () => {
    assert.deepEqual(['auto', 'review', 'critical', 'deny'].map((t) => approvalsRequired(t as never)), [0, 1, 2, 0]);
  });

  it('is deterministic', () => {
    const req = { tool: 'payments.refund', operation: 'transfer', environment: 'prod', resources: [], parameters: {}, impact: { amountUsd: 5000 } } satisfies Partial<Request>;
    assert.deepEqual(scoreOf(req), scoreOf(req));
  });
});
