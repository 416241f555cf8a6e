import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionPreparer } from '../../api/actions/prepare.js';
import { parseConfigFile, parseEnv, type AirlockConfig } from '../../config/index.js';
import { ActionRequest, type PreviewOutcome, type Risk } from '../../domain/action.js';
import { approvalsRequired } from '../../domain/assess.js';
import { assessVersion } from '../../domain/assess-version.js';
import { extractImpact, resolvePointer, resolveSensitivities } from '../../domain/facts.js';
import type { ResolvedPolicy } from '../../domain/policy.js';
import { ApiError } from '../../api/errors.js';
import { exampleYaml } from '../helpers/config.js';

const example = parseConfigFile(exampleYaml(), 'airlock.yaml');
const agent = example.agents[0]!;

function preparer(policy: ResolvedPolicy = example.policy): ActionPreparer {
  const config: AirlockConfig = { env: parseEnv({}), file: { ...example, policy }, path: 'airlock.yaml' };
  return new ActionPreparer(config);
}

type Submitted = Omit<ActionRequest, 'justification' | 'sessionId' | 'impact' | 'resources'> & Partial<ActionRequest>;

/**
 * Scores a request exactly as the API does (claims checked against the tool's
 * facts, catalog, pointers); for a tool with a preview, with `preview` as its answer.
 */
function scoreOf(request: Submitted, options: { policy?: ResolvedPolicy; preview?: PreviewOutcome } = {}): Risk {
  const parsed = ActionRequest.parse({ justification: 'test', sessionId: 's', resources: [], ...request });
  const input = preparer(options.policy).prepare(agent, parsed, (id) => id, (id) => id);
  if (input.tool.executor.type !== 'http' || !input.tool.executor.previewUrl) return input.risk;
  return assessVersion(input, input.request.parameters, input.request.impact, options.preview ?? { status: 'ok' });
}

describe('default policy with the shipped example config', () => {
  it('dev read of 10 records runs at once (5, auto)', () => {
    const risk = scoreOf({
      tool: 'crm.contacts.read',
      environment: 'dev',
      resources: [{ type: 'contact', id: 'c1' }],
      parameters: { ids: Array.from({ length: 10 }, (_, i) => `c${i}`) },
      impact: { records: 10 },
    });
    assert.equal(risk.score, 5);
    assert.equal(risk.tier, 'auto');
    assert.equal(risk.approvalsRequired, 0);
  });

  it('staging reversible write of 5 records runs at once (30, auto)', () => {
    const risk = scoreOf({
      tool: 'crm.contacts.update',
      environment: 'staging',
      resources: [{ type: 'contact', id: 'c1' }],
      parameters: { set: { tier: 'gold' }, where: { id: 'c1' } },
      impact: { records: 5, reversible: true },
    }, { preview: { status: 'ok', records: 5 } });
    assert.equal(risk.score, 30);
    assert.equal(risk.tier, 'auto');
  });

  it('prod irreversible delete of 50 000 rows of customers is critical (100)', () => {
    const risk = scoreOf({
      tool: 'db.records.delete',
      environment: 'prod',
      resources: [{ type: 'table', id: 'customers' }],
      parameters: { table: 'customers', where: { inactive: true } },
      impact: { records: 50_000, reversible: false },
    }, { preview: { status: 'ok', records: 50_000 } });
    assert.equal(risk.score, 100);
    assert.equal(risk.tier, 'critical');
    assert.equal(risk.approvalsRequired, 2);
    assert.equal(risk.facts?.effective.sensitivity, 'restricted', 'the catalog classifies customers* as restricted');
  });

  it('prod irreversible transfer of 250 000 USD is critical (100)', () => {
    const risk = scoreOf({
      tool: 'payments.transfer',
      environment: 'prod',
      resources: [{ type: 'account', id: 'a1' }],
      parameters: { amount: 250_000, to: 'acct-1' },
      impact: { amountUsd: 250_000, reversible: false },
    });
    assert.equal(risk.score, 100);
    assert.equal(risk.tier, 'critical');
    assert.equal(risk.approvalsRequired, 2);
  });

  it('prod permission change on a restricted resource is critical (85)', () => {
    const risk = scoreOf({
      tool: 'iam.permissions.grant',
      environment: 'prod',
      resources: [{ type: 'bucket', id: 'payroll', sensitivity: 'restricted' }],
      parameters: { role: 'admin', principal: 'u1', resource: 'bucket:payroll' },
    });
    assert.equal(risk.score, 85);
    assert.equal(risk.tier, 'critical');
    assert.ok(risk.factors.some((f) => f.name === 'rule:restricted-permission-change'));
  });

  it('explains the score: factors add up to it and record the policy version', () => {
    const risk = scoreOf({
      tool: 'crm.contacts.update',
      environment: 'prod',
      resources: [{ type: 'contact', id: 'c1', sensitivity: 'confidential' }],
      parameters: { set: {}, where: {} },
      impact: { records: 2000 },
    }, { preview: { status: 'ok', records: 2000 } });
    const sum = risk.factors.reduce((s, f) => s + f.points, 0);
    assert.equal(risk.score, Math.min(100, sum));
    assert.deepEqual(
      risk.factors.map((f) => f.name),
      ['environment', 'operation', 'sensitivity', 'records', 'toolBaseRisk'],
    );
    assert.equal(risk.policyVersion, 'example-2026-11');
  });
});

