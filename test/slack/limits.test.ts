import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebClient } from '@slack/web-api';
import { createSlackActivities } from '../../activities/slack.js';
import type { ActionState } from '../../domain/action.js';
import { paramsSha256 } from '../../lib/params-hash.js';
import type { CardContext } from '../../slack/blocks.js';
import { parseCardRef, SLACK_IDS } from '../../slack/ids.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { buttonClick, sendInteraction, startSlackStandIn, type SlackStandIn } from '../helpers/slack.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';

const FAST_SLACK_RETRY = { maxAttempts: 4, initialInterval: '50ms', backoffCoefficient: 2, maximumInterval: '200ms' };
const CUT = /Cut to fit Slack: the full text is in the <http:\/\/localhost:8233\/[^|]+\|Temporal UI>/;

async function submit(stack: Stack, body: unknown): Promise<ActionState> {
  const res = await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: KEYS.billingAgent, body });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body;
}

/** The action once its card is posted (or its posting has failed for good). */
async function carded(stack: Stack, id: string): Promise<ActionState> {
  return eventually(async () => {
    const state = (await stack.call<ActionState>('GET', `/v1/actions/${id}`, { key: KEYS.alice })).body;
    return state.approvalCard?.ts || state.approvalCard?.error ? state : undefined;
  }, 15_000, `the card of ${id}`);
}

