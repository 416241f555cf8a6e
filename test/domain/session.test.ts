import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionPreparer } from '../../api/actions/prepare.js';
import { parseConfigFile, parseEnv } from '../../config/index.js';
import { ActionRequest } from '../../domain/action.js';
import { globIncludes, matchesAny } from '../../domain/glob.js';
import type { SessionFacts } from '../../domain/input.js';
import type { SessionState, StandingGrant } from '../../domain/session.js';
import { claimStanding, recordOutcome, statusAt } from '../../domain/session-rules.js';
import { exampleYaml } from '../helpers/config.js';

const example = parseConfigFile(exampleYaml(), 'airlock.yaml');
const agent = example.agents[0]!;
const preparer = new ActionPreparer({ env: parseEnv({}), file: example, path: 'airlock.yaml' });

function riskOf(request: Partial<ActionRequest> & Pick<ActionRequest, 'tool' | 'parameters'>, session: SessionFacts) {
  const parsed = ActionRequest.parse({ environment: 'dev', justification: 'test', sessionId: session.sessionId, resources: [], ...request });
  return preparer.prepare(agent, parsed, (id) => id, (id) => id, session).risk;
}

const facts = (extra: Partial<SessionFacts> = {}): SessionFacts => ({
  sessionId: 's',
  riskBudget: 1000,
  spent: 0,
  allowedTools: agent.tools,
  driftTier: 'review',
  touched: [],
  ...extra,
});

describe('session factors', () => {
  const mail = { tool: 'mail.send', parameters: { to: ['a@example.com'], subject: 'x' } };

  it('drift with sessions.driftTier deny refuses the action (tier deny)', () => {
    const risk = riskOf(mail, facts({ allowedTools: ['crm.**'], driftTier: 'deny' }));
    assert.equal(risk.tier, 'deny');
    assert.ok(risk.factors.some((f) => f.name === 'drift'));
  });

  it('the budget counts this action’s score: spent + score over the budget needs review, reaching it does not', () => {
    const score = riskOf(mail, facts()).score;
    assert.equal(riskOf(mail, facts({ riskBudget: 100, spent: 100 - score })).tier, 'auto');
    const over = riskOf(mail, facts({ riskBudget: 100, spent: 101 - score }));
    assert.equal(over.tier, 'review');
    assert.ok(over.factors.some((f) => f.name === 'session_budget'));
  });

  it('a sequence rule needs both steps: restricted data touched earlier, and egress now', () => {
    const restricted = { tool: 'crm.contacts.read', operation: 'read' as const, sensitivity: 'restricted' as const, egress: false };
    assert.equal(riskOf(mail, facts({ touched: [restricted] })).tier, 'critical');
    assert.equal(riskOf(mail, facts({ touched: [{ ...restricted, sensitivity: 'internal' }] })).tier, 'auto');
    const read = riskOf({ tool: 'crm.contacts.read', parameters: { ids: ['c1'] } }, facts({ touched: [restricted] }));
    assert.equal(read.tier, 'auto', 'no egress, no sequence');
  });
});

describe('session rules', () => {
  const at = '2026-11-22T10:00:00.000Z';
  const base: SessionState = {
    sessionId: 's',
    agentId: 'a',
    status: 'open',
    intent: 'x',
    allowedTools: ['crm.**'],
    riskBudget: 100,
    spent: 0,
    actions: { count: 0, recent: [] },
    openedBy: 'agent',
    openedAt: at,
    expiresAt: '2026-11-22T12:00:00.000Z',
    touched: [],
    standing: [],
  };
  const grant: StandingGrant = {
    actionId: 'a.1',
    tool: 'crm.contacts.update',
    maxScore: 45,
    count: 2,
    remaining: 2,
    expiresAt: '2026-11-22T10:30:00.000Z',
    by: 'U0ALICE',
    ids: ['U0ALICE'],
    grantedAt: at,
    covered: [],
  };
  const claim = { actionId: 'a.2', tool: 'crm.contacts.update', tier: 'review' as const, score: 45, at };

  it('a standing approval covers the same tool at no higher score, review tier, within its time; a retry gets the same use', () => {
    const state = { ...base, standing: [grant] };
    assert.equal(claimStanding(state, { ...claim, score: 46 }).use, undefined);
    assert.equal(claimStanding(state, { ...claim, tier: 'critical' }).use, undefined);
    assert.equal(claimStanding(state, { ...claim, tool: 'crm.contacts.read' }).use, undefined);
    assert.equal(claimStanding(state, { ...claim, at: '2026-11-22T10:31:00.000Z' }).use, undefined);
    const first = claimStanding(state, claim);
    assert.equal(first.use?.grant.remaining, 1);
    const again = claimStanding(first.state, claim);
    assert.equal(again.state, first.state, 'the same action does not take a second use');
    const second = claimStanding(first.state, { ...claim, actionId: 'a.3' });
    assert.equal(second.use?.grant.remaining, 0);
    assert.equal(claimStanding(second.state, { ...claim, actionId: 'a.4' }).use, undefined);
  });

  it('only executed actions spend and count for sequences; an outcome signalled twice counts once', () => {
    const touch = { tool: 'crm.contacts.read', operation: 'read' as const, sensitivity: 'restricted' as const, egress: false };
    const outcome = { actionId: 'a.1', tool: 'crm.contacts.read', tier: 'auto' as const, score: 30, at };
    let state = recordOutcome(base, { ...outcome, outcome: 'succeeded', touch });
    state = recordOutcome(state, { ...outcome, outcome: 'succeeded', touch });
    state = recordOutcome(state, { ...outcome, actionId: 'a.2', outcome: 'failed' });
    assert.deepEqual([state.spent, state.actions.count, state.touched.length], [30, 2, 1]);
    assert.equal(statusAt(state, Date.parse('2026-11-22T12:00:00.000Z')), 'expired');
    assert.equal(statusAt(state, Date.parse('2026-11-22T11:59:59.000Z')), 'open');
  });
});

describe('globIncludes', () => {
  // Every name over a small alphabet, up to 4 characters: inclusion is checked against all of them.
  const alphabet = ['a', 'b', '.'];
  const names: string[] = [''];
  for (let n = 1; n <= 4; n++) for (const prefix of names.filter((x) => x.length === n - 1)) for (const c of alphabet) names.push(prefix + c);
  const patterns = ['a', 'a.b', 'a.*', '*', '**', 'a.**', '*.b', '?', 'a?', 'a*', '**.b', 'a.?', '*.*', 'b.**', '?.?', 'a**'];

  it('never says a pattern is included when some name it matches is not matched by the outer one (sound)', () => {
    for (const outer of patterns) {
      for (const inner of patterns) {
        if (!globIncludes(outer, inner)) continue;
        for (const name of names) {
          if (matchesAny(name, [inner])) assert.ok(matchesAny(name, [outer]), `${inner} ⊆ ${outer}, but ${name} breaks it`);
        }
      }
    }
  });

  it('recognises the inclusions agents declare', () => {
    assert.ok(globIncludes('crm.**', 'crm.contacts.read'));
    assert.ok(globIncludes('crm.**', 'crm.contacts.*'));
    assert.ok(globIncludes('payments.*', 'payments.refund'));
    assert.ok(globIncludes('**', 'crm.**'));
    assert.ok(!globIncludes('payments.*', 'payments.**'));
    assert.ok(!globIncludes('crm.*', 'crm.contacts.read'));
    assert.ok(!globIncludes('crm.**', '**'));
  });
});
