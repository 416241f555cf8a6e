import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery a receiver got: its raw body and headers, exactly what a receiver verifies. */
export interface Delivery {
  /** The receiver's name (the path `/hooks/<name>`). */
  name: string;
  at: number;
  headers: IncomingHttpHeaders;
  raw: string;
  /** The parsed body: `{type, timestamp, data}`. */
  body: { type: string; timestamp: string; data: Record<string, any> };
}

/** How a receiver answers one delivery (`hang`: never); `index` counts earlier deliveries with the same `webhook-id`. */
export type WebhookResponder = (delivery: Delivery, index: number) => number | 'hang';

/**
 * Real HTTP webhook receivers on one local server, one per path
 * (`/hooks/<name>`): each records every delivery and answers 200 unless told otherwise.
 */
export async function startWebhookReceivers() {
  const deliveries: Delivery[] = [];
  const responders = new Map<string, WebhookResponder>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const name = /^\/hooks\/([^/]+)$/.exec(req.url ?? '')?.[1] ?? '';
      const raw = Buffer.concat(chunks).toString('utf8');
      const delivery: Delivery = { name, at: Date.now(), headers: req.headers, raw, body: JSON.parse(raw || '{}') };
      const index = deliveries.filter((d) => d.name === name && d.headers['webhook-id'] === req.headers['webhook-id']).length;
      deliveries.push(delivery);
      const answer = (responders.get(name) ?? (() => 200))(delivery, index);
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    /** The URL of the receiver `name`. */
    url: (name: string) => `http://127.0.0.1:${port}/hooks/${name}`,
    respond(name: string, responder: WebhookResponder) {
      responders.set(name, responder);
    },
    /** Deliveries to `name` about one action (by its id), or all of them. */
    to(name: string, actionId?: string) {
      return deliveries.filter((d) => d.name === name && (actionId === undefined || d.body.data?.id === actionId));
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type WebhookReceivers = Awaited<ReturnType<typeof startWebhookReceivers>>;
