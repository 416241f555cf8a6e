import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActionState } from '../../domain/action.js';
import type { AgentStanding } from '../../domain/standing.js';
import { isolatedAgent, KEYS, REQUESTS } from '../helpers/config.js';
import { sendCommand, startSlackStandIn, type SlackStandIn } from '../helpers/slack.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';

describe('/airlock in Slack: the kill switch', () => {
  let slack: SlackStandIn;
  let stack: Stack;
  const agent = isolatedAgent('slack-frozen');
  before(async () => {
    slack = await startSlackStandIn();
    stack = await startStack({
      slack,
      edit: (file) => {
        file.approvals.channel = 'C0APPROVALS';
        agent.addTo(file);
      },
    });
  });
  after(async () => {
    await stack.close();
    await slack.close();
  });

  const ephemeral = (user: string, pattern: RegExp) =>
    eventually(async () => slack.callsOf('chat.postEphemeral', (c) => c.args.user === user && pattern.test(c.args.text)).at(0), 10_000, `an ephemeral to ${user} matching ${pattern}`);
  const standing = async () => (await stack.call<AgentStanding>('GET', `/v1/agents/${agent.id}`, { key: KEYS.alice })).body;

  it('a critical approver freezes an agent: its pending action is cancelled, new ones get 423; unfreeze lets it act', async () => {
    const pending = (await stack.call<ActionState>('POST', '/v1/actions?wait=10', { key: agent.key, body: REQUESTS.prodUpdate({ sessionId: 'slack-freeze' }) })).body;
    assert.equal(pending.status, 'awaiting_approval');
    await eventually(async () => ((await stack.call<{ pendingApprovals: number }>('GET', `/v1/agents/${agent.id}`, { key: KEYS.alice })).body.pendingApprovals > 0 ? true : undefined));

    const res = await sendCommand(stack.url, { user: 'U0CAROL', text: `freeze ${agent.id} it is looping on refunds` });
    assert.equal(res.status, 200);
    await ephemeral('U0CAROL', new RegExp(`${agent.id}\` is frozen.*looping on refunds`));
    const frozen = await standing();
    assert.deepEqual([frozen.frozen, frozen.frozenBy, frozen.reason], [true, 'U0CAROL', 'it is looping on refunds']);
    const cancelled = await stack.waitFor(pending.id, ['cancelled']);
    assert.match(cancelled.cancelReason ?? '', /looping on refunds/);
    assert.equal((await stack.call('POST', '/v1/actions?wait=5', { key: agent.key, body: REQUESTS.devRead() })).status, 423);

    await sendCommand(stack.url, { user: 'U0ALICE', text: `unfreeze ${agent.id}` });
    await ephemeral('U0ALICE', new RegExp(`${agent.id}\` may act again`));
    assert.equal((await standing()).frozen, false);
  });

  it('a reviewer who is not a critical approver, a missing reason or another team changes nothing', async () => {
    await sendCommand(stack.url, { user: 'U0BOB', text: `freeze ${agent.id} because` });
    await ephemeral('U0BOB', /Only critical approvers/);
    await sendCommand(stack.url, { user: 'U0ALICE', text: `freeze ${agent.id}` });
    await ephemeral('U0ALICE', /Say why/);
    await sendCommand(stack.url, { user: 'U0ALICE', text: `freeze ${agent.id} from elsewhere`, team: 'T0EVIL' });
    await sendCommand(stack.url, { user: 'U0ALICE', text: `melt ${agent.id}` });
    await ephemeral('U0ALICE', /Usage: `\/airlock freeze/);
    assert.equal((await standing()).frozen, false);
  });
});
