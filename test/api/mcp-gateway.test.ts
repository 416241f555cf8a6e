import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { createApp } from '../../api/app.js';
import { ConfigError, parseConfigFile } from '../../config/index.js';
import { createLogger } from '../../lib/logger.js';
import { createGrantVerifier } from '../../sdk/verify-grant.js';
import { exampleYaml, isolatedAgent, KEYS, testConfig } from '../helpers/config.js';
import { testGrantKeys } from '../helpers/grants.js';
import { startMcpUpstream, type McpUpstream } from '../helpers/mcp-upstream.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { actionIdFor } from '../../api/actions/ids.js';
import { idempotencyKeyOf } from '../../api/mcp/gateway-call.js';
import type { AgentConfig } from '../../domain/config.js';
import { parse } from 'yaml';

/** The `mcp` section of the tests: `files` in front of the test upstream, read auto and delete for review. */
function mcpSection(url: string, wait = '3s') {
  return {
    wait,
    upstreams: {
      files: {
        url,
        timeout: '5s',
        tools: {
          // prod 25 + read 0 + internal 5 = 30: auto.
          read_file: { operation: 'read', environment: 'prod', reversible: true },
          // prod 25 + delete 20 + internal 5 + irreversible 15 = 65: review.
          delete_file: { operation: 'delete', environment: 'prod', reversible: false },
        },
      },
    },
  };
}

