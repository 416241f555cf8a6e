import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { validate } from '@readme/openapi-parser';
import type { Express } from 'express';
import { createApp } from '../../api/app.js';
import { createLogger } from '../../lib/logger.js';
import { testConfig } from '../helpers/config.js';
import { testClient, testEnv, uniqueTaskQueue } from '../helpers/env.js';
import { testGrantKeys } from '../helpers/grants.js';
import { SIGNING_SECRET } from '../helpers/slack.js';

/** What express 5 (router 2) keeps of a mounted route or router: enough to list the app's routes. */
interface Layer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/**
 * Every (method, path) the app serves, read from its router stack, paths in
 * OpenAPI form: express's `:id` becomes `{id}`, a router's `/` its mount path.
 */
function servedRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = `${prefix}${layer.route.path === '/' ? '' : layer.route.path}`.replace(/:(\w+)/g, '{$1}') || '/';
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) out.push(`${method} ${path}`);
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, `${prefix}${layer.rawPath === '/' || layer.rawPath === undefined ? '' : layer.rawPath}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out.sort();
}

/** Every (method, path) the document describes. */
function documentedRoutes(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
    .sort();
}

type Document = {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref: string } }> }; security: unknown[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
};

describe('OpenAPI document', () => {
  const clients: { close(): Promise<void> }[] = [];
  const servers: Server[] = [];
  const appWith = async (env: Record<string, string> = {}) => {
    const { client, close } = await testClient();
    clients.push({ close });
    const config = testConfig({ targetUrl: 'http://127.0.0.1:9', taskQueue: uniqueTaskQueue('openapi'), temporalAddress: testEnv.address, env });
    const { app } = createApp({ config, client, logger: createLogger({ level: 'silent' }), grantKeys: await testGrantKeys() });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { app, url };
  };
  let plain: Awaited<ReturnType<typeof appWith>>;
  let document: Document;

  before(async () => {
    plain = await appWith();
    const res = await fetch(`${plain.url}/openapi.json`);
    assert.equal(res.status, 200, 'public: no key needed');
    document = (await res.json()) as Document;
  });
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    for (const client of clients) await client.close();
  });

  it('GET /openapi.json is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(document) as never);
    assert.equal(result.valid, true, JSON.stringify(result));
    assert.equal((document as unknown as { openapi: string }).openapi, '3.1.0');
  });

  it('documents exactly the routes the app serves, both ways', () => {
    const served = servedRoutes(plain.app);
    assert.ok(served.includes('post /v1/actions') && served.includes('get /v1/actions/{id}'), served.join('\n'));
    assert.deepEqual(documentedRoutes(document), served);
  });

  it('with Slack over HTTP, POST /slack/events is served and documented too', async () => {
    const slack = await appWith({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: 'http://127.0.0.1:9/api/', SLACK_TEAM_IDS: 'T0TEAM', SLACK_APP_IDS: 'A0AIRLOCK' });
    const served = servedRoutes(slack.app);
    assert.ok(served.includes('post /slack/events'), served.join('\n'));
    const own = (await (await fetch(`${slack.url}/openapi.json`)).json()) as Document;
    assert.deepEqual(documentedRoutes(own), served);
  });

  it('request bodies are the zod contracts: POST /v1/actions requires what ActionRequest requires', () => {
    const ref = document.paths['/v1/actions']!.post!.requestBody!.content['application/json']!.schema.$ref;
    const schema = document.components.schemas[ref.replace('#/components/schemas/', '')]!;
    assert.deepEqual(new Set(schema.required), new Set(['tool', 'environment', 'resources', 'parameters', 'justification', 'sessionId']));
    assert.ok(schema.properties?.idempotencyKey, 'optional fields are described too');
    const decision = document.paths['/v1/actions/{id}/decision']!.post!.requestBody!.content['application/json']!.schema.$ref;
    assert.equal(decision, '#/components/schemas/DecisionBody');
  });

  it('errors carry the one error body, by status, and say who may call each route', () => {
    const submit = document.paths['/v1/actions']!.post!;
    for (const status of ['400', '401', '423', '429']) assert.ok(submit.responses[status], `POST /v1/actions documents ${status}`);
    assert.deepEqual(submit.security, [{ agentKey: [] }]);
    assert.deepEqual(document.paths['/v1/admin/reload']!.post!.security, [{ operatorKey: [] }]);
    assert.deepEqual(document.paths['/healthz']!.get!.security, []);
    const error = document.components.schemas.ErrorBody as { properties: { error: { required: string[] } } };
    assert.deepEqual(error.properties.error.required.sort(), ['code', 'message']);
    assert.equal((document as unknown as { 'x-airlock-error-status': Record<string, number> })['x-airlock-error-status'].agent_frozen, 423);
  });
});