describe('facts, not claims', () => {
  it('the talked-around transfer: operation read is refused as a claim mismatch, dev has no executor', () => {
    const evil = { tool: 'payments.transfer', parameters: { amount: 250_000, currency: 'USD', to: 'acct-evil' }, impact: {} };
    assert.throws(
      () => scoreOf({ ...evil, operation: 'read', environment: 'prod' }),
      (err: unknown) => err instanceof ApiError && err.code === 'claim_mismatch' && JSON.stringify(err.details).includes('"operation"'),
    );
    assert.throws(
      () => scoreOf({ ...evil, environment: 'dev' }),
      (err: unknown) => err instanceof ApiError && err.code === 'invalid_request' && JSON.stringify(err.details).includes('"environment"'),
    );
  });

  it('with no claims at all, the amount comes from the parameters and the transfer is critical', () => {
    const risk = scoreOf({ tool: 'payments.transfer', environment: 'prod', parameters: { amount: 250_000, to: 'acct-evil' } });
    assert.equal(risk.tier, 'critical');
    assert.equal(risk.facts?.effective.amountUsd, 250_000);
    assert.ok(risk.factors.some((f) => f.name === 'amountUsd' && f.points === 30));
  });

  it('a claim can raise the score but never lower it, and an understatement holds the action for review', () => {
    const refund = { tool: 'payments.refund', environment: 'prod' as const, parameters: { payment: 'p1', amount: 500 } };
    const honest = scoreOf({ ...refund, impact: { amountUsd: 500 } }, { preview: { status: 'ok', amountUsd: 500 } });
    const raised = scoreOf({ ...refund, impact: { amountUsd: 50_000 } }, { preview: { status: 'ok', amountUsd: 500 } });
    assert.ok(raised.score > honest.score, 'a higher claim raises it');
    const low = scoreOf({ tool: 'crm.contacts.read', environment: 'dev', parameters: { ids: Array.from({ length: 2_000 }, (_, i) => `c${i}`) }, impact: { records: 10 } });
    assert.equal(low.facts?.effective.records, 2_000, 'the parameters win over a lower claim');
    assert.ok(low.factors.some((f) => f.name === 'understated' && /claimed 10 records, the parameters say 2000/.test(f.detail)));
    assert.notEqual(low.tier, 'auto');
  });

  it('a preview reporting 48 000 rows against a claim of 10 gives understated and at least review', () => {
    const risk = scoreOf(
      { tool: 'db.records.delete', environment: 'staging', parameters: { table: 'orders', where: {} }, impact: { records: 10 } },
      { preview: { status: 'ok', records: 48_000, summary: 'would delete 48 000 rows' } },
    );
    assert.ok(risk.factors.some((f) => f.name === 'understated' && /claimed 10 records, the preview says 48000/.test(f.detail)));
    assert.notEqual(risk.tier, 'auto');
    assert.equal(risk.preview?.summary, 'would delete 48 000 rows');
  });

  it('a preview that cannot be had holds even a harmless action for review', () => {
    const ok = scoreOf({ tool: 'crm.contacts.update', environment: 'staging', parameters: { set: {}, where: { id: 1 } } }, { preview: { status: 'ok', records: 1 } });
    assert.equal(ok.tier, 'auto');
    const down = scoreOf({ tool: 'crm.contacts.update', environment: 'staging', parameters: { set: {}, where: { id: 1 } } }, { preview: { status: 'unavailable', error: 'HTTP 503' } });
    assert.equal(down.tier, 'review');
    assert.ok(down.factors.some((f) => f.name === 'preview_unavailable'));
  });

  it('before its preview answers, a tool with a preview is never auto (the API’s fail-closed risk)', () => {
    const parsed = ActionRequest.parse({ tool: 'crm.contacts.update', environment: 'staging', parameters: { set: {}, where: { id: 1 } }, resources: [], justification: 'j', sessionId: 's' });
    const input = preparer().prepare(agent, parsed, (id) => id, (id) => id);
    assert.equal(input.risk.tier, 'review');
    assert.ok(input.risk.factors.some((f) => f.name === 'preview_unavailable'));
  });

  it('parameters that break the tool’s schema are refused naming the path', () => {
    assert.throws(
      () => scoreOf({ tool: 'payments.transfer', environment: 'prod', parameters: { amount: 'lots', to: 'x', memo: 1 } }),
      (err: unknown) => {
        const fields = (err as ApiError).details as { field: string }[];
        return err instanceof ApiError && fields.some((f) => f.field === 'parameters.amount') && fields.some((f) => f.field === 'parameters.memo');
      },
    );
    assert.throws(
      () => scoreOf({ tool: 'payments.transfer', environment: 'prod', parameters: { amount: 1 } }),
      (err: unknown) => err instanceof ApiError && ((err.details as { field: string }[])[0]?.field === 'parameters.to'),
    );
  });

  it('sensitivity: the catalog and the tool’s floor count whatever the agent says; a claim only raises it', () => {
    const catalog = example.resources;
    assert.deepEqual(resolveSensitivities([{ type: 'table', id: 'customers_eu', sensitivity: 'public' }], catalog, undefined, 'internal'), ['restricted']);
    assert.deepEqual(resolveSensitivities([], catalog, 'confidential', 'internal'), ['confidential']);
    assert.deepEqual(resolveSensitivities([], catalog, undefined, 'internal'), ['internal']);
    assert.deepEqual(resolveSensitivities([{ type: 'thing', id: 'x' }], catalog, 'public', 'internal'), ['public', 'internal']);
    assert.deepEqual(resolveSensitivities([{ type: 'contact', id: 'c', sensitivity: 'restricted' }], catalog, undefined, 'public'), ['restricted']);
  });

  it('claiming "public" for a resource nobody classified does not lower it below unclassified', () => {
    assert.deepEqual(resolveSensitivities([{ type: 'thing', id: 'x', sensitivity: 'public' }], example.resources, undefined, 'internal'), ['internal']);
    const honest = scoreOf({ tool: 'crm.contacts.read', environment: 'dev', resources: [{ type: 'note', id: 'n1' }], parameters: {} });
    const claimed = scoreOf({ tool: 'crm.contacts.read', environment: 'dev', resources: [{ type: 'note', id: 'n1', sensitivity: 'public' }], parameters: {} });
    assert.equal(claimed.score, honest.score);
  });

  it('impact pointers follow RFC 6901; an array counts its length; anything else cannot be checked', () => {
    const doc = { 'a/b': { '~k': [1, 2, 3] }, amount: '12.5', list: [{ n: 4 }], obj: { x: 1 } };
    assert.deepEqual(resolvePointer(doc, '/a~1b/~0k/2'), { found: true, value: 3 });
    assert.deepEqual(resolvePointer(doc, '/list/01'), { found: false });
    assert.deepEqual(resolvePointer(doc, '/constructor'), { found: false });
    assert.deepEqual(extractImpact(doc, { records: '/a~1b/~0k', amountUsd: '/amount', users: '/obj' }), {
      found: { records: 3, amountUsd: 12.5 },
      unreadable: ['users'],
    });
    const risk = scoreOf({ tool: 'payments.transfer', environment: 'prod', parameters: { amount: 5, to: 'x' } });
    assert.equal(risk.facts?.extracted.amountUsd, 5);
  });
});

