import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateText, stepCountIs } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import { gated, type Refusal } from '../../sdk/ai.js';
import { AirlockClient } from '../../sdk/client.js';
import { KEYS } from '../helpers/config.js';
import { startStack, type Stack } from '../helpers/stack.js';

type GenerateResult = Awaited<ReturnType<MockLanguageModelV3['doGenerate']>>;

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/** A model that calls `toolName` with `input` once, then answers with text: a real tool loop, no LLM. */
function scriptedModel(toolName: string, input: unknown): MockLanguageModelV3 {
  const calls: GenerateResult[] = [
    {
      content: [{ type: 'tool-call', toolCallId: 'call-1', toolName, input: JSON.stringify(input) }],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage,
      warnings: [],
    },
    { content: [{ type: 'text', text: 'done' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] },
  ];
  return new MockLanguageModelV3({ doGenerate: calls });
}

/** The tool result the model was shown in its second call. */
function toolResultShown(model: MockLanguageModelV3): unknown {
  const second = model.doGenerateCalls[1];
  assert.ok(second, 'the model was called again after the tool');
  const message = second.prompt.find((m) => m.role === 'tool');
  assert.ok(message && message.role === 'tool', 'the second call carries a tool message');
  const part = message.content.find((p) => p.type === 'tool-result');
  assert.ok(part && part.type === 'tool-result');
  assert.equal(part.output.type, 'json');
  return (part.output as { value: unknown }).value;
}

describe('gated() in a Vercel AI SDK tool loop', () => {
  let stack: Stack;
  let client: AirlockClient;
  before(async () => {
    // A deny threshold the critical transfer (score 100) reaches: refused outright, without a person.
    stack = await startStack({ edit: (file) => (file.policy.thresholds.deny = 90) });
    client = new AirlockClient({ url: stack.url, key: KEYS.billingAgent });
  });
  after(async () => {
    await stack.close();
  });
  const session = () => `ai-${randomUUID().slice(0, 8)}`;

  it('the model’s call runs through Airlock once, and the executor’s answer reaches the next model call', async () => {
    const sessionId = session();
    stack.target.respond('crm.contacts.read', (call) =>
      call.body.sessionId === sessionId ? { status: 200, body: { contacts: [{ id: 'c-7', name: 'Grace' }] } } : { status: 200, body: { ok: true } },
    );
    const lookup = gated(
      { description: 'Read CRM contacts by id', inputSchema: z.object({ ids: z.array(z.string()) }) },
      { client, tool: 'crm.contacts.read', environment: 'dev', sessionId, justification: (input) => `look up ${input.ids.join(', ')}` },
    );
    const model = scriptedModel('lookup', { ids: ['c-7'] });
    const result = await generateText({ model, tools: { lookup }, prompt: 'Who is c-7?', stopWhen: stepCountIs(2) });

    assert.equal(result.text, 'done');
    assert.deepEqual(result.steps[0]?.toolResults.map((r) => r.output), [{ contacts: [{ id: 'c-7', name: 'Grace' }] }]);
    assert.deepEqual(toolResultShown(model), { contacts: [{ id: 'c-7', name: 'Grace' }] });
    const calls = stack.target.callsTo('crm.contacts.read').filter((c) => c.body.sessionId === sessionId);
    assert.equal(calls.length, 1, 'the target was called once');
    assert.deepEqual(calls[0]!.body.parameters, { ids: ['c-7'] }, 'the model’s input is the action’s parameters');
  });

  it('an action the policy denies gives the model a refusal to read, and nothing executes', async () => {
    const sessionId = session();
    const transfer = gated(
      { description: 'Transfer money', inputSchema: z.object({ from: z.string(), to: z.string(), amount: z.number(), currency: z.string() }) },
      {
        client,
        tool: 'payments.transfer',
        environment: 'prod',
        sessionId,
        justification: 'settle the quarter',
        resources: (input) => [{ type: 'account', id: input.from, sensitivity: 'confidential' }],
        impact: (input) => ({ amountUsd: input.amount, reversible: false }),
      },
    );
    const model = scriptedModel('transfer', { from: 'acct-9', to: 'acct-evil', amount: 250_000, currency: 'USD' });
    const result = await generateText({ model, tools: { transfer }, prompt: 'Pay them', stopWhen: stepCountIs(2) });

    const refusal = toolResultShown(model) as Refusal;
    assert.equal(refusal.refused, true);
    assert.equal(refusal.status, 'denied');
    assert.match(refusal.reason, /policy/);
    assert.ok(refusal.actionId);
    assert.deepEqual(result.steps[0]?.toolResults[0]?.output, refusal);
    assert.equal(stack.target.callsFor(refusal.actionId).length, 0, 'no executor call');
    assert.equal(stack.target.callsTo('payments.transfer').filter((c) => c.body.sessionId === sessionId).length, 0);
  });

  it('an action still awaiting approval at the tool’s timeout is a refusal saying so, not a failure; nothing executes', async () => {
    const sessionId = session();
    const update = gated(
      { description: 'Update CRM contacts', inputSchema: z.object({ set: z.record(z.string(), z.unknown()), where: z.record(z.string(), z.unknown()) }) },
      {
        client,
        tool: 'crm.contacts.update',
        environment: 'prod',
        sessionId,
        justification: 'upgrade the segment',
        resources: [{ type: 'contact', id: 'segment-7', sensitivity: 'internal' }],
        impact: { records: 200, reversible: true },
        timeoutMs: 1_500,
      },
    );
    const model = scriptedModel('update', { set: { tier: 'gold' }, where: { segment: 7 } });
    await generateText({ model, tools: { update }, prompt: 'Upgrade segment 7', stopWhen: stepCountIs(2) });

    const refusal = toolResultShown(model) as Refusal;
    assert.equal(refusal.status, 'awaiting_approval');
    assert.match(refusal.reason, /awaits approval/);
    assert.ok(refusal.actionId);
    const state = await client.get(refusal.actionId);
    assert.equal(state.status, 'awaiting_approval');
    assert.equal(stack.target.callsFor(refusal.actionId).length, 0);
    await client.cancel(refusal.actionId);
  });
});
