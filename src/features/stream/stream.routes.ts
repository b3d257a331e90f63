import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { ValidationError } from '../../lib/errors.js';
import { SESSION_COOKIE, sessionOf, type SessionPrincipal } from '../../auth/principal.js';
import { webhookBody } from '../webhooks/signing.js';
import { roleHears } from './event-access.js';
import type { EventStream } from './event-stream.js';
import type { OutboxEventRow } from '../events/events.repo.js';

// A browser that does not read (a sleeping laptop) is not buffered for without end: past this much
// unsent, its stream ends; the browser reconnects with Last-Event-ID and loses nothing.
const MAX_UNSENT_BYTES = 1024 * 1024;
// How soon a browser reconnects after its stream ends (the EventSource default is about 3 s).
const RETRY_MS = 2000;
// A resume position is a seq: a bigint identity, always a safe integer in practice.
const SEQ = /^\d{1,15}$/;

/** The text of one event: `data` is exactly the body a webhook receives (src/features/webhooks/signing.ts). */
function frameOf(row: OutboxEventRow): string {
  // Spread, so that a field the outbox and the webhook body share by name (`actor`) reaches the
  // stream as it reaches webhooks, with no change here.
  const body = webhookBody({ ...row, event: row.eventType, test: false });
  return `id: ${row.seq}\nevent: ${row.eventType}\ndata: ${body}\n\n`;
}

function lastEventIdOf(header: string | string[] | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  if (typeof header !== 'string' || !SEQ.test(header)) {
    throw new ValidationError('Invalid Last-Event-ID', [{ field: 'Last-Event-ID', message: 'must be the id of an event this stream sent' }]);
  }
  return Number(header);
}

/**
 * GET /app/api/stream: the company's events as Server-Sent Events, as they commit (docs/dashboard.md,
 * "The live stream"). Every `heartbeatMs` a comment keeps proxies from closing an idle stream, and the
 * session is read again: a stream ends once its session does, and follows a change of role.
 */
export function streamRoutes(deps: {
  events: EventStream;
  authenticate: (cookie: string) => Promise<SessionPrincipal | null>;
  heartbeatMs: number;
}): FastifyPluginAsync {
  const { events } = deps;
  return async (app) => {
    const open = new Set<() => void>();
    // Before the server waits for its connections to finish: an open stream never would.
    app.addHook('preClose', async () => {
      for (const end of [...open]) end();
    });

    app.get('/app/api/stream', { schema: { hide: true }, exposeHeadRoute: false }, async (request, reply) => {
      let session = sessionOf(request);
      const { companyId } = session;
      const cookie = request.cookies[SESSION_COOKIE] ?? '';
      const cursor = await events.startingPoint(companyId, lastEventIdOf(request.headers['last-event-id']));

      reply.hijack();
      const res = reply.raw;
      // What the hooks set (X-Request-Id, the rate limit), which a hijacked reply no longer sends itself.
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        // nginx buffers answers by default, which would hold events back.
        'x-accel-buffering': 'no',
        // The socket goes with the stream, so that a shutdown does not wait on kept-alive sockets.
        connection: 'close',
      });

      let ended = false;
      const write = (text: string) => {
        if (ended) return;
        res.write(text);
        if (res.writableLength > MAX_UNSENT_BYTES) end();
      };
      const unsubscribe = events.subscribe(companyId, {
        cursor,
        deliver: (rows) => {
          const text = rows.filter((r) => roleHears(session.role, r.eventType)).map(frameOf).join('');
          if (text) write(text);
        },
      });
      const beat = setInterval(async () => {
        write(': heartbeat\n\n');
        try {
          const now = await deps.authenticate(cookie);
          if (!now || now.companyId !== companyId) end();
          else session = now;
        } catch (err) {
          request.log.warn({ err }, 'live stream: session not read; ending the stream');
          end();
        }
      }, deps.heartbeatMs);
      function end() {
        if (ended) return;
        ended = true;
        clearInterval(beat);
        unsubscribe();
        open.delete(end);
        res.end();
      }
      open.add(end);
      res.on('close', end);
      write(`: connected\nretry: ${RETRY_MS}\n\n`);
    });
  };
}
