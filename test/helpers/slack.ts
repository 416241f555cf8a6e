import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** One Web API call the stand-in received. */
export interface SlackCall {
  method: string;
  args: Record<string, any>;
  token: string | undefined;
  at: number;
  /** Why the stand-in refused the content (Block Kit limits), if it did. */
  refused?: string[];
}

type Failure = { status: 500 } | { status: 429; retryAfter: number } | { status: 200; error: string };

// Slack's Block Kit limits, from its reference (not from Airlock's code, so a
// mistake there is caught here). Slack counts characters; this counts UTF-8
// bytes, as Airlock does, which is never fewer: the stand-in is the stricter.
const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);

function elementViolations(e: any, at: string): string[] {
  const out: string[] = [];
  const max = (value: unknown, limit: number, what: string) => {
    if (bytes(value) > limit) out.push(`${at}.${what} is ${bytes(value)} bytes (at most ${limit})`);
  };
  max(e.action_id, 255, 'action_id');
  if (e.type === 'button') {
    max(e.text?.text, 75, 'text');
    max(e.value, 2000, 'value');
    max(e.url, 3000, 'url');
  } else if (e.type === 'plain_text_input') {
    max(e.initial_value, 3000, 'initial_value');
    if (e.max_length !== undefined && e.max_length > 3000) out.push(`${at}.max_length is over 3000`);
  }
  return out;
}

/**
 * Every way `blocks` break Slack's limits: at most `maxBlocks` blocks (50 in a
 * message, 100 in a modal); header text 150; section text 3 000, at most 10
 * fields of 2 000; context at most 10 elements of 3 000; actions at most 25
 * elements, button text 75, value 2 000, url 3 000; input label 2 000 and
 * initial value 3 000; ids 255; no empty text, no unknown block type.
 */
export function blockKitViolations(blocks: unknown, maxBlocks: number): string[] {
  if (!Array.isArray(blocks)) return ['blocks is not an array'];
  const out: string[] = blocks.length > maxBlocks ? [`${blocks.length} blocks (at most ${maxBlocks})`] : [];
  blocks.forEach((b: any, i) => {
    const at = `blocks[${i}]`;
    const text = (t: any, limit: number, where: string) => {
      if (!t) return;
      if (bytes(t.text) === 0) out.push(`${where} is empty`);
      if (bytes(t.text) > limit) out.push(`${where} is ${bytes(t.text)} bytes (at most ${limit})`);
    };
    if (bytes(b.block_id) > 255) out.push(`${at}.block_id is over 255 bytes`);
    switch (b.type) {
      case 'header':
        if (b.text?.type !== 'plain_text') out.push(`${at}.text must be plain_text`);
        text(b.text, 150, `${at}.text`);
        break;
      case 'section':
        if (!b.text && !b.fields) out.push(`${at} has neither text nor fields`);
        text(b.text, 3000, `${at}.text`);
        if ((b.fields ?? []).length > 10) out.push(`${at} has more than 10 fields`);
        (b.fields ?? []).forEach((f: any, j: number) => text(f, 2000, `${at}.fields[${j}]`));
        if (b.accessory) out.push(...elementViolations(b.accessory, `${at}.accessory`));
        break;
      case 'context':
        if ((b.elements ?? []).length > 10) out.push(`${at} has more than 10 elements`);
        (b.elements ?? []).forEach((e: any, j: number) => text(e, 3000, `${at}.elements[${j}]`));
        break;
      case 'actions':
        if ((b.elements ?? []).length > 25) out.push(`${at} has more than 25 elements`);
        (b.elements ?? []).forEach((e: any, j: number) => out.push(...elementViolations(e, `${at}.elements[${j}]`)));
        break;
      case 'input':
        text(b.label, 2000, `${at}.label`);
        out.push(...elementViolations(b.element ?? {}, `${at}.element`));
        break;
      case 'divider':
        break;
      default:
        out.push(`${at} has an unknown type ${String(b.type)}`);
    }
  });
  return out;
}

