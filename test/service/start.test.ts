import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { ActionState } from '../../domain/action.js';
import { freePort } from '../../temporal/dev-server.js';
import { exampleYaml, isolatedAgent, KEYS, REQUESTS } from '../helpers/config.js';
import { ROOT, testEnv } from '../helpers/env.js';
import { call, eventually } from '../helpers/stack.js';

/** What Ctrl-C on `npm start` may take until nothing of it is left. */
const STOP_BUDGET_MS = 5_000;

/** The processes of group `pgid` that still run (zombies have exited; only their parent's reaping is left). */
function liveMembers(pgid: number): string[] {
  if (!existsSync('/proc/self/stat')) {
    try {
      process.kill(-pgid, 0);
      return [`group ${pgid}`];
    } catch {
      return [];
    }
  }
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        return []; // gone while we looked
      }
      // "pid (comm) state ppid pgrp …": comm may hold spaces, so split after its closing parenthesis.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z' ? [`${pid} ${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`] : [];
    });
}

/** `npm start` as a terminal runs it: `dist/service/start.js` leading its own process group, dev server included. */
interface Service {
  pgid: number;
  apiUrl: string;
  child: ChildProcess;
  /** The last of its output, for failure messages. */
  output(): string;
}

async function startService(env: Record<string, string>): Promise<Service> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    LOG_LEVEL: 'warn',
    TEMPORAL_CLI_PATH: testEnv.cli,
    AIRLOCK_WORKFLOW_BUNDLE: testEnv.bundlePath,
  };
  // Unset, not empty: TEMPORAL_ADDRESS being absent is what makes start.js run its own dev server.
  delete childEnv.TEMPORAL_ADDRESS;
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'service', 'start.js')], {
    cwd: ROOT,
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-8_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`start.js not running after 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      if (output.includes('Airlock is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`start.js exited (${code ?? signal}) before it was running:\n${output}`));
    });
  });
  return { pgid: child.pid!, apiUrl: `http://127.0.0.1:${env.PORT}`, child, output: () => output };
}

