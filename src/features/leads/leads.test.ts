import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, withInsertFailure, type Tenant, type TestServer } from '../../../test/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const LEAD_FIELDS = [
  'id', 'name', 'first_name', 'last_name', 'email', 'phone', 'pipeline_stage', 'ai_status', 'ai_score',
  'ai_summary', 'ai_enabled', 'source', 'service_type', 'notes', 'address', 'postcode', 'value',
  'custom_data', 'metadata', 'sms_opted_out', 'created_at', 'updated_at',
  // Part B: the lead agent's (issue 14).
  'ai_score_reason', 'qualification', 'agent_paused', 'agent_paused_reason',
  // Part B: intake and upserts (issue 16).
  'external_id', 'attribution', 'auto_text_held',
].sort();
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('POST /v1/leads', () => {
  it('creates a lead with the whole Part A shape, derived name and normalised contact details', async () => {
    const t = await server.tenant();
    const res = await t.call('POST', '/v1/leads', {
      first_name: 'Sarah',
      last_name: 'Mitchell',
      email: ' Sarah.Mitchell@Example.COM ',
      phone: '(04) 1234-5678',
      source: 'website',
      service_type: 'Roof restoration',
      value: 10340.5,
      custom_data: { roof: 'tile' },
      // Real clients send extra keys; they are ignored, and a body never chooses its company.
      lead_type: 'residential',
      company_id: '00000000-0000-0000-0000-000000000000',
    });
    expect(res.status).toBe(201);
    const lead = res.body.data;
    expect(Object.keys(lead).sort()).toEqual(LEAD_FIELDS);
    expect(lead).toMatchObject({
      name: 'Sarah Mitchell',
      email: 'sarah.mitchell@example.com',
      phone: '+61412345678',
      pipeline_stage: 'new_lead',
      ai_status: 'new',
      ai_score: 0,
      ai_enabled: true,
      value: 10340.5,
      custom_data: { roof: 'tile' },
      metadata: {},
      sms_opted_out: false,
    });
    expect(lead.created_at).toMatch(ISO_MS);
    expect(res.headers.get('content-type')).toMatch(/^application\/json; charset=utf-8/);
    const fetched = await t.call('GET', `/v1/leads/${lead.id}`);
    expect(fetched.body).toEqual({ data: lead });
  });

  it.each([
    ['+61 412 345 678', '+61412345678'],
    ['0061412345678', '+61412345678'],
    ['0412-345-678', '+61412345678'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('normalises the phone %s to %s', async (input, expected) => {
    const t = await server.tenant();
    const res = await t.call('POST', '/v1/leads', { phone: input });
    expect(res.status).toBe(201);
    expect(res.body.data.phone).toBe(expected);
  });

  it('reads a national number in the company country', async () => {
    const t = await server.tenant({ country: 'NZ' });
    const res = await t.call('POST', '/v1/leads', { name: 'Kiwi', phone: '021 123 4567' });
    expect(res.body.data.phone).toBe('+64211234567');
  });

  it.each([
    [{ source: 'web' }, "At least a 'name' (or 'first_name'/'last_name') or a 'phone' is required"],
    [{ name: 'X', pipeline_stage: 'won' }, "'pipeline_stage' must be one of: new_lead, follow_up, quote_in_progress, quoted, closed_won, closed_lost"],
    [{ name: 'X', email: 'not-an-email' }, "'email' must be a valid email address"],
    [{ phone: '12' }, "'phone' is not a valid phone number: 12"],
    [{ phone: 'call me' }, "'phone' is not a valid phone number: call me"],
    [{ phone: '+61 4123 4567 8901 2345' }, "'phone' is not a valid phone number: +61 4123 4567 8901 2345"],
    [{ name: 42 }, "'name' must be a string"],
    [{ name: 'x'.repeat(501) }, "'name' must be at most 500 characters"],
    [{ name: 'X', notes: 'n'.repeat(10_001) }, "'notes' must be at most 10000 characters"],
    [{ name: 'X', email: `${'e'.repeat(250)}@x.io` }, "'email' must be at most 254 characters"],
    [{ name: 'X', value: 10.555 }, "'value' must have at most 2 decimal places"],
    [{ name: 'X', value: -1 }, "'value' must be at least 0"],
    [{ name: 'X', custom_data: [1, 2] }, "'custom_data' must be an object"],
    [{ name: 'X', metadata: { blob: 'b'.repeat(17 * 1024) } }, "'metadata' must be at most 16 KiB as JSON"],
  ])('refuses %j with a message naming the field', async (body, message) => {
    const t = await server.tenant();
    const res = await t.call('POST', '/v1/leads', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: message, code: 'validation_failed' });
    expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
    const list = await t.call('GET', '/v1/leads');
    expect(list.body.meta.total).toBe(0);
  });

  it('answers invalid JSON, a non-object body and an oversized body clearly', async () => {
    const t = await server.tenant();
    const bad = await t.call('POST', '/v1/leads', '{"name": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('Invalid JSON body');
    const notObject = await t.call('POST', '/v1/leads', '[1,2]');
    expect(notObject.status).toBe(400);
    const huge = await t.call('POST', '/v1/leads', { name: 'X', notes: 'n'.repeat(1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('payload_too_large');
  });

  it('records lead.created with the full lead in the same transaction', async () => {
    const t = await server.tenant();
    const res = await t.call('POST', '/v1/leads', { name: 'Evented', phone: '0412 111 222' });
    const events = await server.events(t.companyId);
    expect(events).toHaveLength(1);
    expect(events[0].eventType).toBe('lead.created');
    expect(events[0].data).toEqual(res.body.data);
  });
});

describe('GET /v1/leads/:id', () => {
  it('is 404 for an unknown id, a malformed id and another company', async () => {
    const a = await server.tenant();
    const b = await server.tenant();
    const lead = (await a.call('POST', '/v1/leads', { name: 'Mine' })).body.data;
    for (const [t, id] of [
      [a, '7d8b1f0e-9f5c-4a3e-8f4e-2b1c0d9e8f7a'],
      [a, 'not-a-uuid'],
      [b, lead.id],
    ] as [Tenant, string][]) {
      const res = await t.call('GET', `/v1/leads/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('Lead not found');
    }
  });
});

describe('PATCH /v1/leads/:id', () => {
  it('changes only what is sent, clears with null, replaces custom_data whole', async () => {
    const t = await server.tenant();
    const lead = (
      await t.call('POST', '/v1/leads', { name: 'Pat Doe', email: 'pat@example.com', notes: 'first call', custom_data: { a: 1, b: 2 } })
    ).body.data;
    const res = await t.call('PATCH', `/v1/leads/${lead.id}`, { notes: null, custom_data: { c: 3 }, ai_enabled: false });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ name: 'Pat Doe', email: 'pat@example.com', notes: null, custom_data: { c: 3 }, ai_enabled: false });
    expect(Date.parse(res.body.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(lead.updated_at));
  });

  it('refuses a body with no updatable field', async () => {
    const t = await server.tenant();
    const lead = (await t.call('POST', '/v1/leads', { name: 'Pat' })).body.data;
    for (const body of [{}, { id: 'x', created_at: 'now', lead_type: 'y' }]) {
      const res = await t.call('PATCH', `/v1/leads/${lead.id}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('No valid fields to update');
    }
  });

  it('cannot touch another company’s lead', async () => {
    const a = await server.tenant();
    const b = await server.tenant();
    const lead = (await a.call('POST', '/v1/leads', { name: 'Mine' })).body.data;
    const res = await b.call('PATCH', `/v1/leads/${lead.id}`, { name: 'Stolen' });
    expect(res.status).toBe(404);
    expect((await a.call('GET', `/v1/leads/${lead.id}`)).body.data.name).toBe('Mine');
  });

  it('records lead.updated with previous values, sale.completed on entering closed_won, nothing when unchanged', async () => {
    const t = await server.tenant();
    const lead = (await t.call('POST', '/v1/leads', { name: 'Won Soon', pipeline_stage: 'quoted' })).body.data;
    await t.call('PATCH', `/v1/leads/${lead.id}`, { pipeline_stage: 'quoted' }); // no change
    const won = await t.call('PATCH', `/v1/leads/${lead.id}`, { pipeline_stage: 'closed_won', notes: 'signed' });
    await t.call('PATCH', `/v1/leads/${lead.id}`, { notes: 'paid deposit' }); // already won: no second sale
    const events = await server.events(t.companyId);
    expect(events.map((e) => e.eventType)).toEqual(['lead.created', 'lead.updated', 'sale.completed', 'lead.updated']);
    expect(events[1].previous).toEqual({ pipeline_stage: 'quoted', notes: null });
    expect(events[1].data).toEqual(won.body.data);
    expect(events[2].data).toEqual(won.body.data);
    expect(events[3].previous).toEqual({ notes: 'signed' });
  });

  it('re-derives a derived name when its parts change, but keeps a typed one', async () => {
    const t = await server.tenant();
    const derived = (await t.call('POST', '/v1/leads', { first_name: 'Sam', last_name: 'Lee' })).body.data;
    const typed = (await t.call('POST', '/v1/leads', { name: 'Mr S. Lee', first_name: 'Sam' })).body.data;
    expect((await t.call('PATCH', `/v1/leads/${derived.id}`, { last_name: 'Leigh' })).body.data.name).toBe('Sam Leigh');
    expect((await t.call('PATCH', `/v1/leads/${typed.id}`, { last_name: 'Leigh' })).body.data.name).toBe('Mr S. Lee');
  });
});

describe('GET /v1/leads', () => {
  async function seeded() {
    const t = await server.tenant();
    const people = [
      { name: 'Alice Archer', email: 'alice@roofs.com.au', phone: '0412 345 678', pipeline_stage: 'quoted' },
      { name: 'Bob Builder', email: 'bob@build.io', phone: '+61 498 765 432', pipeline_stage: 'new_lead' },
      { name: 'Carol Chen', email: 'carol@example.com', phone: '0400 111 222', pipeline_stage: 'quoted' },
      { name: '50% Off_Promo', email: 'promo@example.com', pipeline_stage: 'closed_lost' },
    ];
    for (const p of people) expect((await t.call('POST', '/v1/leads', p)).status).toBe(201);
    return t;
  }

  it('lists newest first with meta', async () => {
    const t = await seeded();
    const res = await t.call('GET', '/v1/leads');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['data', 'meta']);
    expect(res.body.meta).toEqual({ page: 1, per_page: 25, total: 4 });
    expect(res.body.data.map((l: { name: string }) => l.name)).toEqual(['50% Off_Promo', 'Carol Chen', 'Bob Builder', 'Alice Archer']);
  });

  it('corrects paging values instead of refusing them', async () => {
    const t = await seeded();
    const cases: [string, object, number][] = [
      ['per_page=2&page=2', { page: 2, per_page: 2, total: 4 }, 2],
      ['per_page=500', { page: 1, per_page: 100, total: 4 }, 4],
      ['per_page=0&page=-3', { page: 1, per_page: 1, total: 4 }, 1],
      ['per_page=abc&page=xyz', { page: 1, per_page: 25, total: 4 }, 4],
      ['page=9', { page: 9, per_page: 25, total: 4 }, 0],
      ['page=1e300', { page: 10_000_000, per_page: 25, total: 4 }, 0],
    ];
    for (const [query, meta, count] of cases) {
      const res = await t.call('GET', `/v1/leads?${query}`);
      expect(res.status).toBe(200);
      expect(res.body.meta).toEqual(meta);
      expect(res.body.data).toHaveLength(count);
    }
  });

  it('filters by stage and ai_status with true totals, and names allowed values when wrong', async () => {
    const t = await seeded();
    const quoted = await t.call('GET', '/v1/leads?stage=quoted&per_page=1');
    expect(quoted.body.meta.total).toBe(2);
    expect(quoted.body.data[0].name).toBe('Carol Chen');
    expect((await t.call('GET', '/v1/leads?ai_status=new')).body.meta.total).toBe(4);
    expect((await t.call('GET', '/v1/leads?ai_status=hot')).body.meta.total).toBe(0);
    expect((await t.call('GET', '/v1/leads?stage=quoted&ai_status=new')).body.meta.total).toBe(2);
    const bad = await t.call('GET', '/v1/leads?stage=won');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("'stage' must be one of: new_lead, follow_up, quote_in_progress, quoted, closed_won, closed_lost");
    const badAi = await t.call('GET', '/v1/leads?ai_status=lukewarm');
    expect(badAi.body.error).toBe("'ai_status' must be one of: new, hot, warm, cold");
  });

  it.each([
    ['ALICE', ['Alice Archer']],
    ['build.io', ['Bob Builder']],
    ['chen', ['Carol Chen']],
    ['0412 345 678', ['Alice Archer']],
    ['0412345678', ['Alice Archer']],
    ['+61412345678', ['Alice Archer']],
    ['498 765', ['Bob Builder']],
    ['61400111222', ['Carol Chen']],
    ['50%', ['50% Off_Promo']],
    ['f_p', ['50% Off_Promo']],
    ['example.com', ['50% Off_Promo', 'Carol Chen']],
    ['nobody', []],
  ])('search %s', async (term, names) => {
    const t = await seeded();
    const res = await t.call('GET', `/v1/leads?search=${encodeURIComponent(term)}`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((l: { name: string }) => l.name)).toEqual(names);
    expect(res.body.meta.total).toBe(names.length);
  });

  it('finds accented names by any part, and short terms without the index', async () => {
    const t = await server.tenant();
    for (const name of ['Zoë Müller', 'Renée Dubois', 'Chad Ng']) await t.call('POST', '/v1/leads', { name });
    const names = async (term: string) =>
      (await t.call('GET', `/v1/leads?search=${encodeURIComponent(term)}`)).body.data.map((l: { name: string }) => l.name);
    expect(await names('MÜLL')).toEqual(['Zoë Müller']);
    expect(await names('zoë mü')).toEqual(['Zoë Müller']);
    expect(await names('enée')).toEqual(['Renée Dubois']);
    expect(await names('é')).toEqual(['Renée Dubois']);
    expect(await names('DUB')).toEqual(['Renée Dubois']);
    expect(await names('ng')).toEqual(['Chad Ng']);
    expect(await names('d n')).toEqual(['Chad Ng']);
  });

  it('refuses a search over 100 characters', async () => {
    const t = await server.tenant();
    const res = await t.call('GET', `/v1/leads?search=${'a'.repeat(101)}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("'search' must be at most 100 characters");
  });

  it("never lists another company's leads", async () => {
    await seeded();
    const other = await server.tenant();
    await other.call('POST', '/v1/leads', { name: 'Only Mine' });
    const res = await other.call('GET', '/v1/leads?search=a');
    expect(res.body.data.map((l: { name: string }) => l.name)).toEqual([]);
    expect((await other.call('GET', '/v1/leads')).body.meta.total).toBe(1);
  });
});

describe('the outbox', () => {
  it('keeps no lead and no event when the transaction that wrote both fails', async () => {
    const t = await server.tenant();
    // A real database failure after both rows were written: the outbox refuses this one event.
    const failure = { name: 'refuse_doomed_event', table: 'outbox_events', when: 'after', condition: "new.data->>'name' = 'Doomed Lead'" } as const;
    await withInsertFailure(server.database, failure, async () => {
      const res = await t.call('POST', '/v1/leads', { name: 'Doomed Lead', phone: '0412 999 000' });
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: 'Internal server error', code: 'internal' });
      expect(res.text).not.toContain('refused');
      expect((await t.call('GET', '/v1/leads')).body.meta.total).toBe(0);
      expect((await t.call('GET', '/v1/pipeline')).body.data.new_lead).toBe(0);
      expect(await server.events(t.companyId)).toHaveLength(0);

      const ok = await t.call('POST', '/v1/leads', { name: 'Lucky Lead' });
      expect(ok.status).toBe(201);
      const events = await server.events(t.companyId);
      expect(events.map((e) => [e.eventType, e.data.name])).toEqual([['lead.created', 'Lucky Lead']]);
    });
  });
});
