import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admission } from '../../api/actions/admission.js';

/** Work that runs until told to end, noting when it began. */
function gatedWork(started: string[]) {
  const ends = new Map<string, () => void>();
  return {
    work: (name: string, fail = false) => () =>
      new Promise<string>((resolve, reject) => {
        started.push(name);
        ends.set(name, () => (fail ? reject(new Error(name)) : resolve(name)));
      }),
    end: (name: string) => ends.get(name)!(),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('admission of submissions', () => {
  it('runs at most `limit` at once; the rest start in their order of arrival as places free', async () => {
    const started: string[] = [];
    const { work, end } = gatedWork(started);
    const admission = new Admission(() => 2, 60_000);
    const runs = ['a', 'b', 'c', 'd', 'e'].map((n) => admission.run('agent', work(n)));
    await tick();
    assert.deepEqual(started, ['a', 'b']);
    assert.deepEqual([admission.active, admission.queued], [2, 3]);
    end('b');
    await tick();
    assert.deepEqual(started, ['a', 'b', 'c']);
    end('a');
    end('c');
    await tick();
    assert.deepEqual(started, ['a', 'b', 'c', 'd', 'e']);
    end('d');
    end('e');
    assert.deepEqual(await Promise.all(runs), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual([admission.active, admission.queued], [0, 0]);
  });

  it('a raised limit lets in those already waiting before a newcomer', async () => {
    const started: string[] = [];
    const { work, end } = gatedWork(started);
    let limit = 1;
    const admission = new Admission(() => limit, 60_000);
    const runs = [admission.run('agent', work('a')), admission.run('agent', work('b'))];
    await tick();
    limit = 2;
    runs.push(admission.run('agent', work('c')));
    await tick();
    assert.deepEqual(started, ['a', 'b'], 'b waited longer: it takes the new place, c waits');
    end('a');
    await tick();
    for (const n of ['b', 'c']) end(n);
    await Promise.all(runs);
    assert.deepEqual(started, ['a', 'b', 'c']);
  });

  it('a submission still at work after holdMs lets the next one in, and does not free a second place when it ends', async () => {
    const started: string[] = [];
    const { work, end } = gatedWork(started);
    const admission = new Admission(() => 1, 50);
    const runs = ['slow', 'next', 'last'].map((n) => admission.run('agent', work(n)));
    await tick();
    assert.deepEqual(started, ['slow']);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(started, ['slow', 'next'], 'the slow one gave up its place after 50 ms');
    end('slow');
    await tick();
    assert.deepEqual(started, ['slow', 'next'], 'ending after its hold frees nothing more');
    end('next');
    await tick();
    end('last');
    await Promise.all(runs);
    assert.equal(admission.active, 0);
  });

  it("one agent's flood does not hold up another's: turns go round the agents waiting, in order within each", async () => {
    const started: string[] = [];
    const { work, end } = gatedWork(started);
    const admission = new Admission(() => 1, 60_000);
    const runs = ['x1', 'x2', 'x3', 'x4'].map((n) => admission.run('flooding', work(n)));
    runs.push(admission.run('other', work('y1')), admission.run('other', work('y2')));
    await tick();
    for (const n of ['x1', 'x2', 'y1', 'x3', 'y2', 'x4']) {
      assert.equal(started.at(-1), n, `started so far: ${started.join(', ')}`);
      end(n);
      await tick();
    }
    await Promise.all(runs);
    assert.deepEqual(started, ['x1', 'x2', 'y1', 'x3', 'y2', 'x4']);
  });

  it('a failed submission frees its place', async () => {
    const started: string[] = [];
    const { work, end } = gatedWork(started);
    const admission = new Admission(() => 1, 60_000);
    const failing = admission.run('agent', work('fails', true));
    const next = admission.run('agent', work('next'));
    await tick();
    end('fails');
    await assert.rejects(failing, /fails/);
    await tick();
    assert.deepEqual(started, ['fails', 'next']);
    end('next');
    assert.equal(await next, 'next');
  });

  it('a raised limit (a reload) admits as many of those waiting as it now allows', async () => {
    const started: string[] = [];
    const { work, end } = gatedWork(started);
    let limit = 1;
    const admission = new Admission(() => limit, 60_000);
    const runs = ['a', 'b', 'c', 'd'].map((n) => admission.run('agent', work(n)));
    await tick();
    limit = 3;
    end('a');
    await tick();
    assert.deepEqual(started, ['a', 'b', 'c', 'd']);
    for (const n of ['b', 'c', 'd']) end(n);
    await Promise.all(runs);
  });
});