/** Sends Ctrl-C to the whole group, as a terminal does; how long until no process of it is left. */
async function interrupt(service: Service): Promise<{ ms: number; left: string[] }> {
  const started = Date.now();
  process.kill(-service.pgid, 'SIGINT');
  for (;;) {
    const left = liveMembers(service.pgid);
    const ms = Date.now() - started;
    if (left.length === 0 || ms > 2 * STOP_BUDGET_MS) return { ms, left };
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('npm start', () => {
  const work = mkdtempSync(join(tmpdir(), 'airlock-start-'));
  const groups: number[] = [];
  after(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('stops within 5 s of Ctrl-C in the middle of a busy run, leaving no process; pending approvals survive', async () => {
    const [api, demo, grpc, ui] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const configPath = join(work, 'airlock.yaml');
    writeFileSync(configPath, exampleYaml().replaceAll('127.0.0.1:8090', `127.0.0.1:${demo}`));
    const env = {
      PORT: String(api),
      DEMO_TARGET_PORT: String(demo),
      AIRLOCK_DEV_SERVER_PORT: String(grpc),
      TEMPORAL_UI_URL: `http://localhost:${ui}`,
      AIRLOCK_CONFIG: configPath,
      AIRLOCK_DATA_DIR: join(work, 'data'),
    };
    const service = await startService(env);
    groups.push(service.pgid);
    const submit = (body: unknown, wait: number) =>
      call<ActionState>(service.apiUrl, 'POST', `/v1/actions?wait=${wait}`, { key: KEYS.billingAgent, body });

    const pending = await Promise.all(
      Array.from({ length: 3 }, (_, i) => submit(REQUESTS.prodUpdate({ sessionId: `pending-${i}` }), 10)),
    );
    assert.deepEqual(new Set(pending.map((p) => p.body.status)), new Set(['awaiting_approval']), service.output());

    // 100 at once, each held open until its action ends; Ctrl-C comes while most are in flight.
    let answered = 0;
    const busy = Array.from({ length: 100 }, (_, i) =>
      submit(REQUESTS.devRead({ sessionId: `busy-${i}` }), 30).then(
        (res) => {
          answered++;
          return res.body.status;
        },
        () => 'cut off',
      ),
    );
    await eventually(async () => (answered > 0 ? true : undefined), 30_000, 'the first answer of the busy run');
    const stopped = await interrupt(service);
    assert.deepEqual(stopped.left, [], `still running ${stopped.ms} ms after Ctrl-C:\n${service.output()}`);
    assert.ok(stopped.ms < STOP_BUDGET_MS, `stopping took ${stopped.ms} ms:\n${service.output()}`);
    const outcomes = await Promise.all(busy);
    assert.ok(outcomes.includes('succeeded'), 'the run was doing real work when it stopped');

    assert.ok(existsSync(join(env.AIRLOCK_DATA_DIR, 'temporal.sqlite')), 'the state is where AIRLOCK_DATA_DIR says');
    // The dev server may have been killed on the way out: its SQLite file must still hold every pending approval.
    const again = await startService(env);
    groups.push(again.pgid);
    const states = await Promise.all(
      pending.map((p) => call<ActionState>(again.apiUrl, 'GET', `/v1/actions/${p.body.id}`, { key: KEYS.alice })),
    );
    assert.deepEqual(states.map((s) => s.body.status), pending.map(() => 'awaiting_approval'));
    const quiet = await interrupt(again);
    assert.deepEqual(quiet.left, []);
    assert.ok(quiet.ms < STOP_BUDGET_MS, `an idle stop took ${quiet.ms} ms`);
  });

  it('SIGHUP reloads airlock.yaml in the running service: a new agent is accepted at once; a bad file is logged by field and changes nothing', async () => {
    const [api, demo, grpc, ui] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const configPath = join(work, 'reload.yaml');
    const write = (edit: (file: Record<string, any>) => void = () => {}) => {
      const file = parse(exampleYaml().replaceAll('127.0.0.1:8090', `127.0.0.1:${demo}`)) as Record<string, any>;
      edit(file);
      writeFileSync(configPath, stringify(file));
    };
    write();
    const service = await startService({
      PORT: String(api),
      DEMO_TARGET_PORT: String(demo),
      AIRLOCK_DEV_SERVER_PORT: String(grpc),
      TEMPORAL_UI_URL: `http://localhost:${ui}`,
      AIRLOCK_CONFIG: configPath,
      AIRLOCK_DATA_DIR: join(work, 'reload-data'),
    });
    groups.push(service.pgid);
    const newcomer = isolatedAgent('sighup');
    const submit = (sessionId: string) =>
      call<ActionState>(service.apiUrl, 'POST', '/v1/actions?wait=10', { key: newcomer.key, body: REQUESTS.devRead({ sessionId }) });
    assert.equal((await submit('before-sighup')).status, 401);

    write((file) => newcomer.addTo(file));
    process.kill(service.child.pid!, 'SIGHUP');
    const accepted = await eventually(async () => {
      const res = await submit('after-sighup');
      return res.status === 401 ? undefined : res;
    }, 10_000, 'the new agent to be accepted');
    assert.equal(accepted.body.status, 'succeeded', `${JSON.stringify(accepted.body)}\n${service.output()}`);

    write((file) => {
      newcomer.addTo(file);
      file.agents[0].keySha256 = 'nope';
    });
    process.kill(service.child.pid!, 'SIGHUP');
    await eventually(async () => (service.output().includes('agents[0].keySha256') ? true : undefined), 10_000, 'the bad field in the log');
    assert.match(service.output(), /configuration not reloaded/);
    assert.equal(service.child.exitCode, null, 'still running');
    assert.equal((await submit('after-bad-sighup')).body.status, 'succeeded', 'the configuration in force is unchanged');
    const demoAgent = await call<ActionState>(service.apiUrl, 'POST', '/v1/actions?wait=10', { key: KEYS.billingAgent, body: REQUESTS.devRead({ sessionId: 'bad-sighup' }) });
    assert.equal(demoAgent.body.status, 'succeeded', 'the key the bad file broke still works');

    const stopped = await interrupt(service);
    assert.deepEqual(stopped.left, []);
  });
});