/** An MCP client of the gateway, as an agent runs it: the SDK's own, over Streamable HTTP. */
async function connect(url: string, key?: string, sessionId?: string) {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} },
    ...(sessionId ? { sessionId } : {}),
  });
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('MCP gateway (/mcp/<upstream>)', () => {
  let upstream: McpUpstream;
  let stack: Stack;
  const agent = isolatedAgent('mcp-gw');
  const reader = isolatedAgent('mcp-reader');
  const gatewayUrl = () => `${stack.url}/mcp/files`;
  const stdioLog = join(mkdtempSync(join(tmpdir(), 'airlock-mcp-stdio-')), 'calls.jsonl');

  before(async () => {
    upstream = await startMcpUpstream();
    stack = await startStack({
      edit: (file) => {
        agent.addTo(file);
        file.agents.at(-1).tools = ['files.*', 'local.*', 'gone.*'];
        reader.addTo(file);
        file.agents.at(-1).tools = ['files.read_file'];
        file.mcp = mcpSection(upstream.url);
        file.mcp.upstreams.local = {
          command: [process.execPath, fileURLToPath(new URL('../helpers/mcp-stdio-upstream.js', import.meta.url)), stdioLog],
          tools: { Echo: { operation: 'read', environment: 'dev', reversible: true } },
        };
        // Nothing listens there: its tools can never be checked, so never called.
        file.mcp.upstreams.gone = { url: 'http://127.0.0.1:1/mcp', timeout: '1s', tools: { anything: { operation: 'read', environment: 'dev', reversible: true } } };
      },
    });
  });
  after(async () => {
    await stack?.close();
    await upstream?.close();
  });

  it('passes an auto read through: the upstream is called once, with a grant that verifies, and its result is the answer', async () => {
    const { client } = await connect(gatewayUrl(), agent.key);
    const result = (await client.callTool({ name: 'read_file', arguments: { path: 'notes.txt' } })) as CallToolResult;
    assert.equal(result.isError, undefined, JSON.stringify(result));
    assert.deepEqual(result.content, [{ type: 'text', text: 'contents of notes.txt' }]);
    const calls = upstream.callsOf('read_file').filter((c) => c.arguments.path === 'notes.txt');
    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.match(call!.airlock?.actionId ?? '', new RegExp(`^${agent.id}\\.[0-9a-f]{24}$`));
    const verify = createGrantVerifier({ jwks: (await testGrantKeys()).jwks, audience: 'files.read_file' });
    const claims = await verify(call!.authorization, { actionId: call!.airlock?.actionId, environment: call!.airlock?.environment, parameters: call!.arguments }, { environment: 'prod' });
    assert.equal(claims.sub, agent.id);
    assert.equal(claims.tier, 'auto');
    const state = await stack.waitFor(call!.airlock!.actionId!, ['succeeded']);
    assert.equal(state.tool, 'files.read_file');
    assert.deepEqual(state.result?.mcp?.content, [{ type: 'text', text: 'contents of notes.txt' }]);
    await client.close();
  });

  it("returns a tool's isError as the upstream gave it, and fails the action without retrying it", async () => {
    const { client } = await connect(gatewayUrl(), agent.key);
    const result = (await client.callTool({ name: 'read_file', arguments: { path: 'missing.txt' } })) as CallToolResult;
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{ type: 'text', text: 'no such file: missing.txt' }]);
    const calls = upstream.callsOf('read_file').filter((c) => c.arguments.path === 'missing.txt');
    assert.equal(calls.length, 1);
    const state = await stack.waitFor(calls[0]!.airlock!.actionId!, ['failed']);
    assert.equal(state.attempts, 1);
    assert.equal(state.error?.code, 'ExecutorRejected');
    assert.equal(state.result?.mcp?.isError, true);
    await client.close();
  });

  it('retries an upstream that answers 503, and the tool runs once', async () => {
    const { client } = await connect(gatewayUrl(), agent.key);
    upstream.failNext(1);
    const result = (await client.callTool({ name: 'read_file', arguments: { path: 'retry.txt' } })) as CallToolResult;
    assert.deepEqual(result.content, [{ type: 'text', text: 'contents of retry.txt' }]);
    const calls = upstream.callsOf('read_file').filter((c) => c.arguments.path === 'retry.txt');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.airlock?.attempt, 2);
    const state = await stack.waitFor(calls[0]!.airlock!.actionId!, ['succeeded']);
    assert.equal(state.attempts, 2);
    await client.close();
  });

  it('reaches a stdio upstream (a command) for its tools and their calls, by the upstream\'s own tool name', async () => {
    const { client } = await connect(`${stack.url}/mcp/local`, agent.key);
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name), ['Echo']);
    const result = (await client.callTool({ name: 'Echo', arguments: { text: 'hi' } })) as CallToolResult;
    assert.deepEqual(result.content, [{ type: 'text', text: 'echo: hi' }]);
    const lines = readFileSync(stdioLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { airlock: { actionId: string } });
    assert.equal(lines.length, 1);
    const state = await stack.waitFor(lines[0]!.airlock.actionId, ['succeeded']);
    assert.equal(state.tool, 'local.echo');
    await client.close();
  });

  it('fails calls to an upstream that cannot be reached for its schema, and records no action', async () => {
    const { client, transport } = await connect(`${stack.url}/mcp/gone`, agent.key);
    await assert.rejects(client.listTools(), /upstream gone cannot be reached/);
    const result = (await client.callTool({ name: 'anything', arguments: {} })) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match(textOf(result), /^upstream_unavailable: MCP upstream gone cannot be reached/);
    // The action this call would have been: there is none.
    const key = idempotencyKeyOf({ agent: { id: agent.id } as AgentConfig, upstream: 'gone', mcpSessionId: transport.sessionId!, tool: 'anything', arguments: {} });
    assert.equal((await stack.call('GET', `/v1/actions/${actionIdFor(agent.id, key)}`, { key: KEYS.alice })).status, 404);
    await client.close();
  });

  it('holds a delete for approval, and the repeat call after approval (through a restarted API, then again) gets the upstream result from one upstream call', async () => {
    const { client, transport } = await connect(gatewayUrl(), agent.key);
    const args = { path: 'old.log' };
    const first = (await client.callTool({ name: 'delete_file', arguments: args })) as CallToolResult;
    assert.equal(first.isError, true);
    const action = (first.structuredContent as { action: { id: string; status: string; risk: { tier: string } } }).action;
    assert.equal(action.status, 'awaiting_approval');
    assert.equal(action.risk.tier, 'review');
    assert.equal(textOf(first), `awaiting approval (action ${action.id}) — call again with the same arguments to get the result`);
    const key = idempotencyKeyOf({ agent: { id: agent.id } as AgentConfig, upstream: 'files', mcpSessionId: transport.sessionId!, tool: 'delete_file', arguments: args });
    assert.equal(actionIdFor(agent.id, key), action.id);
    assert.equal(upstream.callsOf('delete_file').length, 0);

    const decided = await stack.call('POST', `/v1/actions/${action.id}/decision`, { key: KEYS.alice, body: { decision: 'approve', version: 1 } });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));

    // A new API (nothing in memory: no MCP session, no upstream schemas) takes the same MCP session id.
    const sessionId = transport.sessionId!;
    assert.ok(sessionId);
    const restarted = createApp({ config: stack.live, client: stack.client, logger: createLogger({ level: 'silent' }), grantKeys: await testGrantKeys() }).app.listen(0, '127.0.0.1');
    await new Promise((r) => restarted.once('listening', r));
    try {
      const again = await connect(`http://127.0.0.1:${(restarted.address() as AddressInfo).port}/mcp/files`, agent.key, sessionId);
      const second = (await again.client.callTool({ name: 'delete_file', arguments: { path: 'old.log' } })) as CallToolResult;
      assert.equal(second.isError, undefined, JSON.stringify(second));
      assert.deepEqual(second.content, [{ type: 'text', text: 'deleted old.log' }]);
      assert.deepEqual(second.structuredContent, { deleted: 'old.log' });
    } finally {
      restarted.closeAllConnections();
      restarted.close();
    }
    const third = (await client.callTool({ name: 'delete_file', arguments: args })) as CallToolResult;
    assert.deepEqual(third.structuredContent, { deleted: 'old.log' });
    assert.equal(upstream.callsOf('delete_file').filter((c) => c.arguments.path === 'old.log').length, 1);
    // Another MCP session is another conversation: the same call there is a new action.
    const other = await connect(gatewayUrl(), agent.key);
    const fresh = (await other.client.callTool({ name: 'delete_file', arguments: args })) as CallToolResult;
    assert.notEqual((fresh.structuredContent as { action: { id: string } }).action.id, action.id);
    await Promise.all([client.close(), other.client.close()]);
  });

  it('answers a rejected call with isError and the reason; the upstream is not called', async () => {
    const { client } = await connect(gatewayUrl(), agent.key);
    const args = { path: 'precious.db' };
    const first = (await client.callTool({ name: 'delete_file', arguments: args })) as CallToolResult;
    const { id } = (first.structuredContent as { action: { id: string } }).action;
    const decided = await stack.call('POST', `/v1/actions/${id}/decision`, { key: KEYS.bob, body: { decision: 'reject', version: 1, reason: 'we keep that one' } });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    const again = (await client.callTool({ name: 'delete_file', arguments: args })) as CallToolResult;
    assert.equal(again.isError, true);
    assert.match(textOf(again), /rejected by U0BOB: we keep that one/);
    assert.equal(upstream.callsOf('delete_file').filter((c) => c.arguments.path === 'precious.db').length, 0);
    await client.close();
  });

  it('lists only the tools the agent may request, gated; refuses the others on call without calling the upstream', async () => {
    const { client } = await connect(gatewayUrl(), reader.key);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['read_file']);
    assert.match(tools[0]!.description ?? '', /^Read a file\n\nGated by Airlock/);
    assert.deepEqual(Object.keys((tools[0]!.inputSchema as { properties: object }).properties), ['path']);
    const full = await connect(gatewayUrl(), agent.key);
    // secret_tool is the upstream's, but the configuration does not list it: nobody sees it.
    assert.deepEqual((await full.client.listTools()).tools.map((t) => t.name).sort(), ['delete_file', 'read_file']);

    const refused = (await client.callTool({ name: 'delete_file', arguments: { path: 'x' } })) as CallToolResult;
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /^forbidden: agent .* may not use tool files\.delete_file/);
    await assert.rejects(client.callTool({ name: 'secret_tool', arguments: {} }), /Tool secret_tool not found/);
    assert.equal(upstream.callsOf('delete_file').filter((c) => c.arguments.path === 'x').length, 0);
    assert.equal(upstream.callsOf('secret_tool').length, 0);
    // Arguments that break the upstream's own schema are Airlock's 400, naming the path.
    const bad = (await full.client.callTool({ name: 'read_file', arguments: { path: 42 } })) as CallToolResult;
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /invalid_request: .*parameters\.path/);
    await Promise.all([client.close(), full.client.close()]);
  });

  it('answers 401 without an agent key and 404 for an upstream that is not configured', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
    const post = (path: string, key?: string) =>
      fetch(`${stack.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(init),
      });
    assert.equal((await post('/mcp/files')).status, 401);
    assert.equal((await post('/mcp/files', 'not-a-key')).status, 401);
    assert.equal((await post('/mcp/files', KEYS.alice)).status, 403);
    assert.equal((await post('/mcp/nowhere', agent.key)).status, 404);
    await assert.rejects(connect(gatewayUrl()), (err) => err instanceof StreamableHTTPError && err.code === 401);
  });
});

describe('MCP gateway with Temporal unreachable', () => {
  it('fails the call and never calls the upstream', async () => {
    const upstream = await startMcpUpstream();
    const agent = isolatedAgent('mcp-down');
    const config = testConfig({
      targetUrl: 'http://127.0.0.1:1',
      taskQueue: 'nowhere',
      temporalAddress: '127.0.0.1:1',
      edit: (file) => {
        agent.addTo(file);
        file.agents.at(-1).tools = ['files.*'];
        file.mcp = mcpSection(upstream.url);
      },
    });
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    const app = createApp({ config, client: new TemporalClient({ connection }), logger: createLogger({ level: 'silent' }), grantKeys: await testGrantKeys() }).app;
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { client } = await connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp/files`, agent.key);
      const result = (await client.callTool({ name: 'read_file', arguments: { path: 'a' } })) as CallToolResult;
      assert.equal(result.isError, true);
      assert.match(textOf(result), /^temporal_unavailable/);
      assert.equal(upstream.calls.length, 0);
      await client.close();
    } finally {
      server.closeAllConnections();
      server.close();
      await upstream.close();
    }
  });
});