describe('Slack cards are always posted, within Slack’s limits', () => {
  let slack: SlackStandIn;
  let stack: Stack;
  before(async () => {
    slack = await startSlackStandIn();
    stack = await startStack({
      slack,
      edit: (file) => Object.assign(file.approvals, { channel: 'C0APPROVALS', slackRetry: FAST_SLACK_RETRY }),
    });
  });
  after(async () => {
    await stack.close();
    await slack.close();
  });

  it('a 40 000-character justification posts through the stand-in, cut and marked', async () => {
    const activities = createSlackActivities(new WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }));
    const parameters = { set: { tier: 'gold' }, where: { segment: 7 } };
    const state: ActionState = {
      id: 'billing-agent.0123456789abcdef0123abcd',
      agentId: 'billing-agent',
      sessionId: 's',
      tool: 'crm.contacts.update',
      operation: 'write',
      environment: 'prod',
      status: 'awaiting_approval',
      risk: { score: 45, tier: 'review', factors: [], policyVersion: 'v1', approvalsRequired: 1 },
      approvals: [],
      versions: [{ version: 1, parameters, impact: {}, paramsSha256: paramsSha256(parameters), by: 'agent:billing-agent', at: '2026-01-01T00:00:00.000Z' }],
      attempts: 0,
      requestHash: 'h',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      links: { temporalUi: 'http://localhost:8233/namespaces/default/workflows/action-billing-agent.0123456789abcdef0123abcd' },
    };
    const context: CardContext = { state, owner: 'U0DAVE', justification: 'why '.repeat(10_000), resources: [], approvers: ['U0ALICE'], expiresAt: '2026-01-01T01:00:00.000Z' };
    const posted = await activities.slackPostCard({ context, channel: 'C0LIMITS' });
    assert.equal(posted.minimal, undefined, 'the full card was accepted');
    const call = slack.callsOf('chat.postMessage', (c) => c.args.channel === 'C0LIMITS').at(-1)!;
    assert.equal(call.refused, undefined);
    assert.match(JSON.stringify(call.args.blocks), CUT);
    await activities.slackUpdateCard({ context, channel: 'C0LIMITS', ts: posted.ts });
    assert.equal(slack.callsOf('chat.update', (c) => c.args.ts === posted.ts).at(-1)!.refused, undefined);
  });

  // The four inputs that each left an action without a card until it expired.
  const hostile: [string, Parameters<typeof REQUESTS.prodUpdate>[0]][] = [
    ['ten 500-character resource ids', { resources: Array.from({ length: 10 }, (_, i) => ({ type: 'contact', id: String(i).repeat(500) })) }],
    ['a justification of 1 500 newlines', { justification: `look${'\n'.repeat(1500)}here` }],
    ['parameters of 2 600 &', { parameters: { set: { note: '&'.repeat(2600) }, where: { segment: 7 } } }],
    ['parameters of 2 600 ‹', { parameters: { set: { note: '‹'.repeat(2600) }, where: { segment: 7 } } }],
  ];
  for (const [what, extra] of hostile) {
    it(`${what}: the full card is posted, cut and marked`, async () => {
      const state = await carded(stack, (await submit(stack, REQUESTS.prodUpdate({ ...extra, sessionId: what }))).id);
      assert.equal(state.approvalCard?.error, undefined);
      const posts = slack.callsOf('chat.postMessage', (c) => c.args.channel === 'C0APPROVALS' && JSON.stringify(c.args.blocks ?? '').includes(state.id));
      assert.deepEqual(posts.map((c) => c.refused), [undefined], 'one post, accepted');
      const blocks = JSON.stringify(posts[0]!.args.blocks);
      assert.match(blocks, /\*Justification\*/, 'the full card, not the minimal one');
      assert.match(blocks, CUT);
    });
  }

  it('the preview summary and the understated factor are on the card, escaped and within limits', async () => {
    stack.target.respondPreview('crm.contacts.update', (call) =>
      call.body.sessionId === 'understated' ? { status: 200, body: { records: 5000, summary: `updates 5000 contacts <!here> ${'&'.repeat(950)}` } } : { status: 200, body: {} },
    );
    const state = await carded(stack, (await submit(stack, REQUESTS.prodUpdate({ sessionId: 'understated', impact: { records: 10, reversible: true } }))).id);
    const post = slack.callsOf('chat.postMessage', (c) => JSON.stringify(c.args.blocks ?? '').includes(state.id)).at(-1)!;
    assert.equal(post.refused, undefined);
    const blocks = JSON.stringify(post.args.blocks);
    assert.match(blocks, /\*Preview\*\\nupdates 5000 contacts &lt;!here&gt; (&amp;)+/);
    assert.ok(!blocks.includes('<!here>'));
    assert.match(blocks, /understated: claimed 10 records, the preview says 5000/);
  });

  it('when Slack still refuses the card (invalid_blocks), the minimal card is posted, and its buttons work', async () => {
    slack.fail('chat.postMessage', { status: 200, error: 'invalid_blocks' }, 1, (args) => JSON.stringify(args.blocks ?? '').includes('refused-card'));
    const state = await carded(stack, (await submit(stack, REQUESTS.prodUpdate({ sessionId: 'refused-card' }))).id);
    assert.equal(state.approvalCard?.error, undefined);
    assert.ok(state.approvalCard?.ts);
    const posts = slack.callsOf('chat.postMessage', (c) => c.args.channel === 'C0APPROVALS' && JSON.stringify(c.args.blocks ?? '').includes(state.id));
    assert.equal(posts.length, 2, 'the full card, refused; then the minimal one');
    const minimal = JSON.stringify(posts[1]!.args.blocks);
    for (const part of [state.id, 'crm.contacts.update', 'REVIEW', `risk ${state.risk.score}`, state.links.temporalUi]) assert.ok(minimal.includes(part), part);
    assert.doesNotMatch(minimal, /Justification/);
    const value = (posts[1]!.args.blocks as any[]).find((b) => b.type === 'actions').elements.find((e: any) => e.action_id === SLACK_IDS.approve).value;
    assert.equal(parseCardRef(value)?.version, 1);
    const res = await sendInteraction(stack.url, buttonClick('U0ALICE', SLACK_IDS.approve, value, { channel: 'C0APPROVALS', ts: state.approvalCard!.ts! }));
    assert.equal(res.status, 200);
    await stack.waitFor(state.id, ['succeeded']);
  });
});
