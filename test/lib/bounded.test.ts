import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { Client } from '@temporalio/client';
import { Velocity } from '../../api/actions/velocity.js';
import type { SessionState } from '../../domain/session.js';
import { SessionReader } from '../../lib/session-reader.js';
import { SESSION_MEMO } from '../../workflows/messages.js';

describe('what the API and workers keep per session is bounded', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-12-06T10:00:00Z') }));
  afterEach(() => mock.timers.reset());

  it('velocity limits forget sessions not seen for a minute', () => {
    const velocity = new Velocity(() => ({ sessionPerMinute: 100 }));
    for (let i = 0; i < 3_000; i++) assert.equal(velocity.admit('billing-agent', `old-${i}`, Date.now()), undefined);
    mock.timers.tick(61_000);
    for (let i = 0; i < 1_100; i++) velocity.admit('billing-agent', `new-${i}`, Date.now());
    assert.equal(velocity.tracked(), 1_100, 'only the sessions of the last minute are kept');
  });

  it('a worker’s session reads expire from its cache, not only on their next read', async () => {
    const session = (id: string): SessionState => ({
      sessionId: id,
      agentId: 'billing-agent',
      status: 'open',
      intent: 'test',
      allowedTools: [],
      riskBudget: 100,
      spent: 0,
      actions: { count: 0, recent: [] },
      openedBy: 'agent',
      openedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      touched: [],
      standing: [],
    });
    const client = {
      workflow: { getHandle: (id: string) => ({ describe: async () => ({ memo: { [SESSION_MEMO]: session(id) } }) }) },
    } as unknown as Client;
    const reader = new SessionReader(() => client, 1_000);
    for (let i = 0; i < 1_000; i++) await reader.read('billing-agent', `old-${i}`);
    assert.equal(reader.size, 1_000);
    mock.timers.tick(2_000);
    for (let i = 0; i < 100; i++) await reader.read('billing-agent', `new-${i}`);
    assert.equal(reader.size, 100, 'the expired reads were dropped');
  });
});
