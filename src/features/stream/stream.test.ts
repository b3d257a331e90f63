import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, startTestServer, testConfig, type DashboardUser, type TestServer } from '../../../test/helpers.js';
import { openSse, type SseStream } from '../../../test/sse-client.js';
import { webhookBody } from '../webhooks/signing.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const STREAM = '/app/api/stream';
const connected = (s: SseStream) => s.frames.some((f) => f.comments.includes('connected'));

/** A stream of `user`'s company on `on`, open and counted in (its first comment has arrived). */
async function stream(user: DashboardUser, headers: Record<string, string> = {}, on: TestServer = server) {
  const s = await openSse(on.url + STREAM, { cookie: user.cookie, ...headers });
  expect(s.status).toBe(200);
  await s.until(connected);
  return s;
}

const leadNames = (s: SseStream) =>
  s.events()
    .filter((e) => e.event === 'lead.created')
    .map((e) => JSON.parse(e.data).data.name);

/** Nothing more arrives for a while: used after the event that must come last. */
const quietFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GET /app/api/stream', () => {
  it('refuses a request without a live session', async () => {
    const none = await openSse(server.url + STREAM);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ code: 'unauthorized', error: 'Not logged in' });
    const forged = await openSse(server.url + STREAM, { cookie: 'ql_session=not-a-session' });
    expect(forged.status).toBe(401);
    // A bearer token is the API's credential, not the dashboard's.
    const t = await server.tenant();
    expect((await openSse(server.url + STREAM, { authorization: `Bearer ${t.token}` })).status).toBe(401);
  });

  it('sends the events committed through the API as they happen, each as its webhook gets it', async () => {
    const user = await server.user();
    const s = await stream(user);
    expect(s.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(s.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(s.headers.get('x-request-id')).toBeTruthy();
    expect(s.frames[0].retry).toBe(2000);

    const created = await user.call('POST', '/v1/leads', { name: 'Live Lead', phone: '0412345678' });
    expect(created.status).toBe(201);
    const lead = created.body.data;
    await user.call('PATCH', `/v1/leads/${lead.id}`, { pipeline_stage: 'closed_won' });
    await s.until((x) => x.events().length >= 3);
    const events = s.events();
    expect(events.map((e) => e.event)).toEqual(['lead.created', 'lead.updated', 'sale.completed']);
    const ids = events.map((e) => Number(e.id));
    expect(ids.every((id, i) => Number.isSafeInteger(id) && (i === 0 || id > ids[i - 1]))).toBe(true);

    // `data` is the webhook body of the outbox row, byte for byte; `id` is its seq.
    const rows = await server.database.db.execute(
      sql`select * from outbox_events where company_id = ${user.companyId} order by seq`,
    );
    const outbox = (rows as unknown as { rows: Record<string, any>[] }).rows;
    expect(outbox.map((r) => Number(r.seq))).toEqual(ids);
    outbox.forEach((r, i) => {
      const body = webhookBody({
        id: r.id,
        event: r.event_type,
        occurredAt: new Date(r.occurred_at),
        data: r.data,
        previous: r.previous,
        actor: r.actor,
        test: false,
      });
      expect(events[i].data).toBe(body);
    });
    expect(JSON.parse(events[1].data)).toMatchObject({ event: 'lead.updated', data: { id: lead.id }, previous: { pipeline_stage: 'new_lead' } });
    s.close();
  });

  it("never sends another company's events", async () => {
    const a = await server.user();
    const b = await server.user();
    const s = await stream(a);
    await b.call('POST', '/v1/leads', { name: 'Of B' });
    await a.call('POST', '/v1/leads', { name: 'Of A' });
    await b.call('POST', '/v1/leads', { name: 'Of B again' });
    await s.until((x) => x.events().length >= 1);
    await quietFor(200);
    expect(leadNames(s)).toEqual(['Of A']);
    expect(s.events()).toHaveLength(1);
    s.close();
  });

  it('starts from now without Last-Event-ID, and resumes after it with exactly the events missed', async () => {
    const user = await server.user();
    await user.call('POST', '/v1/leads', { name: 'Before any stream' });
    const first = await stream(user);
    await user.call('POST', '/v1/leads', { name: 'One' });
    await user.call('POST', '/v1/leads', { name: 'Two' });
    await first.until((x) => x.events().length >= 2);
    expect(leadNames(first)).toEqual(['One', 'Two']);
    const lastSeen = first.events()[0].id; // as if the connection dropped after the first
    first.close();

    await user.call('POST', '/v1/leads', { name: 'Three' });
    const resumed = await stream(user, { 'last-event-id': lastSeen });
    await resumed.until((x) => x.events().length >= 2);
    await user.call('POST', '/v1/leads', { name: 'Four' });
    await resumed.until((x) => x.events().length >= 3);
    await quietFor(100);
    expect(leadNames(resumed)).toEqual(['Two', 'Three', 'Four']);

    // From the beginning: everything the outbox still holds. Beyond the latest event (a database
    // reset under an open tab): from now, so the stream does not stay silent.
    const all = await stream(user, { 'last-event-id': '0' });
    await all.until((x) => x.events().length >= 5);
    expect(leadNames(all)).toEqual(['Before any stream', 'One', 'Two', 'Three', 'Four']);
    const beyond = await stream(user, { 'last-event-id': '999999999999' });
    await user.call('POST', '/v1/leads', { name: 'Five' });
    await beyond.until((x) => x.events().length >= 1);
    expect(leadNames(beyond)).toEqual(['Five']);

    const bad = await openSse(server.url + STREAM, { cookie: user.cookie, 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'validation_failed', details: [{ field: 'Last-Event-ID' }] });
    for (const s of [resumed, all, beyond]) s.close();
  });

  it('sends each role the events its role may read', async () => {
    const owner = await server.user();
    const member = await server.user({ role: 'member', companyId: owner.companyId });
    const admin = await server.user({ role: 'admin', companyId: owner.companyId });
    const streams = [await stream(owner), await stream(admin), await stream(member)];
    await member.call('POST', '/v1/leads', { name: 'Seen by all' });
    // A type this version does not know (a newer version's, during a deploy): owners and admins only.
    await server.database.db.execute(
      sql`insert into outbox_events (company_id, event_type, data) values (${owner.companyId}, 'webhook.endpoint_disabled', '{}')`,
    );
    await member.call('POST', '/v1/leads', { name: 'Also seen by all' });
    for (const s of streams) await s.until((x) => leadNames(x).length >= 2);
    const types = streams.map((s) => s.events().map((e) => e.event));
    expect(types[0]).toEqual(['lead.created', 'webhook.endpoint_disabled', 'lead.created']);
    expect(types[1]).toEqual(types[0]);
    expect(types[2]).toEqual(['lead.created', 'lead.created']);
    for (const s of streams) s.close();
  });
});

