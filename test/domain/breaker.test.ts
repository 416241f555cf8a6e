import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BreakerSettings } from '../../domain/breaker.js';
import { addWaiter, applyReport, closedBreaker, nextWake, removeExecution, tick, viewOf, type BreakerCore } from '../../domain/breaker-rules.js';

const settings: BreakerSettings = { failures: 3, cooldownMs: 5_000, maxConcurrent: 2 };
const fail = (core: BreakerCore, at: number, extra = {}) => applyReport(core, { outcome: 'failure', error: 'executor answered 500', ...extra }, at, settings);
const waiting = (core: BreakerCore, ...ids: string[]) => ids.reduce((c, id) => addWaiter(c, { workflowId: id, permitTimeoutMs: 10_000 }), core);

/** A breaker opened at t=1000 by three failures, with waiters a, b, c, d. */
function opened(): BreakerCore {
  return waiting(fail(fail(fail(closedBreaker(0), 998), 999), 1_000), 'a', 'b', 'c', 'd');
}

describe('breaker rules', () => {
  it('opens after `failures` failed calls in a row; a success in between starts the count again', () => {
    let core = fail(fail(closedBreaker(0), 1), 2);
    core = applyReport(core, { outcome: 'success' }, 3, settings);
    core = fail(fail(core, 4), 5);
    assert.equal(core.status, 'closed');
    core = fail(core, 6);
    assert.deepEqual([core.status, core.failures, core.openedAt, core.probeAt, core.lastError], ['open', 3, 6, 5_006, 'executor answered 500']);
  });

  it('lets nobody through while open; after the cooldown exactly one waiter probes', () => {
    let { core, grants } = tick(opened(), 5_999, settings);
    assert.deepEqual(grants, []);
    assert.equal(nextWake(core), 6_000);
    ({ core, grants } = tick(core, 6_000, settings));
    assert.deepEqual(grants.map((g) => [g.workflowId, g.kind]), [['a', 'probe']]);
    assert.equal(core.status, 'half_open');
    ({ core, grants } = tick(core, 6_001, settings));
    assert.deepEqual(grants, [], 'one probe at a time');
    assert.equal(viewOf('t', core).waiting, 3);
  });

  it('a failed probe opens it again for another cooldown; the prober queues again like anyone', () => {
    let { core } = tick(opened(), 6_000, settings);
    core = fail(core, 6_100, { permit: 'probe', workflowId: 'a' });
    core = waiting(core, 'a');
    assert.deepEqual([core.status, core.probeAt, core.permits.length], ['open', 11_100, 0]);
    assert.deepEqual(core.waiters.map((w) => w.workflowId), ['b', 'c', 'd', 'a']);
    assert.equal(core.recoveries, 0);
  });

  it('a successful probe closes it and releases the waiters maxConcurrent at a time, the next as each reports', () => {
    let { core } = tick(opened(), 6_000, settings);
    core = applyReport(core, { outcome: 'success', permit: 'probe', workflowId: 'a' }, 6_100, settings);
    assert.deepEqual([core.status, core.failures, core.recoveries, core.openedAt], ['closed', 0, 1, undefined]);
    let grants;
    ({ core, grants } = tick(core, 6_100, settings));
    assert.deepEqual(grants.map((g) => [g.workflowId, g.kind]), [['b', 'release'], ['c', 'release']]);
    ({ core, grants } = tick(core, 6_200, settings));
    assert.deepEqual(grants, [], 'two are out');
    core = applyReport(core, { outcome: 'success', permit: 'release', workflowId: 'b' }, 6_300, settings);
    ({ core, grants } = tick(core, 6_300, settings));
    assert.deepEqual(grants.map((g) => g.workflowId), ['d']);
  });

  it('a permit nobody reports on expires: the probe passes to the next waiter, a release frees its slot', () => {
    let { core } = tick(opened(), 6_000, settings);
    let grants;
    ({ core, grants } = tick(core, 16_000, settings));
    assert.deepEqual(grants.map((g) => [g.workflowId, g.kind]), [['b', 'probe']]);
    core = applyReport(core, { outcome: 'success', permit: 'probe', workflowId: 'b' }, 16_100, settings);
    ({ core, grants } = tick(core, 16_100, settings));
    assert.deepEqual(grants.map((g) => g.workflowId), ['c', 'd']);
    core = waiting(core, 'e');
    ({ core, grants } = tick(core, 26_200, settings));
    assert.deepEqual(grants.map((g) => g.workflowId), ['e']);
  });

  it('a late success while open changes nothing; a waiter gone or queued twice counts once', () => {
    let core = applyReport(opened(), { outcome: 'success' }, 2_000, settings);
    assert.deepEqual([core.status, core.failures], ['open', 3]);
    core = waiting(core, 'a', 'b');
    assert.equal(core.waiters.length, 4);
    core = removeExecution(core, 'c');
    assert.deepEqual(core.waiters.map((w) => w.workflowId), ['a', 'b', 'd']);
  });
});
