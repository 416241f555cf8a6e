import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import { currentVersion } from '../../domain/approval-rules.js';
import { encodeCardRef, encodeModalMetadata, SLACK_IDS, type CardRef } from '../../slack/ids.js';
import { createLogger } from '../../lib/logger.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { buttonClick, sendInteraction, slackSignature, startSlackStandIn, viewSubmission, type SlackStandIn } from '../helpers/slack.js';
import { eventually, startStack, type Stack, type StackOptions } from '../helpers/stack.js';

const FAST_SLACK_RETRY = { maxAttempts: 4, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '200ms' };

function slackStackOptions(slack: SlackStandIn, approvals: Record<string, unknown> = {}): StackOptions {
  return {
    slack,
    edit: (file) => {
      Object.assign(file.approvals, {
        channel: 'C0APPROVALS',
        routes: [{ when: { tiers: ['critical'] }, channel: 'C0CRITICAL' }],
        slackRetry: FAST_SLACK_RETRY,
        ...approvals,
      });
    },
  };
}

/** Everything Slack was sent about one action. */
function about(slack: SlackStandIn, actionId: string) {
  const mentions = (c: { args: Record<string, any> }) => JSON.stringify(c.args).includes(actionId);
  return {
    posts: () => slack.callsOf('chat.postMessage', mentions),
    updates: () => slack.callsOf('chat.update', (c) => mentions(c)),
    lastUpdateText: () => JSON.stringify(slack.callsOf('chat.update', mentions).at(-1)?.args.blocks ?? []),
  };
}

/** What the card's buttons name: the action's current version, as the card shows it. */
function cardRef(state: ActionState): CardRef {
  const { version, paramsSha256 } = currentVersion(state);
  return { actionId: state.id, version, paramsSha256 };
}

/** A decision button's value for the action's current version. */
const refOf = (state: ActionState) => encodeCardRef(cardRef(state));

async function submit(stack: Stack, body: unknown, key: string = KEYS.billingAgent): Promise<ActionState> {
  const res = await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key, body });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body;
}

/** Waits until the action's card is posted, and returns where. */
async function cardOf(stack: Stack, id: string): Promise<{ channel: string; ts: string }> {
  return eventually(async () => {
    const res = await stack.call<ActionState>('GET', `/v1/actions/${id}`, { key: KEYS.alice });
    const card = res.body.approvalCard;
    return card?.ts ? { channel: card.channel, ts: card.ts } : undefined;
  }, 10_000, 'the approval card');
}

async function click(stack: Stack, user: string, actionId: string, value: string, card: { channel: string; ts: string }) {
  const res = await sendInteraction(stack.url, buttonClick(user, actionId, value, card));
  assert.equal(res.status, 200, 'every click is acknowledged');
}

function ephemeralTo(slack: SlackStandIn, user: string, pattern: RegExp) {
  return eventually(async () => slack.callsOf('chat.postEphemeral', (c) => c.args.user === user && pattern.test(c.args.text)).at(0), 10_000, `an ephemeral to ${user} matching ${pattern}`);
}

