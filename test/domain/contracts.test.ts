import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionRequest } from '../../domain/action.js';
import { DecisionBody } from '../../domain/decision.js';
import { parseDuration } from '../../domain/duration.js';
import { matchesAny } from '../../domain/glob.js';
import { fieldIssues } from '../../lib/issues.js';
import { REQUESTS } from '../helpers/config.js';

function fieldsOf(result: { success: boolean; error?: unknown }) {
  assert.equal(result.success, false);
  return fieldIssues(result.error as never).map((i) => i.field);
}

describe('ActionRequest', () => {
  it('accepts a full request and defaults impact', () => {
    const { impact: _impact, ...rest } = REQUESTS.devRead();
    const parsed = ActionRequest.parse(rest);
    assert.deepEqual(parsed.impact, {});
  });

  it('names every bad field, unknown ones included', () => {
    const fields = fieldsOf(
      ActionRequest.safeParse({
        ...REQUESTS.devRead(),
        operation: 'steal',
        environment: 'moon',
        resources: [{ type: 'x', id: 'y', sensitivity: 'secret' }],
        impact: { records: -1, amountUsd: 'lots' },
        surprise: true,
      }),
    );
    assert.deepEqual(fields.sort(), ['environment', 'impact.amountUsd', 'impact.records', 'operation', 'resources[0].sensitivity', 'surprise']);
  });

  it('requires parameters to be a JSON object and a non-blank justification', () => {
    const fields = fieldsOf(ActionRequest.safeParse({ ...REQUESTS.devRead(), parameters: [1, 2], justification: '   ' }));
    assert.deepEqual(fields.sort(), ['justification', 'parameters']);
  });
});

describe('DecisionBody', () => {
  it('a rejection needs a reason, an approval does not', () => {
    assert.ok(DecisionBody.safeParse({ decision: 'approve', version: 1 }).success);
    assert.deepEqual(fieldsOf(DecisionBody.safeParse({ decision: 'reject', version: 1 })), ['reason']);
    assert.ok(DecisionBody.safeParse({ decision: 'reject', version: 1, reason: 'too broad' }).success);
  });

  it('every decision names the version it decides; a reason is at most 2 000 characters', () => {
    assert.deepEqual(fieldsOf(DecisionBody.safeParse({ decision: 'approve' })), ['version']);
    assert.deepEqual(fieldsOf(DecisionBody.safeParse({ decision: 'approve', version: 0 })), ['version']);
    assert.deepEqual(fieldsOf(DecisionBody.safeParse({ decision: 'approve', version: 1, paramsSha256: 'abc' })), ['paramsSha256']);
    assert.deepEqual(fieldsOf(DecisionBody.safeParse({ decision: 'reject', version: 1, reason: 'x'.repeat(2001) })), ['reason']);
  });
});

describe('durations', () => {
  it('parses the units the configuration uses', () => {
    assert.equal(parseDuration('100ms'), 100);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('10'), undefined);
    assert.equal(parseDuration('soon'), undefined);
  });
});

describe('tool globs', () => {
  it('* stays in one segment, ** crosses them', () => {
    assert.ok(matchesAny('payments.refund', ['payments.*']));
    assert.ok(!matchesAny('payments.refund.partial', ['payments.*']));
    assert.ok(matchesAny('payments.refund.partial', ['payments.**']));
    assert.ok(!matchesAny('paymentsXrefund', ['payments.*']));
    assert.ok(matchesAny('crm.contacts.read', ['crm.contacts.rea?']));
    assert.ok(!matchesAny('billing.refund', ['payments.*', 'crm.**']));
  });
});