describe('policy mechanics', () => {
  const base = example.policy;

  it('a rule raises the tier but never lowers it', () => {
    const raised = scoreOf(
      { tool: 'crm.contacts.read', environment: 'dev', parameters: {} },
      { policy: { ...base, rules: [{ name: 'all-crm', when: { tools: ['crm.**'] }, tier: 'review' }] } },
    );
    assert.equal(raised.tier, 'review');
    assert.ok(raised.factors.some((f) => f.name === 'rule:all-crm'));

    const notLowered = scoreOf(
      { tool: 'payments.transfer', environment: 'prod', parameters: { amount: 1e6, to: 'x' } },
      { policy: { ...base, rules: [{ name: 'payments', when: { tools: ['payments.*'] }, tier: 'review' }] } },
    );
    assert.equal(notLowered.tier, 'critical');
  });

  it('a deny threshold denies at and above it', () => {
    const risk = scoreOf(
      { tool: 'payments.transfer', environment: 'prod', parameters: { amount: 1e6, to: 'x' } },
      { policy: { ...base, thresholds: { ...base.thresholds, deny: 95 } } },
    );
    assert.equal(risk.score, 100);
    assert.equal(risk.tier, 'deny');
  });

  it('reads are never irreversible; the strictest of tool, preview and agent wins otherwise', () => {
    const read = scoreOf({ tool: 'crm.contacts.read', environment: 'dev', parameters: {} });
    assert.ok(!read.factors.some((f) => f.name === 'irreversible'));
    const claimed = scoreOf({ tool: 'crm.contacts.update', environment: 'staging', parameters: { set: {}, where: {} }, impact: { reversible: false } });
    assert.ok(claimed.factors.some((f) => f.name === 'irreversible' && /agent/.test(f.detail)));
    const previewed = scoreOf({ tool: 'crm.contacts.update', environment: 'staging', parameters: { set: {}, where: {} } }, { preview: { status: 'ok', reversible: false } });
    assert.ok(previewed.factors.some((f) => f.name === 'irreversible' && /preview/.test(f.detail)));
    const toolSaysNo = scoreOf({ tool: 'db.records.delete', environment: 'staging', parameters: { table: 't', where: {} }, impact: { reversible: true } });
    assert.ok(toolSaysNo.factors.some((f) => f.name === 'irreversible' && /tool/.test(f.detail)));
    assert.ok(toolSaysNo.factors.some((f) => f.name === 'understated'), 'claiming reversible for an irreversible tool is an understatement');
  });

  it('critical needs two approvals, review one, auto none', () => {
    assert.deepEqual(['auto', 'review', 'critical', 'deny'].map((t) => approvalsRequired(t as never)), [0, 1, 2, 0]);
  });

  it('is deterministic', () => {
    const req = { tool: 'payments.refund', environment: 'prod', parameters: { payment: 'p', amount: 5000 }, impact: { amountUsd: 5000 } } satisfies Submitted;
    assert.deepEqual(scoreOf(req), scoreOf(req));
  });
});
