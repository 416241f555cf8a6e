import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ActionState, ActionVersion, Approval } from '../../domain/action.js';
import { paramsSha256 } from '../../lib/params-hash.js';
import { approvalCard, editModal, minimalCard, ownerNotice, rejectModal, resultText, SLACK_LIMITS, type CardContext } from '../../slack/blocks.js';
import { cutText, escapeMrkdwn, mention, utf8Length } from '../../slack/escape.js';
import { encodeCardRef, parseCardRef, parseModalMetadata, SLACK_IDS } from '../../slack/ids.js';
import { ROOT } from '../helpers/env.js';
import { slackRefusal } from '../helpers/slack.js';

function version(parameters: Record<string, unknown>, patch: Partial<ActionVersion> = {}): ActionVersion {
  return { version: 1, parameters, impact: {}, paramsSha256: paramsSha256(parameters), by: 'agent:billing-agent', at: '2026-11-22T00:00:00.000Z', ...patch };
}

function approval(by: string, patch: Partial<Approval> = {}): Approval {
  return { by, decision: 'approve', at: 'x', via: 'slack', version: 1, paramsSha256: 'h', ids: [by], ...patch };
}

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
    versions: [version({ amountUsd: 250000 }, { impact: { amountUsd: 250000 } })],
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
      approvals: [approval('U0ALICE'), approval('U0CAROL', { via: 'api' })],
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
        approvals: status === 'rejected' ? [approval('U0BOB', { decision: 'reject', reason: 'too broad' })] : [],
      });
      assert.match(text(approvalCard(ctx(s)).blocks), pattern, status);
    }
  });

  it('escapes every piece of agent text', () => {
    const blocks = text(approvalCard(ctx(state({ versions: [version({ note: '<!here> <http://x|y>' })] }))).blocks);
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
    const blocks = text(approvalCard(ctx(state({ versions: [version(big)] }))).blocks);
    assert.match(blocks, /Cut to fit Slack: the full text is in the <http:\/\/localhost:8233\/namespaces\/default\/workflows\/action-x\|Temporal UI>/);
    assert.ok(blocks.length < 9000);
  });

  it('keeps every block within Slack’s limits whatever the agent sends, and marks what it cut', () => {
    const hostile: [string, Partial<CardContext>, Partial<ActionState>][] = [
      ['a 40 000-character justification', { justification: 'j'.repeat(40_000) }, {}],
      ['1 500 newlines', { justification: `a${'\n'.repeat(1500)}b` }, {}],
      ['ten 500-character resource ids', { resources: Array.from({ length: 10 }, (_, i) => ({ type: 'contact', id: `${i}`.repeat(500) })) }, {}],
      ['a hundred resources', { resources: Array.from({ length: 100 }, (_, i) => ({ type: 't'.repeat(100), id: `${i}&`.repeat(100) })) }, {}],
      ['parameters of 2 600 &', {}, { versions: [version({ note: '&'.repeat(2600) })] }],
      ['parameters of 2 600 ‹', {}, { versions: [version({ note: '‹'.repeat(2600) })] }],
      ['parameters of emoji', {}, { versions: [version({ note: '🙂'.repeat(2000) })] }],
      // Beyond what the API accepts (200): the builder does not rely on it.
      ['a 1 000-character session of <', {}, { sessionId: '<'.repeat(1000) }],
      ['an approver list of 300', { approvers: Array.from({ length: 300 }, (_, i) => `U${String(i).padStart(8, '0')}`) }, {}],
      [
        'a long preview summary and factor details',
        {},
        {
          risk: {
            ...state().risk,
            preview: { status: 'ok', summary: '&<'.repeat(1000) },
            factors: Array.from({ length: 60 }, (_, i) => ({ name: `understated${i}`, points: 0, detail: `claimed 1, found ${'9'.repeat(400)} &` })),
          },
        },
      ],
      ['a 120-character tool name (the longest there is)', { justification: 'x'.repeat(5000) }, { tool: `${'t'.repeat(59)}.${'u'.repeat(60)}` }],
      ['a 2 000-character rejection reason', {}, { status: 'rejected', approvals: [approval('U0BOB', { decision: 'reject', reason: '<'.repeat(2000) })] }],
    ];
    for (const [what, context, patch] of hostile) {
      for (const escalated of [false, true]) {
        const card = approvalCard({ ...ctx(state(patch)), ...context, escalated });
        assert.equal(slackRefusal('chat.postMessage', card), undefined, `${what}: ${JSON.stringify(slackRefusal('chat.postMessage', card))}`);
        assert.ok(card.blocks.length <= SLACK_LIMITS.blocks);
        assert.match(text(card.blocks), /Cut to fit Slack: the full text is in the <http:\/\/localhost:8233[^|]*\|Temporal UI>/, `${what} says it was cut`);
      }
    }
    // Nothing cut, nothing said.
    assert.doesNotMatch(text(approvalCard(ctx(state())).blocks), /Cut to fit/);
  });

  it('cuts by UTF-8 bytes, never inside a character, an entity, a marker or a link', () => {
    for (const sample of ['‹'.repeat(50), '🙂'.repeat(50), 'a&amp;'.repeat(20), '[U+202E]'.repeat(20), '<@U0ALICE>, '.repeat(20)]) {
      for (let max = 4; max < 60; max++) {
        const { text: cut, cut: wasCut } = cutText(sample, max);
        assert.ok(wasCut);
        assert.ok(Buffer.byteLength(cut) <= max, `${sample.slice(0, 8)} at ${max}: ${Buffer.byteLength(cut)}`);
        assert.ok(cut.endsWith('…'));
        const body = cut.slice(0, -1);
        assert.doesNotMatch(body, /&[a-z]*$|\[U?\+?[0-9A-F]*$|<[^>]*$/, `${JSON.stringify(cut)} splits a token`);
        assert.ok(sample.startsWith(body));
      }
    }
    for (const sample of ['plain', '‹€', '🙂a', 'é\u202E']) assert.equal(utf8Length(sample), Buffer.byteLength(sample));
    assert.deepEqual(cutText('short', 5), { text: 'short', cut: false });
  });

  it('backticks in agent text cannot open or close a code span or block', () => {
    const s = state({ versions: [version({ sql: '```\n*bold* <!channel>\n``` `x`' })] });
    const card = approvalCard({ ...ctx(s), resources: [{ type: 'table`', id: '`users` ```' }], justification: 'see ```code```' });
    const blocks = card.blocks.map((b) => text(b));
    const parameters = blocks.find((b) => b.includes('*Parameters*'))!;
    assert.equal(parameters.split('```').length - 1, 2, 'only our own fences');
    const resources = blocks.find((b) => b.includes('*Resources*'))!;
    assert.equal(resources.split('`').length - 1, 2, 'only our own inline code');
    assert.ok(!blocks.find((b) => b.includes('*Justification*'))!.includes('`'));
    assert.match(parameters, /\u02cb\u02cb\u02cb|ˋˋˋ/);
  });

  it('neutralises bidi overrides and zero-width characters with a visible marker', () => {
    const invisible = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u180E'];
    const sneaky = `pay ${invisible.join('x')} evil`;
    const s = state({ sessionId: sneaky, versions: [version({ to: sneaky })], risk: { ...state().risk, preview: { status: 'ok', summary: sneaky } } });
    const card = approvalCard({ ...ctx(s), justification: sneaky, resources: [{ type: 'account', id: sneaky }] });
    const all = card.text + JSON.stringify(card.blocks);
    for (const c of invisible) {
      assert.ok(!JSON.parse(JSON.stringify(all)).includes(c), `U+${c.codePointAt(0)!.toString(16)} reached the card`);
      assert.ok(all.includes(`[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`));
    }
    // Our own word joiner, which keeps @here from pinging, is the one exception.
    assert.equal(escapeMrkdwn('@here \u2060'), '@\u2060here [U+2060]');
    // In the edit modal they are JSON escapes: visible, and the same JSON.
    const modal = editModal({ actionId: s.id, version: 1, paramsSha256: s.versions[0]!.paramsSha256 }, s);
    const input = text(modal.blocks).match(/"initial_value":"((?:[^"\\]|\\.)*)"/)![1]!;
    const initial = JSON.parse(`"${input}"`) as string;
    assert.ok(invisible.every((c) => !initial.includes(c)));
    assert.match(initial, /\\u202e/);
    assert.deepEqual(JSON.parse(initial), { to: sneaky });
  });

  it('the card shows the preview summary, or that there is none, and the understated factor, escaped', () => {
    const previewed = state({
      risk: {
        ...state().risk,
        preview: { status: 'ok', summary: 'moves 250 000 USD to <acct-1>' },
        factors: [{ name: 'understated', points: 0, detail: 'claimed 10 records, the preview says 5000; needs at least review' }],
      },
    });
    const blocks = text(approvalCard(ctx(previewed)).blocks);
    assert.match(blocks, /\*Preview\*\\nmoves 250 000 USD to &lt;acct-1&gt;/);
    assert.match(blocks, /understated: claimed 10 records, the preview says 5000/);
    assert.match(text(approvalCard(ctx(state())).blocks), /\*Preview\*\\n_preview unavailable_/);
    const failed = state({ risk: { ...state().risk, preview: { status: 'unavailable', error: 'timed out <after 5s>' } } });
    assert.match(text(approvalCard(ctx(failed)).blocks), /_preview unavailable_: timed out &lt;after 5s&gt;/);
  });

  it('buttons and modals name the action, the version and its hash, and parse back only when valid', () => {
    const edited = state({ versions: [version({ amountUsd: 250000 }), version({ amountUsd: 1 }, { version: 2, by: 'U0ALICE' })] });
    const card = approvalCard(ctx(edited));
    const actions = card.blocks.find((b) => b.type === 'actions');
    assert.ok(actions && actions.type === 'actions');
    const values = actions.elements.flatMap((e) => ('value' in e && e.value ? [e.value] : []));
    assert.equal(values.length, 3);
    for (const value of values) {
      assert.ok(utf8Length(value) <= SLACK_LIMITS.buttonValue);
      assert.deepEqual(parseCardRef(value), { actionId: edited.id, version: 2, paramsSha256: paramsSha256({ amountUsd: 1 }) });
    }
    const ref = parseCardRef(values[0])!;
    for (const bad of [
      undefined,
      '',
      edited.id,
      'not json',
      encodeCardRef({ ...ref, actionId: 'Billing-Agent.0123456789abcdef01234567' }),
      encodeCardRef({ ...ref, actionId: 'billing-agent.0123' }),
      encodeCardRef({ ...ref, actionId: '../../etc.0123456789abcdef01234567' }),
      encodeCardRef({ ...ref, version: 0 }),
      encodeCardRef({ ...ref, paramsSha256: 'abc' }),
      JSON.stringify({ ...ref, extra: 1 }),
      JSON.stringify({ ...ref, actionId: 'a'.repeat(3000) }),
    ]) {
      assert.equal(parseCardRef(bad), undefined, String(bad));
    }
    const meta = { ...ref, channel: 'C0APPROVALS', ts: '1800000001.000100' };
    for (const view of [rejectModal(meta, edited), editModal(meta, edited)]) {
      assert.deepEqual(parseModalMetadata(view.private_metadata), meta);
      assert.ok(utf8Length(view.private_metadata!) <= SLACK_LIMITS.privateMetadata);
      assert.equal(slackRefusal('views.open', { view }), undefined);
    }
    assert.equal(parseModalMetadata(JSON.stringify({ ...meta, channel: '<!channel>' })), undefined);
  });

  it('modals carry the action in private metadata and have the inputs the listeners read', () => {
    const meta = { actionId: 'billing-agent.0123456789abcdef01234567', version: 1, paramsSha256: paramsSha256({ amountUsd: 250000 }), channel: 'C1', ts: '1.2' };
    const reject = rejectModal(meta, state());
    assert.equal(reject.callback_id, SLACK_IDS.rejectView);
    assert.deepEqual(JSON.parse(reject.private_metadata ?? ''), meta);
    assert.match(text(reject.blocks), new RegExp(SLACK_IDS.reasonInput));
    const edit = editModal(meta, state());
    assert.equal(edit.callback_id, SLACK_IDS.editView);
    for (const id of [SLACK_IDS.parametersInput, SLACK_IDS.recordsInput, SLACK_IDS.amountInput, SLACK_IDS.usersInput]) assert.match(text(edit.blocks), new RegExp(id));
    assert.match(text(edit.blocks), /250000/);
  });

  it('the edit modal never prefills cut JSON: parameters too large for the input point to the API instead', () => {
    const meta = { actionId: 'billing-agent.0123456789abcdef01234567', version: 1, paramsSha256: 'a'.repeat(64) };
    // 1 000 ‹ are 1 000 characters but 3 000 bytes: counted as bytes, they do not fit.
    for (const parameters of [{ rows: 'x'.repeat(3000) }, { note: '‹'.repeat(1000) }]) {
      const big = editModal(meta, state({ versions: [version(parameters)] }));
      assert.ok(!('submit' in big), 'nothing to submit');
      assert.doesNotMatch(text(big.blocks), /plain_text_input|initial_value/);
      assert.match(text(big.blocks), /too large to edit in Slack/);
      assert.match(text(big.blocks), /POST \/v1\/actions\/billing-agent\.0123456789abcdef01234567\/decision/);
      assert.equal(slackRefusal('views.open', { view: big }), undefined);
    }
    const fits = editModal(meta, state({ versions: [version({ rows: 'x'.repeat(2900) })] }));
    assert.equal(slackRefusal('views.open', { view: fits }), undefined);
    assert.match(text(fits.blocks), /initial_value/);
  });

  it('the minimal card has the id, tool, tier, score and link, and the buttons only while awaiting approval', () => {
    const awaiting = minimalCard(ctx(state()));
    const blocks = text(awaiting.blocks);
    for (const part of ['billing-agent.0123456789abcdef01234567', 'payments.transfer', 'CRITICAL', 'risk 100', 'http://localhost:8233/namespaces/default/workflows/action-x']) {
      assert.ok(blocks.includes(part), part);
    }
    for (const id of [SLACK_IDS.approve, SLACK_IDS.edit, SLACK_IDS.reject]) assert.ok(blocks.includes(id), id);
    assert.equal(slackRefusal('chat.postMessage', awaiting), undefined);
    assert.ok(!text(minimalCard(ctx(state({ status: 'rejected' }))).blocks).includes(SLACK_IDS.approve));
    assert.ok(!text(minimalCard(ctx(state()), { buttons: false }).blocks).includes(SLACK_IDS.approve));
  });

  it('the stand-in refuses what Slack refuses, so the tests above can fail', () => {
    const ok = approvalCard(ctx(state()));
    const section = (t: string) => ({ type: 'section', text: { type: 'mrkdwn', text: t } });
    assert.equal(slackRefusal('chat.postMessage', { blocks: [section('a'.repeat(3000))] }), undefined);
    assert.equal(slackRefusal('chat.postMessage', { blocks: [section('‹'.repeat(1001))] })?.error, 'invalid_blocks');
    assert.equal(slackRefusal('chat.postMessage', { blocks: [section('a'.repeat(3001))] })?.error, 'invalid_blocks');
    assert.equal(slackRefusal('chat.postMessage', { blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] })?.error, 'invalid_blocks');
    assert.equal(slackRefusal('chat.postMessage', { blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }] })?.error, 'invalid_blocks');
    assert.equal(slackRefusal('chat.postMessage', { blocks: Array.from({ length: 51 }, () => section('x')) })?.error, 'invalid_blocks');
    const button = { type: 'actions', elements: [{ type: 'button', action_id: 'a', value: 'v'.repeat(2001), text: { type: 'plain_text', text: 'b' } }] };
    assert.equal(slackRefusal('chat.postMessage', { blocks: [button] })?.error, 'invalid_blocks');
    const view = rejectModal({ actionId: 'a.0123456789abcdef01234567', version: 1, paramsSha256: 'a'.repeat(64) }, state());
    assert.equal(slackRefusal('views.open', { view: { ...view, private_metadata: 'm'.repeat(3001) } })?.error, 'invalid_arguments');
    const input = { type: 'input', label: { type: 'plain_text', text: 'l' }, element: { type: 'plain_text_input', action_id: 'p', initial_value: 'i'.repeat(3001) } };
    assert.equal(slackRefusal('views.open', { view: { ...view, blocks: [input] } })?.error, 'invalid_arguments');
    assert.equal(slackRefusal('chat.postMessage', ok), undefined);
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
