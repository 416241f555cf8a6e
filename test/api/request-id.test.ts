import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KEYS, REQUESTS } from '../helpers/config.js';
import { eventually, startStack, type Stack } from '../helpers/stack.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('x-request-id', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ noWorker: true, captureLogs: true });
  });
  after(async () => {
    await stack.close();
  });

  /** GET /healthz with `sent` as the request id; the id the API answered with. */
  async function idFor(sent: string | undefined): Promise<string> {
    const res = await fetch(`${stack.url}/healthz`, sent === undefined ? {} : { headers: { 'x-request-id': sent } });
    assert.equal(res.status, 200);
    const id = res.headers.get('x-request-id');
    assert.ok(id, 'every answer carries a request id');
    return id;
  }

  /** The completion log line of the request with this id (written once the answer is sent). */
  function logLineOf(id: string): Promise<Record<string, any>> {
    return eventually(async () =>
      stack.logs.map((l) => JSON.parse(l) as Record<string, any>).find((l) => l.reqId === id && l.res !== undefined),
    1_000, `the log line of request ${id}`);
  }

  it('echoes and logs a short safe id as sent', async () => {
    for (const sent of ['req-1', 'trace.abc:DEF_9', 'a'.repeat(64)]) {
      assert.equal(await idFor(sent), sent);
      assert.equal((await logLineOf(sent)).req.url, '/healthz');
    }
  });

  it('replaces a missing, oversized or odd id with a fresh UUID, in the answer and in the log', async () => {
    const unsafe = [
      'x'.repeat(10_000),
      'a'.repeat(65),
      'two words',
      'id"}{"level":60,"msg":"forged',
      '<script>alert(1)</script>',
      'semi;colon',
      'caf\u00e9',
    ];
    const seen = new Set<string>();
    for (const sent of [undefined, ...unsafe]) {
      const id = await idFor(sent);
      assert.match(id, UUID, `${JSON.stringify(sent?.slice(0, 40))} is replaced`);
      assert.ok(!seen.has(id), 'each replacement is fresh');
      seen.add(id);
      await logLineOf(id);
    }
    const everything = stack.logs.join('\n');
    for (const sent of unsafe) assert.ok(!everything.includes(sent), `${JSON.stringify(sent.slice(0, 40))} never reaches the logs`);
  });

  it("a handler's own lines carry the request's id", async () => {
    const res = await fetch(`${stack.url}/v1/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.billingAgent}`, 'content-type': 'application/json', 'x-request-id': 'submit-1' },
      body: JSON.stringify(REQUESTS.devRead()),
    });
    assert.equal(res.status, 202);
    const line = await eventually(
      async () => stack.logs.map((l) => JSON.parse(l) as Record<string, any>).find((l) => l.msg === 'action submitted'),
      1_000,
      'the submission log line',
    );
    assert.equal(line.reqId, 'submit-1');
    assert.equal((await logLineOf('submit-1')).res.statusCode, 202);
  });
});