describe('an open stream', () => {
  let quick: TestServer;
  beforeAll(async () => {
    quick = await startTestServer({ database: server.database, env: { STREAM_HEARTBEAT_MS: '50' } });
  });
  afterAll(() => quick.close());

  it('gets a heartbeat comment every STREAM_HEARTBEAT_MS', async () => {
    const user = await quick.user();
    const s = await stream(user, {}, quick);
    const started = Date.now();
    await s.until((x) => x.frames.filter((f) => f.comments.includes('heartbeat')).length >= 4, 2000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    s.close();
    // The default: 15 s, which no idle proxy in front should reach.
    expect(server.config.streamHeartbeatMs).toBe(15_000);
  });

  it('ends once its session does (log-out), and the next request is refused', async () => {
    const user = await quick.user();
    const s = await stream(user, {}, quick);
    expect((await user.call('POST', '/app/api/logout')).status).toBe(204);
    await Promise.race([s.ended, quietFor(2000).then(() => Promise.reject(new Error('the stream did not end')))]);
    expect((await openSse(quick.url + STREAM, { cookie: user.cookie })).status).toBe(401);
  });

  it('is closed at shutdown: the server does not wait for it', async () => {
    const own = await startTestServer({ database: server.database });
    const user = await own.user();
    const s = await stream(user, {}, own);
    const started = Date.now();
    await own.close();
    await s.ended;
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe.skipIf(!onPostgres)('on PostgreSQL', () => {
  it('two server instances: an event committed through one reaches a stream on the other within 1 s', async () => {
    // Each its own pool and its own listening connection, as two processes would have.
    const other = await startTestServer();
    try {
      const user = await server.user();
      const s = await stream(user, {}, other);
      for (const name of ['First', 'Second', 'Third']) {
        const started = Date.now();
        expect((await user.call('POST', '/v1/leads', { name })).status).toBe(201);
        await s.until((x) => leadNames(x).includes(name), 1000);
        expect(Date.now() - started).toBeLessThan(1000);
      }
      expect(leadNames(s)).toEqual(['First', 'Second', 'Third']);
      s.close();
    } finally {
      await other.close();
    }
  });

  it('keeps commit order: an event whose transaction took a lower seq but committed later is not missed', async () => {
    const user = await server.user();
    const s = await stream(user);
    const early = new pg.Client({ connectionString: testConfig.databaseUrl });
    const late = new pg.Client({ connectionString: testConfig.databaseUrl });
    await early.connect();
    await late.connect();
    try {
      const insert = (c: pg.Client, name: string) =>
        c.query(`insert into outbox_events (company_id, event_type, data) values ($1, 'lead.created', $2) returning seq`, [
          user.companyId,
          JSON.stringify({ name }),
        ]);
      await early.query('begin');
      const takenFirst = Number((await insert(early, 'took the lower seq')).rows[0].seq);
      await late.query('begin');
      const takenSecond = Number((await insert(late, 'committed first')).rows[0].seq);
      expect(takenSecond).toBeGreaterThan(takenFirst);
      await late.query('commit');
      await s.until((x) => x.events().length >= 1);
      // A browser that saw only this one and reconnects must still get the other.
      const lastSeen = s.events()[0].id;
      s.close();
      await early.query('commit');

      const resumed = await stream(user, { 'last-event-id': lastSeen });
      await resumed.until((x) => x.events().length >= 1);
      expect(leadNames(resumed)).toEqual(['took the lower seq']);
      // Renumbered at commit: above the one that committed before it.
      expect(Number(resumed.events()[0].id)).toBeGreaterThan(Number(lastSeen));
      resumed.close();
    } finally {
      await early.end();
      await late.end();
    }
  });

  it('catches up on what was committed while its listening connection was down', async () => {
    const own = await startTestServer();
    try {
      const user = await own.user();
      const s = await stream(user, {}, own);
      await own.database.db.execute(
        sql`select pg_terminate_backend(pid) from pg_stat_activity where query = 'LISTEN "quoteleads_events"' and pid <> pg_backend_pid()`,
      );
      await quietFor(200); // the connection is gone; it comes back a second later
      await user.call('POST', '/v1/leads', { name: 'While deaf' });
      await s.until((x) => leadNames(x).includes('While deaf'), 5000);
      s.close();
    } finally {
      await own.close();
    }
  });
});
