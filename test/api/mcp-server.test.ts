import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ActionRequest, type ActionState } from '../../domain/action.js';
import type { SessionState } from '../../domain/session.js';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { ROOT } from '../helpers/env.js';
import { startStack, type Stack } from '../helpers/stack.js';

const STDIO_ENTRY = join(ROOT, 'dist', 'mcp', 'stdio.js');
const TOOLS = ['cancel_action', 'get_action', 'open_session', 'request_action', 'wait_for_action'];

/** A tool call's answer, with the fields these tests read. */
type ToolAnswer = CallToolResult & { structuredContent?: Record<string, unknown> };

/** The text of a tool answer (the tools give one short text each). */
function textOf(res: ToolAnswer): string {
  const [first] = res.content;
  assert.equal(first?.type, 'text');
  return first.text;
}

function stateOf(res: ToolAnswer): ActionState {
  assert.notEqual(res.isError, true, `the call failed: ${res.isError ? textOf(res) : ''}`);
  return res.structuredContent as unknown as ActionState;
}

describe('MCP server at /mcp', () => {
  let stack: Stack;
  const clients: Client[] = [];

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  });

  /** A real MCP client over Streamable HTTP, authenticated with `key` (none when undefined). */
  async function connect(key: string | undefined): Promise<Client> {
    const client = new Client({ name: 'mcp-server-test', version: '1.0.0' });
    const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
    await client.connect(new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`), { requestInit: { headers } }));
    clients.push(client);
    return client;
  }

  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as ToolAnswer;

  it('tools/list shows the five tools, with input schemas generated from the zod contracts', async () => {
    const client = await connect(KEYS.billingAgent);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
    const request = tools.find((t) => t.name === 'request_action')!;
    // The submit body's contract, as JSON Schema: what POST /v1/actions validates is what the tool advertises.
    assert.deepEqual(request.inputSchema, z.toJSONSchema(ActionRequest, { target: 'draft-7', io: 'input' }));
    for (const field of ['tool', 'environment', 'resources', 'parameters', 'justification', 'sessionId']) {
      assert.ok(request.inputSchema.required?.includes(field), `${field} is required`);
    }
    assert.deepEqual(Object.keys(request.inputSchema.properties ?? {}).sort(), Object.keys(ActionRequest.shape).sort());
    assert.ok(request.outputSchema?.properties?.status, 'the answer is the action state');
    const wait = tools.find((t) => t.name === 'wait_for_action')!;
    assert.equal((wait.inputSchema.properties?.seconds as { maximum?: number }).maximum, 50);
    assert.deepEqual(tools.find((t) => t.name === 'open_session')!.inputSchema.required, ['sessionId', 'intent']);
  });

  it('request_action runs an auto action and answers with the executor’s result in structuredContent', async () => {
    const client = await connect(KEYS.billingAgent);
    const res = await call(client, 'request_action', REQUESTS.devRead());
    const state = stateOf(res);
    assert.equal(state.status, 'succeeded');
    assert.equal(state.risk.tier, 'auto');
    assert.equal(state.result?.httpStatus, 200);
    assert.deepEqual(JSON.parse(state.result!.body), { ok: true });
    assert.equal(stack.target.callsFor(state.id).length, 1, 'the tool was called once');
    assert.match(textOf(res), new RegExp(`^${state.id.replace('.', '\\.')}: succeeded \\(auto, \\d+\\) — the tool answered 200: \\{"ok":true\\}$`));
  });

  it('request_action needing approval answers at once with the id, who must approve and how to wait; wait_for_action then returns succeeded', async () => {
    const client = await connect(KEYS.billingAgent);
    const started = Date.now();
    const res = await call(client, 'request_action', REQUESTS.prodUpdate());
    const pending = stateOf(res);
    assert.equal(pending.status, 'awaiting_approval');
    assert.ok(Date.now() - started < 8_000, `answered in ${Date.now() - started} ms, not after the whole wait`);
    assert.equal(stack.target.callsFor(pending.id).length, 0, 'nothing ran before approval');
    assert.equal(
      textOf(res),
      `${pending.id}: awaiting_approval (review, ${pending.risk.score}) — needs 1 approval from U0ALICE, U0BOB, U0CAROL; call wait_for_action {"id":"${pending.id}"} to wait (up to 50 s a call)`,
    );

    const waiting = call(client, 'wait_for_action', { id: pending.id, seconds: 20 });
    await new Promise((r) => setTimeout(r, 1_000));
    const decided = await stack.call('POST', `/v1/actions/${pending.id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
    assert.equal(decided.status, 200);
    const done = stateOf(await waiting);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.approvals[0]?.by, 'U0ALICE');
    assert.equal(stack.target.callsFor(pending.id).length, 1, 'executed once after the approval');
  });

  it('get_action and cancel_action serve the agent’s own action; another agent’s is refused as not found, without its state', async () => {
    const billing = await connect(KEYS.billingAgent);
    const pending = stateOf(await call(billing, 'request_action', REQUESTS.prodUpdate()));
    assert.equal(pending.status, 'awaiting_approval');

    const support = await connect(KEYS.supportAgent);
    for (const tool of ['get_action', 'cancel_action']) {
      const refused = await call(support, tool, { id: pending.id });
      assert.equal(refused.isError, true, tool);
      assert.equal(refused.structuredContent, undefined, `${tool} shows nothing of it`);
      assert.match(textOf(refused), /^not_found: /, tool);
      assert.doesNotMatch(textOf(refused), /awaiting_approval/);
    }

    const got = stateOf(await call(billing, 'get_action', { id: pending.id }));
    assert.equal(got.status, 'awaiting_approval', 'the other agent cancelled nothing');
    const cancelled = await call(billing, 'cancel_action', { id: pending.id });
    assert.equal(stateOf(cancelled).status, 'cancelled');
    assert.equal(stateOf(cancelled).cancelledBy, 'agent:billing-agent');
    assert.match(textOf(cancelled), /cancelled by agent:billing-agent; it will not run$/);
    assert.equal(stack.target.callsFor(pending.id).length, 0);
  });

  it('refusals are isError results naming the code: a tool outside the agent’s patterns, a claim mismatch', async () => {
    const support = await connect(KEYS.supportAgent);
    const forbidden = await call(support, 'request_action', REQUESTS.prodUpdate());
    assert.equal(forbidden.isError, true);
    assert.match(textOf(forbidden), /^forbidden: agent support-agent may not use tool crm\.contacts\.update/);

    const billing = await connect(KEYS.billingAgent);
    const mismatch = await call(billing, 'request_action', REQUESTS.devRead({ operation: 'write' }));
    assert.equal(mismatch.isError, true);
    assert.match(textOf(mismatch), /^claim_mismatch: operation: crm\.contacts\.read is a read tool, not write/);
  });

  it('wait_for_action refuses more than 50 seconds at once, without waiting', async () => {
    const client = await connect(KEYS.billingAgent);
    const { id } = stateOf(await call(client, 'request_action', REQUESTS.prodUpdate()));
    const started = Date.now();
    // A client-side timeout, so a server that did wait fails this test in seconds rather than after 51.
    const res = (await client.callTool({ name: 'wait_for_action', arguments: { id, seconds: 51 } }, undefined, { timeout: 5_000 })) as ToolAnswer;
    assert.equal(res.isError, true);
    assert.match(textOf(res), /seconds/);
    assert.match(textOf(res), /at most 50 seconds/);
    assert.ok(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms`);
    await stack.call('POST', `/v1/actions/${id}/cancel`, { key: KEYS.billingAgent });
  });

  it('open_session declares a session and answers its state', async () => {
    const client = await connect(KEYS.billingAgent);
    const sessionId = `mcp-session-${Date.now()}`;
    const res = await call(client, 'open_session', { sessionId, intent: 'tidy the CRM', riskBudget: 300, ttl: '2h' });
    assert.notEqual(res.isError, true, textOf(res));
    const state = res.structuredContent as unknown as SessionState;
    assert.equal(state.sessionId, sessionId);
    assert.equal(state.riskBudget, 300);
    assert.equal(state.openedBy, 'agent');
    assert.ok(Date.parse(state.expiresAt) - Date.parse(state.openedAt) === 2 * 3_600_000, 'the ttl applied');
    assert.match(textOf(res), new RegExp(`^session ${sessionId}: open, 0 of 300 risk points spent`));
  });

  it('answers 401 without a key or with a wrong one: the client cannot connect and nothing of the tools is said', async () => {
    await assert.rejects(connect(undefined), /401|unauthorized/i);
    await assert.rejects(connect('not-a-key'), /401|unknown key/i);
    for (const authorization of [undefined, 'Bearer not-a-key']) {
      const res = await fetch(`${stack.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      const body = await res.text();
      assert.equal(res.status, 401, body);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      for (const tool of TOOLS) assert.ok(!body.includes(tool), `${tool} is not named`);
    }
  });

  it('refuses an operator’s key with 403: the tools act as an agent', async () => {
    await assert.rejects(connect(KEYS.alice), /403|for agents/);
  });

  it('is stateless: GET (no stream) and DELETE (no session) are 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${stack.url}/mcp`, { method, headers: { authorization: `Bearer ${KEYS.billingAgent}`, accept: 'text/event-stream' } });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'POST');
    }
  });

  describe('the stdio entry point (a remote Airlock over its HTTP API)', () => {
    it('without AIRLOCK_URL exits non-zero, naming the variable, and writes nothing to stdout', () => {
      const res = spawnSync(process.execPath, [STDIO_ENTRY], {
        env: { AIRLOCK_KEY: KEYS.billingAgent, PATH: process.env.PATH ?? '' },
        input: '',
        encoding: 'utf8',
        timeout: 10_000,
      });
      assert.equal(res.status, 78, res.stderr);
      assert.match(res.stderr, /AIRLOCK_URL/);
      assert.equal(res.stdout, '');
    });

    async function spawnStdio(key: string): Promise<{ client: Client; stderr: () => string }> {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [STDIO_ENTRY],
        env: { AIRLOCK_URL: stack.url, AIRLOCK_KEY: key, PATH: process.env.PATH ?? '' },
        stderr: 'pipe',
      });
      let stderr = '';
      transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const client = new Client({ name: 'mcp-stdio-test', version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      return { client, stderr: () => stderr };
    }

    it('lists the same tools as /mcp and runs request_action end to end', async () => {
      const { client, stderr } = await spawnStdio(KEYS.billingAgent);
      const { tools } = await client.listTools();
      const http = await connect(KEYS.billingAgent);
      assert.deepEqual(tools, (await http.listTools()).tools, 'one definition, two front doors');

      const res = await call(client, 'request_action', REQUESTS.devRead());
      const state = stateOf(res);
      assert.equal(state.status, 'succeeded');
      assert.equal(state.agentId, 'billing-agent');
      assert.equal(stack.target.callsFor(state.id).length, 1);
      assert.match(textOf(res), /: succeeded \(auto, \d+\) — the tool answered 200/);
      assert.match(stderr(), /airlock MCP server on stdio/, 'logs go to stderr');
    });

    it('answers needs-approval with how to wait, and refusals as isError with the API’s code', async () => {
      const { client } = await spawnStdio(KEYS.billingAgent);
      const res = await call(client, 'request_action', REQUESTS.prodUpdate());
      const pending = stateOf(res);
      assert.equal(pending.status, 'awaiting_approval');
      // A remote agent cannot read the configuration's approvers: it is told the role.
      assert.match(textOf(res), new RegExp(`needs 1 approval from a reviewer; call wait_for_action \\{"id":"${pending.id.replace('.', '\\.')}"\\}`));
      const cancelled = stateOf(await call(client, 'cancel_action', { id: pending.id }));
      assert.equal(cancelled.status, 'cancelled');

      const { client: support } = await spawnStdio(KEYS.supportAgent);
      const refused = await call(support, 'get_action', { id: pending.id });
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /^not_found: /);
    });

    it('a rate limit is an isError result with the code and the seconds to wait, from both front doors', async () => {
      const reload = () => stack.call('POST', '/v1/admin/reload', { key: KEYS.alice });
      stack.writeConfig((file) => {
        file.limits.sessionPerMinute = 1;
      });
      assert.equal((await reload()).status, 200);
      try {
        const sessionId = `mcp-throttle-${Date.now()}`;
        const http = await connect(KEYS.billingAgent);
        const { client: stdio } = await spawnStdio(KEYS.billingAgent);
        assert.equal(stateOf(await call(http, 'request_action', REQUESTS.devRead({ sessionId }))).status, 'succeeded');
        for (const client of [http, stdio]) {
          const throttled = await call(client, 'request_action', REQUESTS.devRead({ sessionId }));
          assert.equal(throttled.isError, true);
          assert.match(textOf(throttled), /^rate_limited: session mcp-throttle-\d+ may submit at most 1 actions a minute \(limits\.sessionPerMinute\) \(retry after \d+ s\)$/);
        }
      } finally {
        stack.writeConfig();
        assert.equal((await reload()).status, 200);
      }
    });
  });
});
