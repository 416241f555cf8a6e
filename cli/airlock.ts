#!/usr/bin/env node
/**
 * `npm run airlock -- <command>`: the operator CLI, a thin client of the HTTP
 * API. The fallback when Slack is down, and handy in a terminal.
 */
import { parseArgs } from 'node:util';
import type { ReloadSummary } from '../config/live.js';
import type { ActionState } from '../domain/action.js';
import type { ToolView } from '../domain/tool-view.js';
import type { SessionState } from '../domain/session.js';

const USAGE = `usage: airlock <command> [options]

commands:
  list [--status S] [--agent A] [--tool T] [--all]   actions (default: awaiting approval)
  show <id>                                           one action's state
  approve <id> --version N [--reason TEXT]            approve version N as you (the one \`show\` printed)
          [--standing N --minutes M]                  ...and the next N like actions of its session (review tier only)
  reject <id> --reason TEXT [--version N]             reject as you (a reason is required; default: the current version)
  agent <agent>                                       an agent's standing: frozen or not, by whom, why; pending approvals
  freeze <agent> --reason TEXT                        the kill switch: cancel its pending actions, refuse and stop everything else
  unfreeze <agent>                                    let it act again
  tool <name>                                         a tool's circuit breaker (open or not, since when, next probe, waiting) and bounds
  session <agent> <session>                           a session: budget spent, recent actions, standing approvals
  close-session <agent> <session>                     close it: its pending actions cancelled, later ones refused
  reload                                              reload the API's configuration file (an invalid one changes nothing)

options:
  --url URL    the API (env AIRLOCK_URL, default http://127.0.0.1:8080)
  --key KEY    your operator key (env AIRLOCK_KEY)
  --json       print the API's JSON as it is`;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        status: { type: 'string' },
        agent: { type: 'string' },
        tool: { type: 'string' },
        reason: { type: 'string' },
        version: { type: 'string' },
        standing: { type: 'string' },
        minutes: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`airlock: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();

const baseUrl = (values.url ?? process.env.AIRLOCK_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const key = values.key ?? process.env.AIRLOCK_KEY;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (!key) throw new CliError('no key: set AIRLOCK_KEY or pass --key', 2);
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        'x-airlock-client': 'cli',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new CliError(`cannot reach ${baseUrl}: ${(err as Error).message}`, 1);
  }
  const json = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
  if (!res.ok) throw new CliError(`${res.status} ${json.error?.code ?? ''}: ${json.error?.message ?? res.statusText}`, 1);
  return json;
}

function line(state: Pick<ActionState, 'id' | 'status' | 'tool' | 'environment'> & { tier?: string; score?: number }) {
  return `${state.id}  ${state.status.padEnd(17)} ${`${state.tier ?? ''} ${state.score ?? ''}`.padEnd(12)} ${state.tool} in ${state.environment}`;
}

function describeTool(t: ToolView): string {
  const b = t.breaker;
  const state = !b
    ? 'no breaker'
    : b.state === 'open'
      ? `breaker OPEN since ${b.openedAt}, next probe at ${b.nextProbeAt}`
      : b.state === 'half_open'
        ? 'breaker HALF-OPEN: one probe call decides'
        : 'breaker closed';
  return [
    `${t.name} (${t.operation}; ${t.environments.join(', ')}): ${state}`,
    ...(b ? [`  ${b.failures} consecutive failure(s)${b.lastError ? `, last: ${b.lastError}` : ''}; ${b.waiting} waiting, ${b.released} let through`] : []),
    `  at most ${t.maxConcurrent} in flight per worker; ${t.maxAttempts} attempts${b?.settings ? `; opens after ${b.settings.failures} failures, probes after ${b.settings.cooldownMs} ms` : ''}`,
  ].join('\n');
}

function describe(s: ActionState): string {
  const version = s.versions[s.versions.length - 1]!;
  return [
    `${s.id}: ${s.status}`,
    `  ${s.tool} (${s.operation}) in ${s.environment} by ${s.agentId}, session ${s.sessionId}`,
    `  risk ${s.risk.score}, ${s.risk.tier}; needs ${s.risk.approvalsRequired} approval(s); policy ${s.risk.policyVersion}`,
    ...s.risk.factors.map((f) => `    ${f.points ? `+${f.points}` : '  '} ${f.name}: ${f.detail}`),
    ...(s.risk.preview ? [`  preview: ${s.risk.preview.status === 'ok' ? (s.risk.preview.summary ?? 'answered') : `unavailable (${s.risk.preview.error ?? 'no answer'})`}`] : []),
    `  parameters (version ${version.version}, by ${version.by}, sha256 ${version.paramsSha256}): ${JSON.stringify(version.parameters)}`,
    ...s.approvals.map((a) => `  ${a.decision} by ${a.by} via ${a.via} at ${a.at} (v${a.version})${a.reason ? `: ${a.reason}` : ''}`),
    ...(s.status === 'awaiting_approval' ? [`  to approve this version: airlock approve ${s.id} --version ${version.version}`] : []),
    ...(s.approvalCard?.error ? [`  Slack card: not posted (${s.approvalCard.error})`] : []),
    ...(s.result ? [`  result: HTTP ${s.result.httpStatus} after ${s.attempts} attempt(s)`] : []),
    ...(s.error ? [`  error: ${s.error.code}: ${s.error.message}`] : []),
    ...(s.waitingFor === 'breaker' ? [`  waiting for the circuit breaker of ${s.tool} (airlock tool ${s.tool})`] : []),
    `  ${s.links.temporalUi}`,
  ].join('\n');
}

function describeSession(s: SessionState): string {
  return [
    `session ${s.sessionId} of ${s.agentId}: ${s.status.toUpperCase()}${s.closedBy ? ` (closed by ${s.closedBy})` : ''}, until ${s.expiresAt}`,
    `  intent: ${s.intent}`,
    `  tools: ${s.allowedTools.join(', ')}`,
    `  budget: ${s.spent} of ${s.riskBudget} points spent; ${s.actions.count} action(s) settled`,
    ...s.actions.recent.map((a) => `    ${a.actionId}  ${a.tool}  ${a.tier} ${a.score}  ${a.outcome}`),
    ...s.standing.map((g) => `  standing approval by ${g.by} on ${g.actionId} (${g.tool}, risk ≤ ${g.maxScore}): ${g.remaining} of ${g.count} left until ${g.expiresAt}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const [command, id] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const print = (json: unknown, text: string) => process.stdout.write(`${values.json ? JSON.stringify(json, null, 2) : text}\n`);
  const needId = () => {
    if (!id) throw new CliError(`${command} needs ${['agent', 'freeze', 'unfreeze'].includes(command) ? 'an agent id' : command === 'tool' ? 'a tool name' : 'an action id'}`, 2);
    return encodeURIComponent(id);
  };
  switch (command) {
    case 'list': {
      const query = new URLSearchParams();
      if (!values.all) query.set('status', values.status ?? 'awaiting_approval');
      if (values.agent) query.set('agent', values.agent);
      if (values.tool) query.set('tool', values.tool);
      type Row = { id: string; status: ActionState['status']; tool: string; environment: ActionState['environment']; tier?: string; riskScore?: number };
      const res = await api<{ actions: Row[] }>('GET', `/v1/actions?${query}`);
      print(res, res.actions.map((a) => line({ ...a, ...(a.tier ? { tier: a.tier } : {}), ...(a.riskScore === undefined ? {} : { score: a.riskScore }) })).join('\n') || 'no actions');
      return;
    }
    case 'show': {
      const state = await api<ActionState>('GET', `/v1/actions/${needId()}`);
      print(state, describe(state));
      return;
    }
    case 'approve':
    case 'reject': {
      if (command === 'reject' && !values.reason) throw new CliError('reject needs --reason', 2);
      // An approval names the version its approver saw; a rejection of whatever is current is always safe.
      if (command === 'approve' && values.version === undefined) {
        throw new CliError('approve needs --version N: the version you checked with `airlock show`', 2);
      }
      let version = Number(values.version);
      if (values.version === undefined) {
        const current = await api<ActionState>('GET', `/v1/actions/${needId()}`);
        version = current.versions[current.versions.length - 1]!.version;
      } else if (!Number.isInteger(version) || version < 1) {
        throw new CliError(`--version must be a whole number ≥ 1, not "${values.version}"`, 2);
      }
      const standing = values.standing === undefined ? undefined : { count: Number(values.standing), minutes: Number(values.minutes ?? 60) };
      const state = await api<ActionState>('POST', `/v1/actions/${needId()}/decision`, {
        decision: command,
        version,
        ...(values.reason ? { reason: values.reason } : {}),
        ...(standing ? { standing } : {}),
      });
      print(state, `${command === 'approve' ? 'approved' : 'rejected'}: ${describe(state)}`);
      return;
    }
    case 'agent':
    case 'freeze':
    case 'unfreeze': {
      if (command === 'freeze' && !values.reason) throw new CliError('freeze needs --reason', 2);
      type Standing = { agentId: string; frozen: boolean; frozenBy?: string; frozenAt?: string; reason?: string; pendingApprovals?: number };
      const path = `/v1/agents/${needId()}`;
      const standing =
        command === 'agent'
          ? await api<Standing>('GET', path)
          : await api<Standing>('POST', `${path}/${command}`, command === 'freeze' ? { reason: values.reason } : undefined);
      const text = standing.frozen
        ? `${standing.agentId}: FROZEN by ${standing.frozenBy} at ${standing.frozenAt}: ${standing.reason}`
        : `${standing.agentId}: active`;
      print(standing, standing.pendingApprovals === undefined ? text : `${text}; ${standing.pendingApprovals} awaiting approval`);
      return;
    }
    case 'tool': {
      const tool = await api<ToolView>('GET', `/v1/tools/${needId()}`);
      print(tool, describeTool(tool));
      return;
    }
    case 'session':
    case 'close-session': {
      const sessionId = positionals[2];
      if (!id || !sessionId) throw new CliError(`${command} needs an agent id and a session id`, 2);
      const path = `/v1/sessions/${encodeURIComponent(sessionId)}?agent=${encodeURIComponent(id)}`;
      const s = await api<SessionState>(command === 'session' ? 'GET' : 'DELETE', path);
      print(s, describeSession(s));
      return;
    }
    case 'reload': {
      const summary = await api<ReloadSummary>('POST', '/v1/admin/reload');
      const { before, after } = summary.policyVersion;
      print(
        summary,
        [
          `reloaded ${summary.path}: ${summary.changed.length > 0 ? `changed ${summary.changed.join(', ')}` : 'nothing changed'}`,
          `  policy ${before === after ? before : `${before} -> ${after}`}`,
          ...summary.warnings.map((w) => `  warning: ${w}`),
        ].join('\n'),
      );
      return;
    }
    default:
      throw new CliError(`unknown command "${command}"\n${USAGE}`, 2);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`airlock: ${(err as Error).message}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
});
