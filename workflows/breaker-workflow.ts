import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BreakerSettings } from '../domain/breaker.js';
import { addWaiter, applyReport, closedBreaker, nextWake, removeExecution, tick, viewOf, type BreakerCore } from '../domain/breaker-rules.js';
import { BREAKER_MEMO, breakerLeaveSignal, breakerPermitSignal, breakerReportSignal, breakerWaitSignal, searchAttributes } from './messages.js';

/** Input of {@link breakerWorkflow}; `core` carries the state across continue-as-new. */
export interface BreakerWorkflowInput {
  tool: string;
  settings: BreakerSettings;
  core?: BreakerCore;
}

/** Reports arrive with every failing call of an outage: the history is cut well before Temporal's limits. */
const MAX_HISTORY_EVENTS = 2_000;

function details(tool: string, core: BreakerCore): string {
  const waiting = `${core.waiters.length} waiting, ${core.permits.length} let through`;
  switch (core.status) {
    case 'closed':
      return `**${tool}: closed** — ${core.failures} consecutive failure(s); ${waiting}`;
    case 'open':
      return `**${tool}: OPEN** since ${new Date(core.openedAt ?? core.changedAt).toISOString()}, next probe at ${new Date(core.probeAt ?? core.changedAt).toISOString()}; ${waiting}; last error: ${core.lastError ?? 'none'}`;
    case 'half_open':
      return `**${tool}: half-open** — one probe call decides; ${waiting}`;
  }
}

/**
 * The circuit breaker of one tool, shared by every worker. Workers report
 * failed calls (and successes that matter); after `failures` in a row it opens,
 * and executions that find it open wait in its queue, holding no worker slot.
 * After `cooldown` the first waiter probes; a success closes it and releases
 * the waiters `maxConcurrent` at a time (the next as each reports), a failure
 * opens it again. Its state lives in the memo (the workers and the API read it
 * with a describe) and in the `AirlockBreakerState` search attribute.
 */
export async function breakerWorkflow(input: BreakerWorkflowInput): Promise<void> {
  const { tool } = input;
  let settings = input.settings;
  let core = input.core ?? closedBreaker(Date.now());
  let dirty = true;
  let shown = '';
  let indexed = '';

  setHandler(breakerReportSignal, ({ settings: latest, ...report }) => {
    settings = latest;
    core = applyReport(core, report, Date.now(), settings);
    dirty = true;
  });
  setHandler(breakerWaitSignal, ({ settings: latest, ...waiter }) => {
    settings = latest;
    core = addWaiter(core, waiter);
    dirty = true;
  });
  setHandler(breakerLeaveSignal, ({ workflowId }) => {
    core = removeExecution(core, workflowId);
    dirty = true;
  });

  const publish = () => {
    const view = viewOf(tool, core);
    const json = JSON.stringify(view);
    // Only a change costs an event: reports during an outage mostly change nothing operators see.
    if (json !== shown) {
      upsertMemo({ [BREAKER_MEMO]: view });
      setCurrentDetails(details(tool, core));
      shown = json;
    }
    if (indexed !== core.status) {
      upsertSearchAttributes([
        { key: searchAttributes.tool, value: tool },
        { key: searchAttributes.breakerState, value: core.status },
      ]);
      indexed = core.status;
    }
  };

  const longHistory = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS;
  for (;;) {
    // Permits go out one round at a time; a waiter whose workflow is gone (its deadline passed) is dropped and the next one gets its turn.
    for (;;) {
      const ticked = tick(core, Date.now(), settings);
      core = ticked.core;
      if (ticked.grants.length === 0) break;
      const sent = await Promise.allSettled(
        ticked.grants.map((g) => getExternalWorkflowHandle(g.workflowId).signal(breakerPermitSignal, { kind: g.kind })),
      );
      sent.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        const gone = ticked.grants[i]!.workflowId;
        log.info('a waiting execution is gone; the next one is let through', { tool, workflowId: gone });
        core = removeExecution(core, gone);
      });
    }
    publish();
    dirty = false;
    if (longHistory()) break;
    const wake = nextWake(core);
    if (wake === undefined) await condition(() => dirty || longHistory());
    else await condition(() => dirty || longHistory(), Math.max(1, wake - Date.now()));
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof breakerWorkflow>({ tool, settings, core });
}
