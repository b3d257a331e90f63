import http from 'node:http';
import { createWebhookDeliveryTask } from '../src/features/webhooks/webhook-worker.js';
import type { WebhookSender } from '../src/features/webhooks/webhook-sender.js';
import { loadSecretBox } from '../src/lib/secret-box.js';
import type { TestServer } from './helpers.js';

// A customer's webhook endpoint: a real HTTP server on 127.0.0.1 that keeps every request it gets,
// raw body included, and answers as each test tells it to.

export type Received = { path: string; headers: http.IncomingHttpHeaders; rawBody: string; body: any; at: number };
export type Answer = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number };

export type Receiver = {
  url: string;
  received: Received[];
  /** How to answer the next requests; the function sees each request. Default: 200 "ok". */
  answer(fn: (r: Received) => Answer): void;
  /** Resolves once `n` requests have arrived (fails after `ms`). */
  waitFor(n: number, ms?: number): Promise<void>;
  close(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let respond: (r: Received) => Answer = () => ({});
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const r: Received = { path: req.url ?? '/', headers: req.headers, rawBody, body, at: Date.now() };
      received.push(r);
      const a = respond(r);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(a.status ?? 200, { 'content-type': 'text/plain', ...a.headers }).end(a.body ?? 'ok');
      };
      if (a.delayMs) setTimeout(send, a.delayMs).unref();
      else send();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(fn) {
      respond = fn;
    },
    async waitFor(n, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} of ${n} requests`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs `server`'s webhook worker in this process, a batch at a time, until `done()` (or a batch that
 * finds nothing, without `done`): deliveries happen when the test says, not on a timer.
 */
export async function deliverWebhooks(server: TestServer, sender: WebhookSender, done?: () => boolean): Promise<void> {
  const task = createWebhookDeliveryTask({
    db: server.database.db,
    clock: server.clock,
    secrets: loadSecretBox(server.config, server.database.engine),
    sender,
    log: { warn() {}, info() {} },
    maxInFlight: 64,
    maxPerEndpoint: 4,
  });
  for (let i = 0; i < 50; i++) {
    const handled = await task.runOnce();
    await task.drain();
    if (done ? done() : handled === 0) break;
  }
}
