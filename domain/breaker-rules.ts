// The circuit breaker's rules: pure, so the breaker workflow stays a thin shell
// of signals and timers, and every transition can be tested without Temporal.
// Imports types only: this file is in the workflow bundle.
import type { BreakerSettings, BreakerStatus, BreakerView } from './breaker.js';

/** How an execution let through by the breaker may call: as its one probe, or released after it closed. */
export type PermitKind = 'probe' | 'release';

/** An execution waiting for the breaker (its action's workflow). */
export interface BreakerWaiter {
  workflowId: string;
  /** How long a permit given to it is held for it: longer than one call can take. */
  permitTimeoutMs: number;
}

/** An execution let through that has not reported yet; past `until` it is presumed gone. */
export interface BreakerPermit {
  workflowId: string;
  kind: PermitKind;
  until: number;
}

/** The whole durable state of one tool's breaker (carried across continue-as-new). Times in ms since the epoch. */
export interface BreakerCore {
  status: BreakerStatus;
  failures: number;
  recoveries: number;
  openedAt?: number;
  probeAt?: number;
  lastError?: string;
  changedAt: number;
  /** First come, first served: the head probes, and is released first. */
  waiters: BreakerWaiter[];
  permits: BreakerPermit[];
}

/** What a worker reports about one call. `skipped`: a permit was used without calling (the agent was frozen, say). */
export interface BreakerReport {
  outcome: 'success' | 'failure' | 'skipped';
  /** The action's workflow, when it held a permit. */
  workflowId?: string;
  permit?: PermitKind;
  error?: string;
}

/** A breaker that has seen nothing yet. */
export function closedBreaker(now: number): BreakerCore {
  return { status: 'closed', failures: 0, recoveries: 0, changedAt: now, waiters: [], permits: [] };
}

function open(core: BreakerCore, now: number, settings: BreakerSettings): BreakerCore {
  // A release still out when it reopens keeps its slot until it reports; a probe's question is answered.
  const { openedAt: _o, probeAt: _p, ...rest } = core;
  return { ...rest, status: 'open', openedAt: now, probeAt: now + settings.cooldownMs, changedAt: now, permits: core.permits.filter((p) => p.kind !== 'probe') };
}

/** Applies one call's outcome. A probe that fails reopens it at once; one that succeeds closes it. */
export function applyReport(core: BreakerCore, report: BreakerReport, now: number, settings: BreakerSettings): BreakerCore {
  const permits = report.permit && report.workflowId ? core.permits.filter((p) => p.workflowId !== report.workflowId) : core.permits;
  const next: BreakerCore = { ...core, permits };
  const probe = report.permit === 'probe' && core.status === 'half_open';
  switch (report.outcome) {
    case 'failure': {
      const failed: BreakerCore = { ...next, failures: core.failures + 1, ...(report.error ? { lastError: report.error } : {}) };
      if (probe || (core.status === 'closed' && failed.failures >= settings.failures)) return open(failed, now, settings);
      return failed;
    }
    case 'success': {
      if (probe) {
        const { openedAt: _o, probeAt: _p, ...rest } = next;
        return { ...rest, status: 'closed', failures: 0, recoveries: core.recoveries + 1, changedAt: now };
      }
      // A call that started before it opened and answered late says nothing about now.
      return core.status === 'closed' ? { ...next, failures: 0 } : next;
    }
    case 'skipped':
      return next;
  }
}

/** Adds a waiting execution (once); a permit it still held was not used for a call that counts. */
export function addWaiter(core: BreakerCore, waiter: BreakerWaiter): BreakerCore {
  if (core.waiters.some((w) => w.workflowId === waiter.workflowId)) return core;
  return { ...core, waiters: [...core.waiters, waiter], permits: core.permits.filter((p) => p.workflowId !== waiter.workflowId) };
}

/** Forgets an execution: it stopped waiting (its deadline passed), or its workflow is gone. */
export function removeExecution(core: BreakerCore, workflowId: string): BreakerCore {
  return { ...core, waiters: core.waiters.filter((w) => w.workflowId !== workflowId), permits: core.permits.filter((p) => p.workflowId !== workflowId) };
}

/**
 * Moves the breaker on in time and hands out permits: expired permits free
 * their slot, an open breaker past its cooldown turns half-open and its first
 * waiter probes, and a closed one releases waiters while fewer than
 * `maxConcurrent` are out. The granted waiters leave the queue.
 */
export function tick(core: BreakerCore, now: number, settings: BreakerSettings): { core: BreakerCore; grants: BreakerPermit[] } {
  let next: BreakerCore = { ...core, permits: core.permits.filter((p) => p.until > now) };
  if (next.status === 'open' && next.probeAt !== undefined && next.probeAt <= now) next = { ...next, status: 'half_open', changedAt: now };
  const grants: BreakerPermit[] = [];
  const grant = (kind: PermitKind) => {
    const [head, ...rest] = next.waiters;
    if (!head) return false;
    const permit = { workflowId: head.workflowId, kind, until: now + head.permitTimeoutMs };
    grants.push(permit);
    next = { ...next, waiters: rest, permits: [...next.permits, permit] };
    return true;
  };
  if (next.status === 'half_open' && !next.permits.some((p) => p.kind === 'probe')) grant('probe');
  if (next.status === 'closed') while (next.permits.length < settings.maxConcurrent && grant('release'));
  return { core: next, grants };
}

/** When the breaker must look again by itself: its probe time, or the first permit to expire. */
export function nextWake(core: BreakerCore): number | undefined {
  const times = core.permits.map((p) => p.until);
  if (core.status === 'open' && core.probeAt !== undefined) times.push(core.probeAt);
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** What operators and workers see. */
export function viewOf(tool: string, core: BreakerCore): BreakerView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    tool,
    state: core.status,
    failures: core.failures,
    recoveries: core.recoveries,
    ...(core.openedAt === undefined ? {} : { openedAt: iso(core.openedAt) }),
    ...(core.probeAt === undefined ? {} : { nextProbeAt: iso(core.probeAt) }),
    ...(core.lastError === undefined ? {} : { lastError: core.lastError }),
    waiting: core.waiters.length,
    released: core.permits.length,
    changedAt: iso(core.changedAt),
  };
}
