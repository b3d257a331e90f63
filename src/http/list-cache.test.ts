import Fastify from 'fastify';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../test/clock.js';
import { onPostgres, startTestServer, type Tenant, type TestServer } from '../../test/helpers.js';
import { startListCache, type ListCache } from './list-cache.js';

const clock = manualClock(Date.parse('2026-04-01T02:00:00Z')); // 1 April, 1 pm in Sydney
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(() => server.close());

/** Asks until `check` passes (a notification is on its way), or fails with its last complaint. */
async function eventually(check: () => Promise<void>, ms = 5_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const namesOf = (body: { data: { name: string }[] }) => body.data.map((l) => l.name);

describe('list answers kept in memory', () => {
  it('serves a repeated list from memory, and reads a write made through the API back at once', async () => {
    const t = await server.tenant();
    await t.call('POST', '/v1/leads', { name: 'First' });
    for (const path of ['/v1/leads', '/v1/leads?stage=new_lead&per_page=10', '/v1/pipeline', '/v1/quotes', '/v1/appointments']) {
      const first = await t.call('GET', path);
      const second = await t.call('GET', path);
      expect([path, first.status, first.headers.get('x-cache')]).toEqual([path, 200, 'miss']);
      expect([path, second.headers.get('x-cache')]).toEqual([path, 'hit']);
      expect(second.text).toBe(first.text);
      expect(second.headers.get('content-type')).toBe('application/json; charset=utf-8');
      // The company's rate limit still counts a request answered from memory.
      expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(Number(first.headers.get('x-ratelimit-remaining')) - 1);
    }
    // The validated query is the key: the default page is the same answer as no page.
    expect((await t.call('GET', '/v1/leads?page=1&per_page=25')).headers.get('x-cache')).toBe('hit');

    // Leads take their time from the server's clock: the second is made a moment after the first.
    clock.advance(1);
    const created = await t.call('POST', '/v1/leads', { name: 'Second', pipeline_stage: 'quoted' });
    const after = await t.call('GET', '/v1/leads');
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(namesOf(after.body)).toEqual(['Second', 'First']);
    expect((await t.call('GET', '/v1/pipeline')).body.data).toMatchObject({ new_lead: 1, quoted: 1 });

    await t.call('PATCH', `/v1/leads/${created.body.data.id}`, { name: 'Second, renamed' });
    expect(namesOf((await t.call('GET', '/v1/leads')).body)).toEqual(['Second, renamed', 'First']);
    await t.call('DELETE', `/v1/leads/${created.body.data.id}`);
    expect((await t.call('GET', '/v1/leads')).body.meta.total).toBe(1);
  });

  it("keeps each company's answers apart", async () => {
    const a = await server.tenant();
    const b = await server.tenant();
    await a.call('POST', '/v1/leads', { name: 'Only in A' });
    await b.call('POST', '/v1/leads', { name: 'Only in B' });
    await a.call('GET', '/v1/leads');
    expect((await a.call('GET', '/v1/leads')).headers.get('x-cache')).toBe('hit');
    const fromB = await b.call('GET', '/v1/leads');
    expect(namesOf(fromB.body)).toEqual(['Only in B']);
  });

  it('hears a write made outside this process (plain SQL) through its notification', async () => {
    const t = await server.tenant();
    const lead = (await t.call('POST', '/v1/leads', { name: 'Before' })).body.data;
    await t.call('GET', '/v1/leads');
    expect((await t.call('GET', '/v1/leads')).headers.get('x-cache')).toBe('hit');

    await server.database.db.execute(sql`update leads set name = 'Changed by SQL' where id = ${lead.id}`);
    await eventually(async () => expect(namesOf((await t.call('GET', '/v1/leads')).body)).toEqual(['Changed by SQL']));

    // Quotes' lines have no company of their own: a change to a line alone is heard through its quote.
    const quote = (
      await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Gutter guard', quantity: 1, unit_price: 100 }] })
    ).body.data;
    await t.call('GET', '/v1/quotes');
    expect((await t.call('GET', '/v1/quotes')).headers.get('x-cache')).toBe('hit');
    await server.database.db.execute(sql`update quote_line_items set description = 'Changed line' where quote_id = ${quote.id}`);
    await eventually(async () =>
      expect((await t.call('GET', '/v1/quotes')).body.data[0].line_items[0].description).toBe('Changed line'),
    );

    // Appointments show their lead's name: a lead's change reaches the appointment list too.
    const booked = await t.call('POST', '/v1/appointments', { lead_id: lead.id, appointment_type: 'onsite', start_time: '2026-04-02T01:00:00Z' });
    expect(booked.status).toBe(201);
    await t.call('GET', '/v1/appointments');
    expect((await t.call('GET', '/v1/appointments')).headers.get('x-cache')).toBe('hit');
    await server.database.db.execute(sql`update leads set name = 'Renamed again' where id = ${lead.id}`);
    await eventually(async () => expect((await t.call('GET', '/v1/appointments')).body.data[0].leads.name).toBe('Renamed again'));
  });

  it('hears a write made through another server on the same database', async () => {
    const other = await startTestServer({ clock, database: server.database });
    try {
      const t = await server.tenant();
      await t.call('POST', '/v1/leads', { name: 'Seen by both' });
      await t.call('GET', '/v1/leads');
      expect((await t.call('GET', '/v1/leads')).headers.get('x-cache')).toBe('hit');
      clock.advance(1); // the second lead is made a moment after the first (leads take the server's clock)
      const res = await other.fetch('POST', '/v1/leads', {
        body: { name: 'Written elsewhere' },
        headers: { authorization: `Bearer ${t.token}` },
      });
      expect(res.status).toBe(201);
      await eventually(async () => expect(namesOf((await t.call('GET', '/v1/leads')).body)).toEqual(['Written elsewhere', 'Seen by both']));
    } finally {
      await other.close();
    }
  });

  it('reads its own writes at once, though notifications arrive late', async () => {
    // The same database, with the list notifications held back 300 ms on their way to this server.
    const database = server.database;
    const slow = await startTestServer({
      clock,
      database: {
        ...database,
        listen: (channel, onMessage, onLive) => database.listen(channel, (p) => setTimeout(() => onMessage(p), 300), onLive),
      },
    });
    try {
      const t = await slow.tenant();
      const call = (method: string, path: string, body?: unknown) =>
        slow.fetch(method, path, { body, headers: { authorization: `Bearer ${t.token}` } });
      const lead = (await call('POST', '/v1/leads', { name: 'Mine' })).body.data;
      await call('GET', '/v1/leads');
      expect((await call('GET', '/v1/leads')).headers.get('x-cache')).toBe('hit');
      // Someone else's write: not seen until its notification arrives.
      await database.db.execute(sql`update leads set notes = 'by SQL' where id = ${lead.id}`);
      expect((await call('GET', '/v1/leads')).body.data[0].notes).toBeNull();
      await eventually(async () => expect((await call('GET', '/v1/leads')).body.data[0].notes).toBe('by SQL'));
      // This server's own write: seen by the very next read (once the late notifications have landed,
      // so that none of them is what drops the answer).
      await new Promise((r) => setTimeout(r, 400));
      await call('GET', '/v1/leads');
      expect((await call('GET', '/v1/leads')).headers.get('x-cache')).toBe('hit');
      expect((await call('PATCH', `/v1/leads/${lead.id}`, { name: 'Mine, renamed' })).status).toBe(200);
      expect(namesOf((await call('GET', '/v1/leads')).body)).toEqual(['Mine, renamed']);
      expect((await call('POST', '/v1/leads', { name: 'Another' })).status).toBe(201);
      expect((await call('GET', '/v1/pipeline')).body.data.new_lead).toBe(2);
    } finally {
      await slow.close();
    }
  });

  it('reads the database for Cache-Control: no-cache', async () => {
    const t = await server.tenant();
    await t.call('GET', '/v1/leads');
    expect((await t.call('GET', '/v1/leads')).headers.get('x-cache')).toBe('hit');
    for (const value of ['no-cache', 'max-age=0', 'private, no-store']) {
      expect([value, (await t.call('GET', '/v1/leads', undefined, { 'cache-control': value })).headers.get('x-cache')]).toEqual([value, 'miss']);
    }
    expect((await t.call('GET', '/v1/leads', undefined, { 'cache-control': 'max-age=60' })).headers.get('x-cache')).toBe('hit');
  });

  it('keeps a quote list only until an open quote passes its deadline', async () => {
    const t: Tenant = await server.tenant();
    clock.set(Date.parse('2026-04-01T02:00:00Z'));
    const lead = (await t.call('POST', '/v1/leads', { name: 'Jo', phone: '0412 777 888' })).body.data;
    const draft = (
      await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Ridge', quantity: 1, unit_price: 10 }], valid_until: '2026-04-01' })
    ).body.data;
    expect((await t.call('POST', `/v1/quotes/${draft.id}/send`, {})).status).toBe(200);

    clock.set(Date.parse('2026-04-01T12:59:59.999Z')); // 23:59:59.999 on 1 April in Sydney
    expect((await t.call('GET', '/v1/quotes')).body.data[0].status).toBe('sent');
    const kept = await t.call('GET', '/v1/quotes');
    expect([kept.headers.get('x-cache'), kept.body.data[0].status]).toEqual(['hit', 'sent']);
    clock.set(Date.parse('2026-04-01T13:00:00Z')); // midnight: no write, yet it reads differently
    const expired = await t.call('GET', '/v1/quotes');
    expect([expired.headers.get('x-cache'), expired.body.data[0].status]).toEqual(['miss', 'expired']);
    expect((await t.call('GET', '/v1/quotes?status=expired')).body.meta.total).toBe(1);
    clock.set(Date.parse('2026-04-01T02:00:00Z'));
  });

  it('reads afresh after a minute however quiet the company, and ignores a query the route does not take', async () => {
    const t = await server.tenant();
    await t.call('GET', '/v1/pipeline');
    expect((await t.call('GET', '/v1/pipeline?_=1234')).headers.get('x-cache')).toBe('hit');
    clock.advance(59_000);
    expect((await t.call('GET', '/v1/pipeline')).headers.get('x-cache')).toBe('hit');
    clock.advance(1_000);
    expect((await t.call('GET', '/v1/pipeline')).headers.get('x-cache')).toBe('miss');
    clock.set(Date.parse('2026-04-01T02:00:00Z'));
  });

  it.skipIf(onPostgres)('hears a TRUNCATE (on the embedded database, whose tables are this file\'s own)', async () => {
    const t = await server.tenant();
    await t.call('GET', '/v1/appointments');
    expect((await t.call('GET', '/v1/appointments')).headers.get('x-cache')).toBe('hit');
    await server.database.db.execute(sql`truncate appointments`);
    expect((await t.call('GET', '/v1/appointments')).headers.get('x-cache')).toBe('miss');
  });

  it('keeps nothing with LIST_CACHE_MB=0', async () => {
    const off = await startTestServer({ clock, database: server.database, env: { LIST_CACHE_MB: '0' } });
    try {
      const t = await off.tenant();
      await t.call('GET', '/v1/leads');
      expect((await t.call('GET', '/v1/leads')).headers.get('x-cache')).toBe('miss');
    } finally {
      await off.close();
    }
  });

  it.runIf(onPostgres)('keeps and serves nothing while its notification connection is down', async () => {
    const t = await server.tenant();
    await t.call('GET', '/v1/pipeline');
    expect((await t.call('GET', '/v1/pipeline')).headers.get('x-cache')).toBe('hit');
    // Every listener on the channel is cut (other test files' servers reconnect as this one does).
    await server.database.db.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where query = 'LISTEN "quoteleads_lists"' and pid <> pg_backend_pid()`,
    );
    await eventually(async () => expect((await t.call('GET', '/v1/pipeline')).headers.get('x-cache')).toBe('miss'));
    // Reconnected (after a second), it keeps answers again.
    await eventually(async () => {
      await t.call('GET', '/v1/pipeline');
      expect((await t.call('GET', '/v1/pipeline')).headers.get('x-cache')).toBe('hit');
    });
  });
});

describe('the cache itself', () => {
  // A real Fastify route and a notification source of our own, to hold a computation open mid-way.
  async function harness(maxBytes: number) {
    let live!: (live: boolean) => void;
    const listen = async (_channel: string, _onMessage: (p: string) => void, onLive: (l: boolean) => void) => {
      live = onLive;
      onLive(true);
      return async () => {};
    };
    const cache: ListCache = await startListCache({ listen }, { maxBytes, now: () => 0 });
    let gate: Promise<void> = Promise.resolve();
    let computed = 0;
    const app = Fastify();
    const querystring = { type: 'object', properties: { page: { type: 'string' } } };
    app.get('/list/:company', { schema: { querystring } }, async (request, reply) => {
      const { company } = request.params as { company: string };
      await cache.serve(request, reply, company, async () => {
        computed++;
        const answer = { company, n: computed, pad: 'x'.repeat(1000) };
        await gate;
        return { payload: answer };
      });
      return reply;
    });
    await app.ready();
    const get = async (company: string, page = '1') => {
      const res = await app.inject({ method: 'GET', url: `/list/${company}?page=${page}` });
      return { cache: res.headers['x-cache'], n: res.json().n as number };
    };
    return { cache, app, get, setLive: (l: boolean) => live(l), hold: () => {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => { gate = Promise.resolve(); open(); };
    } };
  }

  it('does not keep an answer computed while its company was dropped', async () => {
    const h = await harness(1 << 20);
    const release = h.hold();
    const pending = h.get('c1');
    await new Promise((r) => setTimeout(r, 10));
    h.cache.drop('c1'); // a write committed while the page was being read
    release();
    expect(await pending).toEqual({ cache: 'miss', n: 1 });
    expect(await h.get('c1')).toEqual({ cache: 'miss', n: 2 });
    expect(await h.get('c1')).toEqual({ cache: 'hit', n: 2 });
    // Another company's drop does not stand in the way.
    const again = h.hold();
    const other = h.get('c2');
    await new Promise((r) => setTimeout(r, 10));
    h.cache.drop('c1');
    again();
    await other;
    expect((await h.get('c2')).cache).toBe('hit');
    await h.app.close();
  });

  it('forgets everything when its notifications stop, and keeps nothing until they resume', async () => {
    const h = await harness(1 << 20);
    await h.get('c1');
    expect((await h.get('c1')).cache).toBe('hit');
    h.setLive(false);
    expect((await h.get('c1')).cache).toBe('miss');
    expect((await h.get('c1')).cache).toBe('miss');
    h.setLive(true);
    await h.get('c1');
    expect((await h.get('c1')).cache).toBe('hit');
    await h.app.close();
  });

  it("lets no company take more than an eighth of the memory, nor drop others' answers", async () => {
    const h = await harness(64_000);
    await h.get('quiet');
    for (let page = 1; page <= 40; page++) await h.get('busy', String(page));
    expect((await h.get('quiet')).cache).toBe('hit');
    expect((await h.get('busy', '40')).cache).toBe('hit');
    expect((await h.get('busy', '1')).cache).toBe('miss'); // its own oldest went first
    expect(h.cache.stats().bytes).toBeLessThanOrEqual(64_000 / 8 + 2_000);
    h.cache.drop('*'); // a TRUNCATE's notification: everything goes
    expect((await h.get('quiet')).cache).toBe('miss');
    await h.app.close();
  });

  it('stays within its memory, dropping the least recently used answers first', async () => {
    const h = await harness(128_000); // room for about a hundred answers of 1 KB
    for (let i = 0; i < 300; i++) await h.get(`c${i}`);
    expect(h.cache.stats().bytes).toBeLessThanOrEqual(128_000);
    expect(h.cache.stats().entries).toBeGreaterThan(50);
    expect((await h.get('c299')).cache).toBe('hit');
    expect((await h.get('c0')).cache).toBe('miss');
    await h.app.close();
  });
});
