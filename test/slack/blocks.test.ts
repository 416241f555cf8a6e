import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import { approvalCard, editModal, ownerNotice, rejectModal, resultText, type CardContext } from '../../slack/blocks.js';
import { escapeMrkdwn, mention } from '../../slack/escape.js';
import { SLACK_IDS } from '../../slack/ids.js';
import { ROOT } from '../helpers/env.js';

function state(patch: Partial<ActionState> = {}): ActionState {
  return {
    id: 'billing-agent.0123456789abcdef01234567',
    agentId: 'billing-agent',
    sessionId: 's-1',
    tool: 'payments.transfer',
    operation: 'transfer',
    environment: 'prod',
    status: 'awaiting_approval',
    risk: {
      score: 100,
      tier: 'critical',
      factors: [{ name: 'environment', points: 25, detail: 'runs in prod' }],
      policyVersion: 'v1',
      approvalsRequired: 2,
    },
    approvals: [],
    versions: [{ version: 1, parameters: { amountUsd: 250000 }, impact: { amountUsd: 250000 }, by: 'agent:billing-agent', at: '2026-11-22T00:00:00.000Z' }],
    attempts: 0,
    requestHash: 'h',
    createdAt: '2026-11-22T00:00:00.000Z',
    updatedAt: '2026-11-22T00:00:00.000Z',
    links: { temporalUi: 'http://localhost:8233/namespaces/default/workflows/action-x' },
    ...patch,
  };
}

const ctx = (s: ActionState): CardContext => ({
  state: s,
  owner: 'U0DAVE',
  justification: 'settle <!everyone>',
  resources: [{ type: 'account', id: 'acct<@U1>', sensitivity: 'confidential' }],
  approvers: ['U0ALICE', 'S0ONCALL', 'carol'],
  expiresAt: '2026-11-22T01:00:00.000Z',
});

const text = (value: unknown) => JSON.stringify(value);

describe('Block Kit builders', () => {
  it('a card awaiting approval has the three decision buttons and the Temporal link', () => {
    const card = approvalCard(ctx(state()));
    const actions = card.blocks.find((b) => b.type === 'actions');
    assert.ok(actions && actions.type === 'actions');
    assert.deepEqual(
      actions.elements.map((e) => ('action_id' in e ? e.action_id : '')),
      [SLACK_IDS.approve, SLACK_IDS.edit, SLACK_IDS.reject, SLACK_IDS.openTemporal],
    );
    assert.match(text(card.blocks), /Needs 2 approvals from <@U0ALICE>, <!subteam\^S0ONCALL>, carol/);
    assert.match(card.text, /CRITICAL · risk 100/);
  });

  it('a decided card keeps only the link, and says who decided', () => {
    const decided = state({
      status: 'succeeded',
      approvals: [
        { by: 'U0ALICE', decision: 'approve', at: 'x', via: 'slack', version: 1 },
        { by: 'U0CAROL', decision: 'approve', at: 'y', via: 'api', version: 1 },
      ],
    });
    const card = approvalCard(ctx(decided));
    const actions = card.blocks.find((b) => b.type === 'actions');
    assert.ok(actions && actions.type === 'actions');
    assert.deepEqual(actions.elements.map((e) => ('action_id' in e ? e.action_id : '')), [SLACK_IDS.openTemporal]);
    assert.match(text(card.blocks), /Approved by <@U0ALICE>, <@U0CAROL> — executed/);
  });

  it('every final state has its own line', () => {
    const lines = {
      expired: /Expired/,
      denied: /Denied by policy/,
      cancelled: /Cancelled by the agent/,
      rejected: /Rejected by <@U0BOB>: too broad/,
    } as const;
    for (const [status, pattern] of Object.entries(lines)) {
      const s = state({
        status: status as ActionState['status'],
        cancelledBy: 'agent:billing-agent',
        approvals: status === 'rejected' ? [{ by: 'U0BOB', decision: 'reject', reason: 'too broad', at: 'x', via: 'slack', version: 1 }] : [],
      });
      assert.match(text(approvalCard(ctx(s)).blocks), pattern, status);
    }
  });

  it('escapes every piece of agent text', () => {
    const blocks = text(approvalCard(ctx(state({ versions: [{ version: 1, parameters: { note: '<!here> <http://x|y>' }, impact: {}, by: 'agent:a', at: 'x' }] }))).blocks);
    assert.ok(!blocks.includes('<!everyone>'));
    assert.ok(!blocks.includes('<@U1>'));
    assert.ok(!blocks.includes('<!here>'));
    assert.ok(!blocks.includes('<http://x|y>'));
    assert.equal(escapeMrkdwn('a & <b> @channel'), 'a &amp; &lt;b&gt; @\u2060channel');
    assert.equal(mention('U0ALICE'), '<@U0ALICE>');
    assert.equal(mention('S0GROUP'), '<!subteam^S0GROUP>');
    assert.equal(mention('<!channel>'), '&lt;!channel&gt;');
  });

  it('long parameters are cut, with the full call one click away', () => {
    const big = { rows: 'x'.repeat(5000) };
    const blocks = text(approvalCard(ctx(state({ versions: [{ version: 1, parameters: big, impact: {}, by: 'agent:a', at: 'x' }] }))).blocks);
    assert.match(blocks, /Truncated: the full call is in the <http:\/\/localhost:8233/);
    assert.ok(blocks.length < 9000);
  });

  it('modals carry the action in private metadata and have the inputs the listeners read', () => {
    const meta = { actionId: 'billing-agent.0123456789abcdef01234567', channel: 'C1', ts: '1.2' };
    const reject = rejectModal(meta, state());
    assert.equal(reject.callback_id, SLACK_IDS.rejectView);
    assert.deepEqual(JSON.parse(reject.private_metadata ?? ''), meta);
    assert.match(text(reject.blocks), new RegExp(SLACK_IDS.reasonInput));
    const edit = editModal(meta, state());
    assert.equal(edit.callback_id, SLACK_IDS.editView);
    for (const id of [SLACK_IDS.parametersInput, SLACK_IDS.recordsInput, SLACK_IDS.amountInput, SLACK_IDS.usersInput]) assert.match(text(edit.blocks), new RegExp(id));
    assert.match(text(edit.blocks), /250000/);
  });

  it('result and owner messages', () => {
    assert.match(resultText(state({ status: 'succeeded', attempts: 2, result: { httpStatus: 200, body: '', truncated: false } })), /succeeded after 2 attempts/);
    assert.match(resultText(state({ status: 'failed', attempts: 3, error: { code: 'X', message: 'executor answered 500' } })), /failed after 3 attempts: executor answered 500/);
    assert.match(ownerNotice(state({ status: 'failed', attempts: 1, error: { code: 'X', message: 'boom' } })), /failed after 1 attempt/);
  });

  it('the app manifest enables interactivity at /slack/events with the scopes the activities use', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'slack', 'manifest.json'), 'utf8'));
    assert.equal(manifest.settings.interactivity.is_enabled, true);
    assert.match(manifest.settings.interactivity.request_url, /\/slack\/events$/);
    for (const scope of ['chat:write', 'im:write', 'usergroups:read']) assert.ok(manifest.oauth_config.scopes.bot.includes(scope), scope);
  });
});
