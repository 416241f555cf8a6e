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
}

type Failure = { status: 500 } | { status: 429; retryAfter: number };

/**
 * A local stand-in for the Slack Web API (`SLACK_API_URL` points here). It
 * records every call, answers like Slack does, and can be told to fail a
 * method with 500, or 429 with Retry-After, a number of times or for good.
 */
export async function startSlackStandIn() {
  const calls: SlackCall[] = [];
  const failures = new Map<string, { failure: Failure; remaining: number }>();
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
      calls.push({ method, args, token, at: Date.now() });

      const failure = failures.get(method) ?? failures.get('*');
      if (failure && failure.remaining !== 0) {
        failure.remaining--;
        if (failure.failure.status === 429) {
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
    /** Makes `method` ('*' for all) fail `times` times (-1: for good). */
    fail(method: string, failure: Failure, times: number) {
      failures.set(method, { failure, remaining: times });
    },
    recover() {
      failures.clear();
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

/** A click on a card button, as Slack sends it. */
export function buttonClick(user: string, actionId: string, value: string, card: { channel: string; ts: string }) {
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0AIRLOCK',
    token: 'verification-token-unused',
    container: { type: 'message', message_ts: card.ts, channel_id: card.channel, is_ephemeral: false },
    trigger_id: `trigger-${Date.now()}`,
    team: { id: 'T0TEAM', domain: 'example' },
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
export function viewSubmission(user: string, callbackId: string, privateMetadata: string, values: Record<string, Record<string, unknown>>) {
  return {
    type: 'view_submission',
    team: { id: 'T0TEAM', domain: 'example' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0AIRLOCK',
    token: 'verification-token-unused',
    trigger_id: `trigger-${Date.now()}`,
    view: {
      id: 'V0VIEW',
      team_id: 'T0TEAM',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: 'hash',
      blocks: [],
      title: { type: 'plain_text', text: 'x' },
      close: null,
      submit: null,
      app_id: 'A0AIRLOCK',
      bot_id: 'BBOT',
      root_view_id: 'V0VIEW',
      previous_view_id: null,
      external_id: '',
      clear_on_close: false,
      notify_on_close: false,
    },
  };
}