describe('mcp configuration', () => {
  const withMcp = (edit: (file: Record<string, any>) => void) => {
    const file = parse(exampleYaml()) as Record<string, any>;
    file.mcp = mcpSection('http://127.0.0.1:9/mcp');
    edit(file);
    return stringify(file);
  };
  const fieldsOf = (text: string) => {
    try {
      parseConfigFile(text, 'test.yaml');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.issues.map((i) => i.field);
    }
    assert.fail('the file was accepted');
  };

  it('makes each listed upstream tool an Airlock tool with an mcp executor in its environment', () => {
    const file = parseConfigFile(withMcp(() => {}), 'test.yaml');
    assert.equal(file.mcp.wait, 3000);
    assert.deepEqual(file.tools['files.delete_file']?.executors, { prod: { type: 'mcp', upstream: 'files', tool: 'delete_file', timeout: 5000, deadline: 600_000 } });
    assert.equal(file.tools['files.delete_file']?.operation, 'delete');
    assert.equal(file.tools['files.read_file']?.reversible, true);
    assert.equal(parseConfigFile(exampleYaml(), 'airlock.yaml').mcp.wait, 20_000);
  });

  it('refuses a tool name clash with tools:, a bad upstream tool name, and a wait over 50 s, naming each field', () => {
    assert.deepEqual(
      fieldsOf(withMcp((f) => (f.tools['files.read_file'] = { ...f.tools['crm.contacts.read'] }))),
      ['mcp.upstreams.files.tools.read_file'],
    );
    assert.deepEqual(
      fieldsOf(withMcp((f) => (f.mcp.upstreams.files.tools['read file!'] = { operation: 'read', environment: 'dev' }))),
      ['mcp.upstreams.files.tools["read file!"]'],
    );
    assert.deepEqual(
      fieldsOf(withMcp((f) => (f.mcp.upstreams.files.tools.Read_File = { operation: 'read', environment: 'dev' }))),
      ['mcp.upstreams.files.tools.Read_File'],
    );
    assert.deepEqual(fieldsOf(withMcp((f) => (f.mcp.wait = '51s'))), ['mcp.wait']);
    assert.deepEqual(fieldsOf(withMcp((f) => (f.mcp.upstreams.files.command = ['node', 'server.js']))), ['mcp.upstreams.files.url']);
    assert.deepEqual(
      fieldsOf(withMcp((f) => (f.tools['crm.contacts.read'].executors.dev = { type: 'mcp', upstream: 'files', tool: 'read_file' }))),
      ['tools["crm.contacts.read"].executors.dev.type'],
    );
  });
});