/** What Slack would refuse in a message (`text` at most 40 000) or a modal (title, submit, close 24; `private_metadata` 3 000). */
export function slackRefusal(method: string, args: Record<string, any>): { error: string; messages: string[] } | undefined {
  if (method === 'views.open') {
    const view = args.view ?? {};
    const messages = blockKitViolations(view.blocks, 100);
    for (const key of ['title', 'submit', 'close']) if (bytes(view[key]?.text) > 24) messages.push(`view.${key} is over 24 bytes`);
    if (bytes(view.private_metadata) > 3000) messages.push(`view.private_metadata is ${bytes(view.private_metadata)} bytes (at most 3000)`);
    if (bytes(view.callback_id) > 255) messages.push('view.callback_id is over 255 bytes');
    // Slack answers a bad view with invalid_arguments, a bad message with invalid_blocks.
    return messages.length > 0 ? { error: 'invalid_arguments', messages } : undefined;
  }
  if (bytes(args.text) > 40_000) return { error: 'msg_too_long', messages: [`text is ${bytes(args.text)} bytes`] };
  if (args.blocks === undefined) return undefined;
  const messages = blockKitViolations(args.blocks, 50);
  return messages.length > 0 ? { error: 'invalid_blocks', messages } : undefined;
}

/**
 * A local stand-in for the Slack Web API (`SLACK_API_URL` points here). It
 * records every call, answers like Slack does, and can be told to fail a
 * method with 500, or 429 with Retry-After, a number of times or for good.
 */