describe('Slack approvals', () => {
  let slack: SlackStandIn;
  let stack: Stack;
  before(async () => {
    slack = await startSlackStandIn();
    stack = await startStack(slackStackOptions(slack));
  });
  after(async () => {
    await stack.close();
    await slack.close();
  });

  it('posts a review card with everything an approver needs, agent text escaped', async () => {
    const state = await submit(
      stack,
      REQUESTS.prodUpdate({ justification: 'ping <!channel> and @here, see <https://evil.example|the docs> & <@U0BOSS>' }),
    );
    const card = await cardOf(stack, state.id);
    assert.equal(card.channel, 'C0APPROVALS');
    const post = about(slack, state.id).posts()[0]!;
    assert.equal(post.token, 'xoxb-test-token');
    const blocks = JSON.stringify(post.args.blocks);
    assert.match(blocks, /REVIEW · risk 45 — crm\.contacts\.update in prod/);
    assert.match(blocks, /billing-agent \(owner <@U0DAVE>\)/);
    assert.match(blocks, /segment-7/);
    assert.match(blocks, /Needs 1 approval from <@U0ALICE>, <@U0BOB>, <@U0CAROL>/);
    assert.match(blocks, /\+25 environment: runs in prod/);
    assert.match(blocks, /<!date\^\d+\^/, 'says when it expires');
    for (const id of [SLACK_IDS.approve, SLACK_IDS.reject, SLACK_IDS.edit, SLACK_IDS.openTemporal]) assert.ok(blocks.includes(id), id);
    assert.ok(blocks.includes(state.links.temporalUi));
    // Agent text can neither ping nor disguise a link.
    assert.ok(!blocks.includes('<!channel>'));
    assert.ok(!blocks.includes('<https://evil.example'));
    assert.ok(!blocks.includes('<@U0BOSS>'));
    assert.match(blocks, /&lt;!channel&gt;/);
    assert.match(blocks, /@\u2060here/);
  });

  it('routes critical cards and says two approvals are needed', async () => {
    const state = await submit(stack, REQUESTS.prodTransfer());
    const card = await cardOf(stack, state.id);
    assert.equal(card.channel, 'C0CRITICAL');
    const blocks = JSON.stringify(about(slack, state.id).posts()[0]!.args.blocks);
    assert.match(blocks, /CRITICAL · risk 100/);
    assert.match(blocks, /Needs 2 approvals from <@U0ALICE>, <@U0CAROL>/);
  });

  it('approve → executed once; the card shows who approved and loses its buttons; the result goes in the thread', async () => {
    const state = await submit(stack, REQUESTS.prodUpdate());
    const card = await cardOf(stack, state.id);
    await click(stack, 'U0BOB', SLACK_IDS.approve, refOf(state), card);
    const done = await stack.waitFor(state.id, ['succeeded']);
    assert.equal(done.approvals[0]?.by, 'U0BOB');
    assert.equal(done.approvals[0]?.via, 'slack');
    assert.equal(stack.target.callsFor(state.id).length, 1);
    await eventually(async () => (/Approved by <@U0BOB> — executed/.test(about(slack, state.id).lastUpdateText()) ? true : undefined));
    assert.ok(!about(slack, state.id).lastUpdateText().includes(SLACK_IDS.approve), 'buttons are gone');
    const thread = await eventually(async () =>
      slack.callsOf('chat.postMessage', (c) => c.args.thread_ts === card.ts && /succeeded after 1 attempt/.test(c.args.text)).at(0),
    );
    assert.equal(thread.args.channel, card.channel);
  });

  it('"Approve this and the next N like it" grants a standing approval: a like action then runs with no card, noted in the first card’s thread', async () => {
    const sessionId = `standing-slack-${Date.now()}`;
    const first = await submit(stack, REQUESTS.prodUpdate({ sessionId }));
    const card = await cardOf(stack, first.id);
    type Button = { action_id: string; value: string; text: { text: string } };
    const buttons = (about(slack, first.id).posts()[0]!.args.blocks as { type: string; elements?: Button[] }[]).flatMap((b) => b.elements ?? []);
    const standing = buttons.find((b) => b.action_id === SLACK_IDS.approveStanding);
    assert.equal(standing?.text.text, 'Approve this and the next 5 like it');
    await click(stack, 'U0BOB', SLACK_IDS.approveStanding, standing!.value, card);
    const approved = await stack.waitFor(first.id, ['succeeded']);
    assert.deepEqual(approved.approvals.map((a) => [a.by, a.via, a.standing]), [['U0BOB', 'slack', { count: 5, minutes: 60 }]]);
    await eventually(async () => {
      const s = await stack.call('GET', `/v1/sessions/${sessionId}`, { key: KEYS.billingAgent });
      return s.body.standing?.length === 1 ? true : undefined;
    }, 10_000, 'the standing approval in the session');

    const next = await submit(stack, REQUESTS.prodUpdate({ sessionId }));
    assert.equal(next.status, 'succeeded');
    assert.equal(next.approvals[0]?.via, 'standing');
    const noted = await eventually(async () => about(slack, next.id).posts().at(0), 10_000, 'the note in the thread');
    assert.equal(noted.args.thread_ts, card.ts, 'noted in the approved card’s thread, not a card of its own');
    assert.match(noted.args.text, /4 of 5 left/);
    assert.equal(about(slack, next.id).posts().length, 1);
  });

  it('reject asks for a reason in a modal; the reason reaches the agent, the card and the owner', async () => {
    const state = await submit(stack, REQUESTS.prodUpdate());
    const card = await cardOf(stack, state.id);
    await click(stack, 'U0ALICE', SLACK_IDS.reject, refOf(state), card);
    const opened = await eventually(async () => slack.callsOf('views.open', (c) => JSON.stringify(c.args.view).includes(state.id)).at(0));
    assert.equal(opened.args.view.callback_id, SLACK_IDS.rejectView);

    const empty = await sendInteraction(
      stack.url,
      viewSubmission('U0ALICE', SLACK_IDS.rejectView, opened.args.view.private_metadata, {
        [SLACK_IDS.reasonBlock]: { [SLACK_IDS.reasonInput]: { type: 'plain_text_input', value: '  ' } },
      }),
    );
    assert.match(empty.body, /"response_action":"errors"/, 'a reason is required');

    await sendInteraction(
      stack.url,
      viewSubmission('U0ALICE', SLACK_IDS.rejectView, opened.args.view.private_metadata, {
        [SLACK_IDS.reasonBlock]: { [SLACK_IDS.reasonInput]: { type: 'plain_text_input', value: 'wrong segment <!here>' } },
      }),
    );
    const rejected = await stack.waitFor(state.id, ['rejected']);
    assert.equal(rejected.approvals[0]?.reason, 'wrong segment <!here>');
    assert.equal(stack.target.callsFor(state.id).length, 0);
    await eventually(async () => (/Rejected by <@U0ALICE>: wrong segment &lt;!here&gt;/.test(about(slack, state.id).lastUpdateText()) ? true : undefined));
    await eventually(async () => slack.callsOf('chat.postMessage', (c) => c.args.channel === 'U0DAVE' && /was rejected/.test(c.args.text) && c.args.text.includes(state.id)).at(0));
  });

  it('critical needs two people: one approval shows on the card, the same person twice is refused', async () => {
    const state = await submit(stack, REQUESTS.prodTransfer());
    const card = await cardOf(stack, state.id);
    await click(stack, 'U0ALICE', SLACK_IDS.approve, refOf(state), card);
    await eventually(async () => (/1 of 2 approvals — <@U0ALICE>/.test(about(slack, state.id).lastUpdateText()) ? true : undefined));
    await click(stack, 'U0ALICE', SLACK_IDS.approve, refOf(state), card);
    await ephemeralTo(slack, 'U0ALICE', /already decided/);
    assert.equal(stack.target.callsFor(state.id).length, 0);
    await click(stack, 'U0CAROL', SLACK_IDS.approve, refOf(state), card);
    const done = await stack.waitFor(state.id, ['succeeded']);
    assert.deepEqual(done.approvals.map((a) => a.by), ['U0ALICE', 'U0CAROL']);
    assert.equal(stack.target.callsFor(state.id).length, 1);
  });

  it('refuses the owner, people not allowed, and clicks on a decided card, each privately and without change', async () => {
    const state = await submit(stack, REQUESTS.prodTransfer());
    const card = await cardOf(stack, state.id);
    await click(stack, 'U0DAVE', SLACK_IDS.approve, refOf(state), card);
    await ephemeralTo(slack, 'U0DAVE', /owns agent billing-agent/);
    await click(stack, 'U0MALLORY', SLACK_IDS.approve, refOf(state), card);
    await ephemeralTo(slack, 'U0MALLORY', /may not decide critical/);
    await click(stack, 'U0BOB', SLACK_IDS.approve, refOf(state), card);
    await ephemeralTo(slack, 'U0BOB', /may not decide critical/);
    const unchanged = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
    assert.deepEqual(unchanged.approvals, []);
    assert.equal(unchanged.status, 'awaiting_approval');

    await stack.call('POST', `/v1/actions/${state.id}/cancel`, { key: KEYS.billingAgent });
    await stack.waitFor(state.id, ['cancelled']);
    await eventually(async () => (/Cancelled by the agent/.test(about(slack, state.id).lastUpdateText()) ? true : undefined));
    await click(stack, 'U0CAROL', SLACK_IDS.approve, refOf(state), card);
    await ephemeralTo(slack, 'U0CAROL', /cancelled; it can no longer/);
    assert.equal(stack.target.callsFor(state.id).length, 0);
  });

  it('a Slack retry of the same click and a double click record one decision', async () => {
    const state = await submit(stack, REQUESTS.prodTransfer());
    const card = await cardOf(stack, state.id);
    const payload = buttonClick('U0CAROL', SLACK_IDS.approve, refOf(state), card);
    const [a, b] = await Promise.all([sendInteraction(stack.url, payload), sendInteraction(stack.url, payload)]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    const retry = await sendInteraction(stack.url, payload, { retryNum: 1 });
    assert.equal(retry.status, 200);
    await eventually(async () => (slack.callsOf('chat.postEphemeral', (c) => c.args.user === 'U0CAROL' && /already decided/.test(c.args.text)).length >= 2 ? true : undefined));
    const now = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
    assert.equal(now.approvals.length, 1);
    assert.equal(now.status, 'awaiting_approval');
  });

  it('a forged signature or a timestamp older than 5 minutes gets 401 and changes nothing', async () => {
    const state = await submit(stack, REQUESTS.prodUpdate());
    const card = await cardOf(stack, state.id);
    const payload = buttonClick('U0ALICE', SLACK_IDS.approve, refOf(state), card);
    const forged = await sendInteraction(stack.url, payload, { secret: 'not-the-secret' });
    assert.equal(forged.status, 401);
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const replayed = await sendInteraction(stack.url, payload, { timestamp: old, signature: slackSignature('test-signing-secret-0123456789', old, body) });
    assert.equal(replayed.status, 401);
    const unsigned = await fetch(`${stack.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    assert.equal(unsigned.status, 401);
    await new Promise((r) => setTimeout(r, 300));
    const now = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
    assert.equal(now.status, 'awaiting_approval');
    assert.deepEqual(now.approvals, []);
  });

  it('edit & approve: the edited version is re-scored, shown to the agent, and is exactly what executes', async () => {
    const state = await submit(stack, REQUESTS.prodUpdate());
    const card = await cardOf(stack, state.id);
    await click(stack, 'U0ALICE', SLACK_IDS.edit, refOf(state), card);
    const opened = await eventually(async () =>
      slack.callsOf('views.open', (c) => c.args.view.callback_id === SLACK_IDS.editView && JSON.stringify(c.args.view).includes(state.id)).at(0),
    );
    assert.match(JSON.stringify(opened.args.view), /segment/);
    const values = (parameters: string, records?: string) => ({
      [SLACK_IDS.parametersBlock]: { [SLACK_IDS.parametersInput]: { type: 'plain_text_input', value: parameters } },
      [SLACK_IDS.recordsBlock]: { [SLACK_IDS.recordsInput]: { type: 'number_input', value: records ?? null } },
      [SLACK_IDS.amountBlock]: { [SLACK_IDS.amountInput]: { type: 'number_input', value: null } },
      [SLACK_IDS.usersBlock]: { [SLACK_IDS.usersInput]: { type: 'number_input', value: null } },
    });
    const meta = opened.args.view.private_metadata;
    const invalid = await sendInteraction(stack.url, viewSubmission('U0ALICE', SLACK_IDS.editView, meta, values('{"where": ')));
    assert.match(invalid.body, /"response_action":"errors"/);
    assert.match(invalid.body, /valid JSON/);

    const edited = { set: { tier: 'gold' }, where: { segment: 7, region: 'eu' } };
    await sendInteraction(stack.url, viewSubmission('U0ALICE', SLACK_IDS.editView, meta, values(JSON.stringify(edited), '40')));
    const done = await stack.waitFor(state.id, ['succeeded']);
    assert.equal(done.versions.length, 2);
    assert.deepEqual(done.versions[0]!.parameters, REQUESTS.prodUpdate().parameters);
    assert.deepEqual(done.versions[1]!.parameters, edited);
    assert.equal(done.versions[1]!.by, 'U0ALICE');
    assert.equal(done.versions[1]!.impact.records, 40);
    assert.equal(done.approvals[0]?.version, 2);
    const calls = stack.target.callsFor(state.id);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.body.parameters, edited);
    assert.equal(calls[0]!.body.version, 2);
  });

  it('an edit that raises the tier needs that tier’s approvals', async () => {
    const state = await submit(stack, REQUESTS.prodUpdate());
    const card = await cardOf(stack, state.id);
    const meta = encodeModalMetadata({ ...cardRef(state), channel: card.channel, ts: card.ts });
    await sendInteraction(
      stack.url,
      viewSubmission('U0BOB', SLACK_IDS.editView, meta, {
        [SLACK_IDS.parametersBlock]: { [SLACK_IDS.parametersInput]: { type: 'plain_text_input', value: '{"set":{"tier":"gold"},"where":{}}' } },
        [SLACK_IDS.recordsBlock]: { [SLACK_IDS.recordsInput]: { type: 'number_input', value: '2000000' } },
      }),
    );
    const raised = await eventually(async () => {
      const s = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
      return s.versions.length === 2 ? s : undefined;
    });
    assert.equal(raised.risk.tier, 'critical');
    assert.equal(raised.status, 'awaiting_approval');
    assert.deepEqual(raised.approvals, [], 'bob reviews, he cannot approve critical');
    // The card now shows version 2, and so do its buttons.
    await click(stack, 'U0ALICE', SLACK_IDS.approve, refOf(raised), card);
    await click(stack, 'U0CAROL', SLACK_IDS.approve, refOf(raised), card);
    const done = await stack.waitFor(state.id, ['succeeded']);
    // The two clicks race; what matters is who and on which version.
    assert.deepEqual(done.approvals.map((a) => `${a.by}@v${a.version}`).sort(), ['U0ALICE@v2', 'U0CAROL@v2']);
    assert.deepEqual(stack.target.callsFor(state.id)[0]!.body.parameters, { set: { tier: 'gold' }, where: {} });
  });

  it('a failed execution is posted in the thread and sent to the owner', async () => {
    stack.target.respond('crm.contacts.update', (call) => (call.body.sessionId === 'will-fail' ? { status: 422, body: { error: 'segment locked' } } : { status: 200 }));
    const state = await submit(stack, REQUESTS.prodUpdate({ sessionId: 'will-fail' }));
    const card = await cardOf(stack, state.id);
    await click(stack, 'U0ALICE', SLACK_IDS.approve, refOf(state), card);
    const failed = await stack.waitFor(state.id, ['failed']);
    assert.equal(failed.attempts, 1);
    await eventually(async () => slack.callsOf('chat.postMessage', (c) => c.args.thread_ts === card.ts && /Execution failed after 1 attempt: executor refused the action with 422/.test(c.args.text)).at(0));
    await eventually(async () => slack.callsOf('chat.postMessage', (c) => c.args.channel === 'U0DAVE' && /failed after 1 attempt/.test(c.args.text) && c.args.text.includes(state.id)).at(0));
    await eventually(async () => (/execution failed/.test(about(slack, state.id).lastUpdateText()) ? true : undefined));
  });

  it('a click on an out-of-date card is refused privately, and the card is refreshed to the current version', async () => {
    const state = await submit(stack, REQUESTS.prodTransfer({ sessionId: 'stale-click' }));
    const card = await cardOf(stack, state.id);
    const edit = { from: 'acct-9', to: 'acct-1', amount: 240_000, currency: 'USD' };
    const edited = await stack.call<ActionState>('POST', `/v1/actions/${state.id}/decision`, {
      key: KEYS.alice,
      body: { decision: 'approve', version: 1, edit: { parameters: edit } },
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    const v2 = await eventually(async () => {
      const s = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
      return s.versions.length === 2 && s.status === 'awaiting_approval' ? s : undefined;
    });
    await eventually(async () => (about(slack, state.id).lastUpdateText().includes(refOf(v2).replaceAll('"', '\\"')) ? true : undefined), 10_000, 'the card at v2');
    const updates = about(slack, state.id).updates().length;

    // Carol still has version 1 on her screen: approve and reject both say so, and change nothing.
    await click(stack, 'U0CAROL', SLACK_IDS.approve, refOf(state), card);
    await ephemeralTo(slack, 'U0CAROL', /^:arrows_counterclockwise: This card is out of date; the current version is v2\./);
    await click(stack, 'U0CAROL', SLACK_IDS.reject, refOf(state), card);
    await eventually(async () => (slack.callsOf('chat.postEphemeral', (c) => c.args.user === 'U0CAROL' && /out of date/.test(c.args.text)).length >= 2 ? true : undefined));
    assert.equal(slack.callsOf('views.open', (c) => JSON.stringify(c.args.view).includes(state.id)).length, 0, 'no modal for an old version');
    const refreshed = await eventually(async () => {
      const later = about(slack, state.id).updates().slice(updates);
      return later.length >= 1 ? later : undefined;
    }, 10_000, 'the card refreshed');
    assert.ok(JSON.stringify(refreshed[0]!.args.blocks).includes(refOf(v2).replaceAll('"', '\\"')), 'the refreshed card names v2');
    const unchanged = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
    assert.deepEqual(unchanged.approvals.map((a) => `${a.by}@v${a.version}`), ['U0ALICE@v2']);

    await click(stack, 'U0CAROL', SLACK_IDS.approve, refOf(v2), card);
    const done = await stack.waitFor(state.id, ['succeeded']);
    assert.deepEqual(stack.target.callsFor(state.id)[0]!.body.parameters, edit);
    assert.equal(done.approvals.at(-1)?.paramsSha256, currentVersion(v2).paramsSha256);
  });

  it('a button or form that does not name an action in the id format is refused privately and never reaches Temporal', async () => {
    const state = await submit(stack, REQUESTS.prodUpdate());
    const card = await cardOf(stack, state.id);
    const forged = [state.id, 'not json', encodeCardRef({ ...cardRef(state), actionId: 'billing-agent.0123' }), JSON.stringify({ ...cardRef(state), actionId: '../x.0123456789abcdef01234567' })];
    for (const value of forged) await click(stack, 'U0ALICE', SLACK_IDS.approve, value, card);
    await click(stack, 'U0ALICE', SLACK_IDS.edit, 'x'.repeat(1999), card);
    await eventually(async () => (slack.callsOf('chat.postEphemeral', (c) => c.args.user === 'U0ALICE' && /does not name an Airlock action/.test(c.args.text)).length >= 5 ? true : undefined));
    const reject = await sendInteraction(
      stack.url,
      viewSubmission('U0ALICE', SLACK_IDS.rejectView, JSON.stringify({ actionId: state.id }), {
        [SLACK_IDS.reasonBlock]: { [SLACK_IDS.reasonInput]: { type: 'plain_text_input', value: 'no' } },
      }),
    );
    assert.match(reject.body, /does not name an Airlock action/);
    const now = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
    assert.deepEqual(now.approvals, []);
    assert.equal(now.status, 'awaiting_approval');
  });

  it('a 100 000-character reason, and an edit too large or too deep, are refused in the modal; nothing is stored', async () => {
    const state = await submit(stack, REQUESTS.prodUpdate({ sessionId: 'too-much' }));
    const card = await cardOf(stack, state.id);
    const meta = encodeModalMetadata({ ...cardRef(state), channel: card.channel, ts: card.ts });
    const reason = (value: string) => ({ [SLACK_IDS.reasonBlock]: { [SLACK_IDS.reasonInput]: { type: 'plain_text_input', value } } });
    const long = await sendInteraction(stack.url, viewSubmission('U0ALICE', SLACK_IDS.rejectView, meta, reason('x'.repeat(100_000))));
    assert.equal(long.status, 200);
    assert.match(long.body, /"response_action":"errors"/);
    assert.match(long.body, /At most 2 000 characters/);

    const parameters = (value: string) => ({ [SLACK_IDS.parametersBlock]: { [SLACK_IDS.parametersInput]: { type: 'plain_text_input', value } } });
    const large = JSON.stringify({ set: { note: 'x'.repeat(stack.config.file.limits.parametersBytes) }, where: {} });
    const deep = `{"set":${'{"a":'.repeat(64)}1${'}'.repeat(64)},"where":{}}`;
    const huge = JSON.stringify({ set: { note: 'x'.repeat(3 * 1024 * 1024) }, where: {} });
    for (const [what, value, error] of [
      ['larger than limits.parametersBytes', large, /larger than 65536 bytes/],
      ['deeper than 64 levels', deep, /nested deeper than 64 levels/],
      ['3 MiB', huge, /larger than 65536 bytes/],
    ] as const) {
      const res = await sendInteraction(stack.url, viewSubmission('U0ALICE', SLACK_IDS.editView, meta, parameters(value)));
      assert.equal(res.status, 200, what);
      assert.match(res.body, /"response_action":"errors"/, what);
      assert.match(res.body, error, what);
    }
    // Just within the depth limit is accepted: the cap is the API's, not lower.
    const ok = await sendInteraction(
      stack.url,
      viewSubmission('U0ALICE', SLACK_IDS.editView, meta, parameters(`{"set":${'{"a":'.repeat(62)}1${'}'.repeat(62)},"where":{}}`)),
    );
    assert.doesNotMatch(ok.body, /response_action/);
    const done = await stack.waitFor(state.id, ['succeeded']);
    assert.equal(done.versions.length, 2, 'only the edit within the limits became a version');
    assert.ok(done.approvals.every((a) => a.decision === 'approve' && a.reason === undefined), 'no reason was stored');
  });

  it('a request from a Slack team or app that is not configured is acknowledged and changes nothing', async () => {
    const state = await submit(stack, REQUESTS.prodUpdate({ sessionId: 'unlisted' }));
    const card = await cardOf(stack, state.id);
    const before = slack.calls.length;
    const meta = encodeModalMetadata({ ...cardRef(state), channel: card.channel, ts: card.ts });
    const reason = { [SLACK_IDS.reasonBlock]: { [SLACK_IDS.reasonInput]: { type: 'plain_text_input', value: 'from elsewhere' } } };
    for (const origin of [{ team: 'T0OTHER' }, { app: 'A0OTHER' }]) {
      for (const action of [SLACK_IDS.approve, SLACK_IDS.reject, SLACK_IDS.edit]) {
        const res = await sendInteraction(stack.url, buttonClick('U0ALICE', action, refOf(state), card, origin));
        assert.equal(res.status, 200, 'acknowledged, so Slack does not retry');
      }
      const view = await sendInteraction(stack.url, viewSubmission('U0ALICE', SLACK_IDS.rejectView, meta, reason, origin));
      assert.equal(view.status, 200);
      assert.doesNotMatch(view.body, /response_action/);
    }
    await new Promise((r) => setTimeout(r, 500));
    const now = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
    assert.deepEqual(now.approvals, []);
    assert.equal(now.status, 'awaiting_approval');
    // Bolt's own authorization (auth.test) runs before any middleware; nothing else may follow.
    // Earlier tests' actions may still post in their own threads; only calls about this action, or a reply to anyone, count.
    const aboutThis = (c: (typeof slack.calls)[number]) =>
      ['views.open', 'chat.postEphemeral'].includes(c.method) ||
      c.args.thread_ts === card.ts ||
      c.args.ts === card.ts ||
      JSON.stringify(c.args).includes(state.id);
    const after = slack.calls.slice(before).filter((c) => c.method !== 'auth.test' && aboutThis(c));
    assert.deepEqual(after.map((c) => c.method), [], 'nobody was answered, no modal opened');
    // The same click from the listed team and app goes through.
    await click(stack, 'U0ALICE', SLACK_IDS.approve, refOf(state), card);
    await stack.waitFor(state.id, ['succeeded']);
  });

  it('keeps tokens and secrets out of the logs', async () => {
    const logged = await startStack({ ...slackStackOptions(slack), captureLogs: true });
    try {
      const state = await submit(logged, REQUESTS.prodUpdate());
      const card = await cardOf(logged, state.id);
      await click(logged, 'U0ALICE', SLACK_IDS.approve, refOf(state), card);
      await logged.waitFor(state.id, ['succeeded']);
      await eventually(async () => (logged.logs.some((l) => /slack decision recorded/.test(l)) ? true : undefined));
      const all = logged.logs.join('\n');
      assert.ok(logged.logs.length > 5, 'something was logged');
      for (const secret of ['xoxb-test-token', 'test-signing-secret-0123456789', KEYS.billingAgent, KEYS.alice]) {
        assert.ok(!all.includes(secret), `${secret} reached the logs`);
      }
      // Request lines carry no headers; should a line ever carry them (or the Slack settings), the credentials are blanked.
      const lines: string[] = [];
      createLogger({ level: 'info' }, { write: (line: string) => void lines.push(line) }).warn(
        { req: { headers: { authorization: `Bearer ${KEYS.alice}` } }, headers: { authorization: `Bearer ${KEYS.billingAgent}` }, slack: { botToken: 'xoxb-test-token', signingSecret: 'test-signing-secret-0123456789' } },
        'headers',
      );
      for (const secret of ['xoxb-test-token', 'test-signing-secret-0123456789', KEYS.billingAgent, KEYS.alice]) {
        assert.ok(!lines.join('').includes(secret), `${secret} would reach the logs`);
      }
      assert.match(lines.join(''), /"authorization":"\[redacted\]"/);
    } finally {
      await logged.close();
    }
  });

  it('approvers may be a Slack user group, resolved through usergroups.users.list', async () => {
    slack.setGroup('S0ONCALL', ['U0ZOE']);
    const groupStack = await startStack({
      ...slackStackOptions(slack),
      edit: (file) => {
        Object.assign(file.approvals, { channel: 'C0APPROVALS', slackRetry: FAST_SLACK_RETRY, reviewers: ['S0ONCALL'] });
      },
    });
    try {
      const state = await submit(groupStack, REQUESTS.prodUpdate());
      const card = await cardOf(groupStack, state.id);
      assert.match(JSON.stringify(about(slack, state.id).posts()[0]!.args.blocks), /<!subteam\^S0ONCALL>/);
      await click(groupStack, 'U0ZOE', SLACK_IDS.approve, refOf(state), card);
      const done = await groupStack.waitFor(state.id, ['succeeded']);
      assert.equal(done.approvals[0]?.by, 'U0ZOE');
      assert.ok(slack.callsOf('usergroups.users.list', (c) => c.args.usergroup === 'S0ONCALL').length >= 1);
    } finally {
      await groupStack.close();
    }
  });
});

describe('Slack in Socket Mode', () => {
  it('receives clicks over the WebSocket, acknowledges them, and decides through the same Update', async () => {
    const slack = await startSlackStandIn();
    const stack = await startStack({ ...slackStackOptions(slack), env: { SLACK_APP_TOKEN: 'xapp-test-token' } });
    try {
      await slack.socketConnected();
      assert.equal(slack.callsOf('apps.connections.open').at(0)?.token, 'xapp-test-token');
      const unsignedHttp = await sendInteraction(stack.url, {});
      assert.equal(unsignedHttp.status, 404, 'no HTTP request URL in Socket Mode');

      const state = await submit(stack, REQUESTS.prodUpdate());
      const card = await cardOf(stack, state.id);
      const ack = await slack.sendEnvelope(buttonClick('U0ALICE', SLACK_IDS.approve, refOf(state), card));
      assert.equal(ack.envelope_id, 'envelope-1');
      const done = await stack.waitFor(state.id, ['succeeded']);
      assert.equal(done.approvals[0]?.by, 'U0ALICE');
      assert.equal(done.approvals[0]?.via, 'slack');
      assert.equal(stack.target.callsFor(state.id).length, 1);
    } finally {
      await stack.close();
      await slack.close();
    }
  });
});

describe('Slack timing and failures', () => {
  let slack: SlackStandIn;
  before(async () => {
    slack = await startSlackStandIn();
  });
  after(async () => {
    await slack.close();
  });

  it('reminds in the thread, escalates to another channel, and shows the expiry on both cards', async () => {
    const stack = await startStack({
      ...slackStackOptions(slack, { remindAfter: '700ms', escalateAfter: '1200ms', escalationChannel: 'C0ESCALATE' }),
      approvalTimeout: '3s',
    });
    try {
      const state = await submit(stack, REQUESTS.prodUpdate());
      const card = await cardOf(stack, state.id);
      const reminder = await eventually(async () => slack.callsOf('chat.postMessage', (c) => c.args.thread_ts === card.ts && /Reminder/.test(c.args.text)).at(0));
      assert.match(reminder.args.text, /<@U0ALICE> <@U0BOB> <@U0CAROL>/);
      const escalated = await eventually(async () => about(slack, state.id).posts().find((c) => c.args.channel === 'C0ESCALATE'));
      assert.match(JSON.stringify(escalated.args.blocks), /Escalated: REVIEW/);
      const expired = await stack.waitFor(state.id, ['expired'], 10_000);
      assert.equal(expired.approvalCard?.escalatedTo, 'C0ESCALATE');
      assert.equal(stack.target.callsFor(state.id).length, 0);
      await eventually(async () => {
        const updates = about(slack, state.id).updates().filter((u) => /Expired/.test(JSON.stringify(u.args.blocks)));
        const channels = new Set(updates.map((u) => u.args.channel));
        return channels.has('C0APPROVALS') && channels.has('C0ESCALATE') ? true : undefined;
      });
    } finally {
      await stack.close();
    }
  });

  it('Slack failing with 500, then 429 with Retry-After, then recovering: the card is posted, attempts bounded', async () => {
    const stack = await startStack(slackStackOptions(slack));
    try {
      slack.fail('chat.postMessage', { status: 500 }, 2);
      const state = await submit(stack, REQUESTS.prodUpdate({ sessionId: 'flaky-slack' }));
      const card = await cardOf(stack, state.id);
      assert.equal(card.channel, 'C0APPROVALS');
      const attempts = slack.callsOf('chat.postMessage', (c) => c.args.channel === 'C0APPROVALS' && JSON.stringify(c.args).includes(state.id));
      assert.equal(attempts.length, 3, 'two failures, then the post');

      slack.fail('chat.update', { status: 429, retryAfter: 1 }, 1);
      await stack.call('POST', `/v1/actions/${state.id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
      await stack.waitFor(state.id, ['succeeded']);
      const updates = await eventually(async () => {
        const u = about(slack, state.id).updates();
        return u.length >= 2 ? u : undefined;
      });
      assert.ok(updates[1]!.at - updates[0]!.at >= 900, `Retry-After honoured (${updates[1]!.at - updates[0]!.at} ms)`);
    } finally {
      slack.recover();
      await stack.close();
    }
  });

  it('when an edit’s chat.update fails, a fresh card is posted and the old one loses its buttons', async () => {
    const stack = await startStack(slackStackOptions(slack));
    try {
      const state = await submit(stack, REQUESTS.prodTransfer({ sessionId: 'update-fails' }));
      const card = await cardOf(stack, state.id);
      // Every attempt of the edit's update fails; the later call that strips the buttons gets through.
      slack.fail('chat.update', { status: 200, error: 'cant_update_message' }, FAST_SLACK_RETRY.maxAttempts, (args) => args.ts === card.ts);
      const edit = { from: 'acct-9', to: 'acct-1', amount: 240_000, currency: 'USD' };
      const res = await stack.call('POST', `/v1/actions/${state.id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1, edit: { parameters: edit } } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const moved = await eventually(async () => {
        const s = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
        return s.approvalCard?.ts && s.approvalCard.ts !== card.ts ? s : undefined;
      }, 15_000, 'a fresh card');
      assert.equal(moved.approvalCard?.channel, 'C0CRITICAL');
      const fresh = slack.callsOf('chat.postMessage', (c) => c.args.channel === 'C0CRITICAL' && JSON.stringify(c.args.blocks ?? '').includes(state.id)).at(-1)!;
      assert.ok(JSON.stringify(fresh.args.blocks).includes(refOf(moved).replaceAll('"', '\\"')), 'the fresh card decides v2');
      const retired = await eventually(async () => slack.callsOf('chat.update', (c) => c.args.ts === card.ts && !c.refused).find((c) => /out of date/.test(JSON.stringify(c.args.blocks))));
      assert.ok(!JSON.stringify(retired.args.blocks).includes(SLACK_IDS.approve), 'the old card has no buttons left');
      await click(stack, 'U0CAROL', SLACK_IDS.approve, refOf(moved), { channel: 'C0CRITICAL', ts: moved.approvalCard!.ts! });
      await stack.waitFor(state.id, ['succeeded']);
    } finally {
      slack.recover();
      await stack.close();
    }
  });

  it('the owner is told of a rejection even when the card could not be posted', async () => {
    const stack = await startStack(slackStackOptions(slack, { channel: 'C0GONE', routes: [] }));
    try {
      slack.fail('chat.postMessage', { status: 200, error: 'channel_not_found' }, -1, (args) => args.channel === 'C0GONE');
      const state = await submit(stack, REQUESTS.prodUpdate({ sessionId: 'no-card-owner' }));
      const failed = await eventually(async () => {
        const s = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
        return s.approvalCard?.error ? s : undefined;
      });
      assert.match(failed.approvalCard!.error!, /channel_not_found/);
      const res = await stack.call('POST', `/v1/actions/${state.id}/decision`, { key: KEYS.alice, body: { decision: 'reject', version: 1, reason: 'not this week' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await stack.waitFor(state.id, ['rejected']);
      const dm = await eventually(async () => slack.callsOf('chat.postMessage', (c) => c.args.channel === 'U0DAVE' && c.args.text.includes(state.id)).at(0));
      assert.match(dm.args.text, /was rejected by <@U0ALICE>: not this week/);
    } finally {
      slack.recover();
      await stack.close();
    }
  });

  it('Slack down for good: the failure is in the action state, and the action is decided with the CLI', async () => {
    const stack = await startStack(slackStackOptions(slack));
    try {
      slack.fail('*', { status: 500 }, -1);
      const state = await submit(stack, REQUESTS.prodUpdate({ sessionId: 'no-slack' }));
      const failed = await eventually(async () => {
        const s = (await stack.call<ActionState>('GET', `/v1/actions/${state.id}`, { key: KEYS.alice })).body;
        return s.approvalCard?.error ? s : undefined;
      });
      assert.match(failed.approvalCard!.error!, /HTTP 500/);
      assert.equal(failed.status, 'awaiting_approval');
      const posts = slack.callsOf('chat.postMessage', (c) => JSON.stringify(c.args).includes(state.id));
      assert.equal(posts.length, FAST_SLACK_RETRY.maxAttempts, 'bounded by slackRetry.maxAttempts');

      const { runCli } = await import('../helpers/cli.js');
      const pending = await runCli(stack.url, KEYS.alice, ['list']);
      assert.equal(pending.code, 0, pending.stderr);
      assert.match(pending.stdout, new RegExp(state.id.replace('.', '\\.')));
      const approved = await runCli(stack.url, KEYS.alice, ['approve', state.id, '--version', '1', '--reason', 'Slack is down; checked by phone']);
      assert.equal(approved.code, 0, approved.stderr);
      const done = await stack.waitFor(state.id, ['succeeded']);
      assert.equal(done.approvals[0]?.via, 'cli');
      assert.equal(done.approvals[0]?.by, 'U0ALICE');
      assert.equal(stack.target.callsFor(state.id).length, 1);
    } finally {
      slack.recover();
      await stack.close();
    }
  });
});