export async function startSlackStandIn() {
  const calls: SlackCall[] = [];
  const failures: { method: string; failure: Failure; remaining: number; where: (args: Record<string, any>) => boolean }[] = [];
  const groups = new Map<string, string[]>();
  let ts = 1_800_000_000;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const raw = Buffer.concat(chunks).toString('utf8');
      const args: Record<string, any> = {};
      if ((req.headers['content-type'] ?? '').includes('application/json')) Object.assign(args, JSON.parse(raw || '{}'));
      else
        for (const [k, v] of new URLSearchParams(raw)) {
          // The Web API client sends objects (blocks, view) as JSON strings.
          try {
            args[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
          } catch {
            args[k] = v;
          }
        }
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '') || undefined;
      const call: SlackCall = { method, args, token, at: Date.now() };
      calls.push(call);

      const failure = failures.find((f) => (f.method === method || f.method === '*') && f.remaining !== 0 && f.where(args));
      if (failure) {
        failure.remaining--;
        if (failure.failure.status === 200) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: failure.failure.error }));
        } else if (failure.failure.status === 429) {
          res.writeHead(429, { 'retry-after': String(failure.failure.retryAfter), 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        } else {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        }
        return;
      }

      const ok = (body: Record<string, unknown>) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, ...body }));
      };
      if (['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open', 'views.update', 'views.push'].includes(method)) {
        const refusal = slackRefusal(method, args);
        if (refusal) {
          call.refused = refusal.messages;
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ok: false, error: refusal.error, response_metadata: { messages: refusal.messages } }));
          return;
        }
      }
      switch (method) {
        case 'auth.test':
          return ok({ user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0TEAM', user: 'airlock' });
        case 'chat.postMessage': {
          const channel = String(args.channel).startsWith('U') ? `D${String(args.channel).slice(1)}` : args.channel;
          return ok({ channel, ts: `${++ts}.000100`, message: { text: args.text } });
        }
        case 'chat.update':
          return ok({ channel: args.channel, ts: args.ts });
        case 'chat.postEphemeral':
          return ok({ message_ts: `${++ts}.000200` });
        case 'views.open':
          return ok({ view: { id: 'V0VIEW', ...args.view } });
        case 'usergroups.users.list':
          return ok({ users: groups.get(args.usergroup) ?? [] });
        case 'apps.connections.open':
          return ok({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket` });
        default:
          return ok({});
      }
    });
  });
  // Socket Mode: the app opens a WebSocket here and acknowledges each envelope on it.
  const sockets = new WebSocketServer({ server, path: '/socket' });
  const acks = new Map<string, (message: Record<string, unknown>) => void>();
  let socket: WebSocket | undefined;
  let connected: () => void = () => {};
  const ready = new Promise<void>((r) => (connected = r));
  sockets.on('connection', (ws) => {
    socket = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string };
      if (message.envelope_id) acks.get(message.envelope_id)?.(message);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'stand-in' }, connection_info: { app_id: 'A0AIRLOCK' } }));
    connected();
  });
  let envelopes = 0;

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    /** Calls of one method, optionally filtered. */
    callsOf(method: string, where: (c: SlackCall) => boolean = () => true) {
      return calls.filter((c) => c.method === method && where(c));
    },
    /** Calls that broke Slack's limits (and were answered as Slack would). */
    refusals: () => calls.filter((c) => c.refused),
    /**
     * Makes `method` ('*' for all) fail `times` times (-1: for good), only for
     * calls whose arguments match `where`: 500, 429 with Retry-After, or an
     * `ok: false` answer with a Slack error (HTTP 200, as Slack does).
     */
    fail(method: string, failure: Failure, times: number, where: (args: Record<string, any>) => boolean = () => true) {
      failures.unshift({ method, failure, remaining: times, where });
    },
    recover() {
      failures.length = 0;
    },
    setGroup(id: string, members: string[]) {
      groups.set(id, members);
    },
    /** Resolves once an app has connected in Socket Mode. */
    socketConnected: () => ready,
    /** Sends an interaction over Socket Mode; resolves with the app's acknowledgement. */
    sendEnvelope(payload: unknown, type = 'interactive'): Promise<Record<string, unknown>> {
      const id = `envelope-${++envelopes}`;
      return new Promise((resolve, reject) => {
        if (!socket) return reject(new Error('no Socket Mode connection'));
        const timer = setTimeout(() => reject(new Error(`${id} was not acknowledged`)), 3_000);
        acks.set(id, (message) => {
          clearTimeout(timer);
          resolve(message);
        });
        socket.send(JSON.stringify({ envelope_id: id, type, payload, accepts_response_payload: true }));
      });
    },
    close: () =>
      new Promise<void>((r) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type SlackStandIn = Awaited<ReturnType<typeof startSlackStandIn>>;

/** The signing secret the test stack gives the API. */
export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** Signs a request body exactly as Slack does: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Posts an interaction payload to `/slack/events` the way Slack does (form-encoded `payload`, signed). */
export async function sendInteraction(
  apiUrl: string,
  payload: unknown,
  options: { secret?: string; timestamp?: number; signature?: string; retryNum?: number } = {},
): Promise<{ status: number; body: string }> {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': options.signature ?? slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body),
  };
  if (options.retryNum) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const res = await fetch(`${apiUrl}/slack/events`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}

/** Posts a slash command to `/slack/events` the way Slack does (form-encoded fields, signed). */
export async function sendCommand(apiUrl: string, command: { user: string; text: string; channel?: string; team?: string; app?: string }): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams({
    token: 'verification-token-unused',
    team_id: command.team ?? 'T0TEAM',
    team_domain: 'example',
    channel_id: command.channel ?? 'C0OPS',
    channel_name: 'ops',
    user_id: command.user,
    user_name: command.user.toLowerCase(),
    command: '/airlock',
    text: command.text,
    api_app_id: command.app ?? 'A0AIRLOCK',
    response_url: 'https://hooks.slack.invalid/commands/unused',
    trigger_id: `trigger-${Date.now()}`,
  }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(`${apiUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** The workspace and app a payload comes from; the test stack lists T0TEAM and A0AIRLOCK. */
export interface PayloadOrigin {
  team?: string;
  app?: string;
}

/** A click on a card button, as Slack sends it. */
export function buttonClick(user: string, actionId: string, value: string, card: { channel: string; ts: string }, { team = 'T0TEAM', app = 'A0AIRLOCK' }: PayloadOrigin = {}) {
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: team },
    api_app_id: app,
    token: 'verification-token-unused',
    container: { type: 'message', message_ts: card.ts, channel_id: card.channel, is_ephemeral: false },
    trigger_id: `trigger-${Date.now()}`,
    team: { id: team, domain: 'example' },
    channel: { id: card.channel, name: 'approvals' },
    message: { type: 'message', ts: card.ts, text: 'card' },
    response_url: 'http://127.0.0.1:9/unused',
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'airlock_decision',
        value,
        text: { type: 'plain_text', text: actionId },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

/** A modal submission, as Slack sends it. */
export function viewSubmission(
  user: string,
  callbackId: string,
  privateMetadata: string,
  values: Record<string, Record<string, unknown>>,
  { team = 'T0TEAM', app = 'A0AIRLOCK' }: PayloadOrigin = {},
) {
  return {
    type: 'view_submission',
    team: { id: team, domain: 'example' },
    user: { id: user, username: user.toLowerCase(), team_id: team },
    api_app_id: app,
    token: 'verification-token-unused',
    trigger_id: `trigger-${Date.now()}`,
    view: {
      id: 'V0VIEW',
      team_id: team,
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: 'hash',
      blocks: [],
      title: { type: 'plain_text', text: 'x' },
      close: null,
      submit: null,
      app_id: app,
      bot_id: 'BBOT',
      root_view_id: 'V0VIEW',
      previous_view_id: null,
      external_id: '',
      clear_on_close: false,
      notify_on_close: false,
    },
  };
}
