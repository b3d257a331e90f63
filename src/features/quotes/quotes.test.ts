import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompanies } from '../companies/companies.service.js';
import { AppError } from '../../lib/errors.js';
import { onPostgres, startTestServer, type Tenant, type TestServer } from '../../../test/helpers.js';

// The texter stands in for SMS sending (issue 5 wires the real one): it records what it was asked, and
// refuses when told to, as a provider failure would.
const texts: { leadId: string; message: string }[] = [];
let refuseTexts = false;
let holdTexts: Promise<void> | null = null;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    textQuoteLink: async (args) => {
      if (holdTexts) await holdTexts;
      if (refuseTexts) throw new AppError('Failed to send SMS', 500, 'sms_failed');
      texts.push({ leadId: args.leadId, message: args.message });
    },
  });
});
afterAll(() => server.close());

const QUOTE_FIELDS = [
  'id', 'quote_number', 'status', 'lead_id', 'subtotal', 'tax', 'total', 'tax_rate', 'tax_mode', 'currency',
  'line_items', 'metadata', 'notes', 'valid_until', 'public_url', 'created_at', 'updated_at', 'sent_at',
  'viewed_at', 'accepted_at', 'declined_at',
].sort();

export const todayIn = (timezone: string, at = Date.now()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

async function leadOf(t: Tenant, body: Record<string, unknown> = {}) {
  return (await t.call('POST', '/v1/leads', { name: 'Sam Roofer', phone: '0412 555 111', ...body })).body.data;
}

const oneLine = [{ description: 'Replace 12 broken tiles', quantity: 12, unit_price: 45.5 }];

describe('POST /v1/quotes', () => {
  it('creates a draft with computed totals, the company defaults, and the whole shape', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const res = await t.call('POST', '/v1/quotes', {
      lead_id: lead.id,
      line_items: [
        { description: 'Roof restoration', quantity: 2.5, unit_price: 19.99 },
        { description: 'Gutter guard', quantity: 1, unit_price: 1000 },
      ],
      notes: 'Includes removal of old flashing',
      metadata: { job: 'J-1' },
      // Clients never send totals: these are ignored.
      total: 1,
      subtotal: 1,
    });
    expect(res.status).toBe(201);
    const q = res.body.data;
    expect(Object.keys(q).sort()).toEqual(QUOTE_FIELDS);
    expect(q).toMatchObject({
      quote_number: 'Q-00001',
      status: 'draft',
      lead_id: lead.id,
      // 2.5 × 19.99 = 49.975 → 49.98; + 1000 = 1049.98; 10% = 104.998 → 105.00
      line_items: [
        { description: 'Roof restoration', quantity: 2.5, unit_price: 19.99, subtotal: 49.98 },
        { description: 'Gutter guard', quantity: 1, unit_price: 1000, subtotal: 1000 },
      ],
      subtotal: 1049.98,
      tax: 105,
      total: 1154.98,
      tax_rate: 0.1,
      tax_mode: 'exclusive',
      currency: 'AUD',
      metadata: { job: 'J-1' },
      notes: 'Includes removal of old flashing',
      valid_until: null,
      sent_at: null,
      viewed_at: null,
      accepted_at: null,
      declined_at: null,
    });
    expect(q.public_url).toMatch(/^http:\/\/localhost:\d+\/q\/[A-Za-z0-9_-]{43}$/);
    expect((await t.call('GET', `/v1/quotes/${q.id}`)).body).toEqual({ data: q });
    const second = await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine });
    expect(second.body.data.quote_number).toBe('Q-00002');
    expect(second.body.data.public_url).not.toBe(q.public_url);
  });

  it("uses the company's currency and inclusive tax, and takes overrides", async () => {
    const t = await server.tenant();
    await createCompanies({ db: server.database.db, clock: server.clock }).change(t.companyId, { currency: 'NZD', taxRate: 0.15, taxMode: 'inclusive' });
    const lead = await leadOf(t);
    const inclusive = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Heat pump', quantity: 1, unit_price: 100 }] })).body.data;
    // 100 incl. 15%: tax = 100 × 0.15 / 1.15 = 13.043… → 13.04, subtotal 86.96
    expect(inclusive).toMatchObject({ currency: 'NZD', tax_mode: 'inclusive', tax_rate: 0.15, subtotal: 86.96, tax: 13.04, total: 100 });
    const overridden = (
      await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Heat pump', quantity: 1, unit_price: 100 }], tax_rate: 0, tax_mode: 'exclusive' })
    ).body.data;
    expect(overridden).toMatchObject({ tax_rate: 0, tax_mode: 'exclusive', subtotal: 100, tax: 0, total: 100 });
  });

  it('holds subtotal + tax = total to the cent on the rounding edges', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const cases = [
      // half a cent rounds up
      { line_items: [{ description: 'Washer', quantity: 0.5, unit_price: 0.01 }], expect: { subtotal: 0.01, tax: 0, total: 0.01 } },
      // 1.005 × 1 = 1.005 → 1.01 (a float computes 1.00)
      { line_items: [{ description: 'Sealant', quantity: 1.005, unit_price: 1 }], expect: { subtotal: 1.01, tax: 0.1, total: 1.11 } },
      // 200 small lines, each rounded before the sum: 0.333 × 0.05 = 0.01665 → 0.02
      {
        line_items: Array.from({ length: 200 }, (_, i) => ({ description: `Clip ${i + 1}`, quantity: 0.333, unit_price: 0.05 })),
        expect: { subtotal: 4, tax: 0.4, total: 4.4 },
      },
      // inclusive tax that does not divide: 100 / 11 = 9.0909…
      { line_items: [{ description: 'Service', quantity: 1, unit_price: 100 }], tax_mode: 'inclusive', expect: { subtotal: 90.91, tax: 9.09, total: 100 } },
      { line_items: [{ description: 'Screws', quantity: 3, unit_price: 0.37 }], tax_mode: 'inclusive', expect: { subtotal: 1.01, tax: 0.1, total: 1.11 } },
      // exclusive tax of exactly half a cent: 0.05 × 10% = 0.005 → 0.01
      { line_items: [{ description: 'Nail', quantity: 1, unit_price: 0.05 }], expect: { subtotal: 0.05, tax: 0.01, total: 0.06 } },
    ];
    for (const c of cases) {
      const { expect: totals, ...body } = c;
      const res = await t.call('POST', '/v1/quotes', { lead_id: lead.id, ...body });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject(totals);
      const q = res.body.data;
      expect(Math.round(q.subtotal * 100) + Math.round(q.tax * 100)).toBe(Math.round(q.total * 100));
    }
  });

  it.each([
    [{ line_items: [] }, "'line_items' must have at least 1 line item"],
    [{ line_items: Array.from({ length: 201 }, () => oneLine[0]) }, "'line_items' must have at most 200 line items"],
    [{ line_items: [{ description: 'x', quantity: 0, unit_price: 1 }] }, "'line_items' must be greater than 0"],
    [{ line_items: [{ description: 'x', quantity: -1, unit_price: 1 }] }, "'line_items' must be greater than 0"],
    [{ line_items: [{ description: 'x', quantity: 1.0005, unit_price: 1 }] }, "'line_items' must have at most 3 decimal places"],
    [{ line_items: [{ description: 'x', quantity: 1, unit_price: -0.01 }] }, "'line_items' must be at least 0"],
    [{ line_items: [{ description: 'x', quantity: 1, unit_price: 1.001 }] }, "'line_items' must have at most 2 decimal places"],
    [{ line_items: [{ description: '', quantity: 1, unit_price: 1 }] }, "'line_items' must not be empty"],
    [{ line_items: [{ description: 'd'.repeat(501), quantity: 1, unit_price: 1 }] }, "'line_items' must be at most 500 characters"],
    [{ line_items: [{ description: 'x', quantity: '1', unit_price: 1 }] }, "'line_items' must be a number"],
    [{ line_items: [{ description: 'x', quantity: 1, unit_price: 0.1 + 0.2 }] }, "'line_items' must have at most 2 decimal places"],
    [{ line_items: [{ description: 'x', quantity: 1_000_000, unit_price: 1_000_000_000 }] }, "'line_items' must total at most 999999999999.99"],
    [{ line_items: oneLine, tax_rate: 10 }, "'tax_rate' must be a fraction between 0 and 1 (0.1 for 10%)"],
    [{ line_items: oneLine, tax_rate: 0.123456 }, "'tax_rate' must have at most 5 decimal places"],
    [{ line_items: oneLine, tax_mode: 'gross' }, "'tax_mode' must be one of: exclusive, inclusive"],
    [{ line_items: oneLine, valid_until: '31/12/2030' }, "'valid_until' must be a date (YYYY-MM-DD)"],
    [{ line_items: oneLine, valid_until: '2020-01-01' }, "'valid_until' must not be in the past"],
  ])('refuses %j with a message naming the field', async (body, message) => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const res = await t.call('POST', '/v1/quotes', { lead_id: lead.id, ...body });
    expect(res.status).toBe(400);
    expect(res.body.error.startsWith(message)).toBe(true);
    expect((await t.call('GET', '/v1/quotes')).body.meta.total).toBe(0);
  });

  it("accepts today as valid_until in the company's timezone, and refuses a lead it does not own", async () => {
    const t = await server.tenant();
    const other = await server.tenant();
    const lead = await leadOf(t);
    const ok = await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine, valid_until: todayIn('Australia/Sydney') });
    expect(ok.status).toBe(201);
    for (const leadId of [(await leadOf(other)).id, 'not-a-uuid']) {
      const res = await t.call('POST', '/v1/quotes', { lead_id: leadId, line_items: oneLine });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('Lead not found');
    }
  });
});

describe('GET /v1/quotes', () => {
  it('lists newest first, filters by status, pages with the true total; 404s are Quote not found', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine })).body.data.id);
    await t.call('POST', `/v1/quotes/${ids[1]}/send`, {});
    const all = await t.call('GET', '/v1/quotes?per_page=2');
    expect(all.body.meta).toEqual({ page: 1, per_page: 2, total: 3 });
    expect(all.body.data.map((q: { id: string }) => q.id)).toEqual([ids[2], ids[1]]);
    const past = await t.call('GET', '/v1/quotes?page=9');
    expect(past.body).toMatchObject({ data: [], meta: { total: 3 } });
    const sent = await t.call('GET', '/v1/quotes?status=sent');
    expect(sent.body.data.map((q: { id: string }) => q.id)).toEqual([ids[1]]);
    expect(sent.body.meta.total).toBe(1);
    expect((await t.call('GET', '/v1/quotes?status=draft')).body.meta.total).toBe(2);
    expect((await t.call('GET', '/v1/quotes?status=draft&page=5')).body.meta.total).toBe(2);
    expect((await t.call('GET', '/v1/quotes?status=accepted')).body.meta.total).toBe(0);
    const bad = await t.call('GET', '/v1/quotes?status=won');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("'status' must be one of: draft, sent, viewed, accepted, declined, expired");
    for (const id of ['7d8b1f0e-9f5c-4a3e-8f4e-2b1c0d9e8f7a', 'nope']) {
      const res = await t.call('GET', `/v1/quotes/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('Quote not found');
    }
  });
});

describe('GET /v1/quotes?lead_id', () => {
  it("lists one lead's quotes, with status and paging; another company's lead is an empty list; 400 for a bad uuid", async () => {
    const t = await server.tenant();
    const [kim, sam] = [await leadOf(t, { name: 'Kim' }), await leadOf(t, { name: 'Sam' })];
    const ids: string[] = [];
    for (const lead of [kim, sam, kim, kim]) ids.push((await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine })).body.data.id);
    await t.call('POST', `/v1/quotes/${ids[2]}/send`, {});
    const list = async (q: string) => {
      const res = await t.call('GET', `/v1/quotes?${q}`);
      expect(res.status).toBe(200);
      return { ids: res.body.data.map((q: { id: string }) => ids.indexOf(q.id)), total: res.body.meta.total };
    };
    expect(await list(`lead_id=${kim.id}`)).toEqual({ ids: [3, 2, 0], total: 3 });
    expect(await list(`lead_id=${sam.id}`)).toEqual({ ids: [1], total: 1 });
    expect(await list(`lead_id=${kim.id}&status=draft`)).toEqual({ ids: [3, 0], total: 2 });
    expect(await list(`lead_id=${kim.id}&status=sent`)).toEqual({ ids: [2], total: 1 });
    expect(await list(`lead_id=${sam.id}&status=sent`)).toEqual({ ids: [], total: 0 });
    expect(await list(`lead_id=${kim.id}&status=expired`)).toEqual({ ids: [], total: 0 });
    expect(await list(`lead_id=${kim.id}&per_page=1&page=2`)).toEqual({ ids: [2], total: 3 });
    expect(await list(`lead_id=${kim.id}&page=9`)).toEqual({ ids: [], total: 3 });

    const other = await server.tenant();
    const theirs = await leadOf(other);
    await other.call('POST', '/v1/quotes', { lead_id: theirs.id, line_items: oneLine });
    expect(await list(`lead_id=${theirs.id}`)).toEqual({ ids: [], total: 0 });
    expect(await list('lead_id=7d8b1f0e-9f5c-4a3e-8f4e-2b1c0d9e8f7a')).toEqual({ ids: [], total: 0 });

    const bad = await t.call('GET', '/v1/quotes?lead_id=42');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "'lead_id' must be a valid uuid", code: 'validation_failed' });
  });
});

describe('PATCH /v1/quotes/:id', () => {
  it('edits a draft and recomputes its totals; 409 once sent; 400 with nothing to change', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const q = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine })).body.data;
    expect(q.total).toBe(600.6); // 12 × 45.50 = 546 + 54.60
    const edited = await t.call('PATCH', `/v1/quotes/${q.id}`, { tax_mode: 'inclusive', notes: 'revised' });
    expect(edited.status).toBe(200);
    expect(edited.body.data).toMatchObject({ subtotal: 496.36, tax: 49.64, total: 546, notes: 'revised', quote_number: q.quote_number });
    const relined = await t.call('PATCH', `/v1/quotes/${q.id}`, { line_items: [{ description: 'Whole roof', quantity: 1, unit_price: 1100 }] });
    expect(relined.body.data).toMatchObject({ line_items: [{ description: 'Whole roof', quantity: 1, unit_price: 1100, subtotal: 1100 }], tax: 100, total: 1100 });
    expect((await t.call('PATCH', `/v1/quotes/${q.id}`, { lead_id: lead.id })).body.error).toBe('No valid fields to update');
    await t.call('POST', `/v1/quotes/${q.id}/send`);
    const refused = await t.call('PATCH', `/v1/quotes/${q.id}`, { notes: 'too late' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'Only draft quotes can be edited', code: 'conflict' });
  });
});

describe('POST /v1/quotes/:id/send', () => {
  it('moves a draft to sent, fires quote.sent with quote_id, and moves the lead to quoted', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t, { pipeline_stage: 'quote_in_progress' });
    const q = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine })).body.data;
    const res = await t.call('POST', `/v1/quotes/${q.id}/send`, {});
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'sent', total: q.total });
    expect(res.body.data.sent_at).toMatch(/Z$/);
    // One transaction, one timestamp: in type order.
    const events = (await server.events(t.companyId)).filter((e) => e.eventType !== 'lead.created');
    expect(events.map((e) => e.eventType)).toEqual(['lead.updated', 'quote.sent']);
    events.reverse();
    expect(events[0].data).toEqual({ ...res.body.data, quote_id: q.id });
    expect(events[1].previous).toEqual({ pipeline_stage: 'quote_in_progress' });
    expect((await t.call('GET', `/v1/leads/${lead.id}`)).body.data.pipeline_stage).toBe('quoted');
    const again = await t.call('POST', `/v1/quotes/${q.id}/send`);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('Only draft quotes can be sent');
  });

  it('with sms, texts the link first; a failed text leaves the draft and records nothing', async () => {
    const t = await server.tenant({ name: 'Acme Roofing' });
    const lead = await leadOf(t);
    const q = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine })).body.data;
    refuseTexts = true;
    const failed = await t.call('POST', `/v1/quotes/${q.id}/send`, { sms: true });
    refuseTexts = false;
    expect(failed.status).toBe(500);
    expect(failed.body.error).toBe('Failed to send SMS');
    expect((await t.call('GET', `/v1/quotes/${q.id}`)).body.data.status).toBe('draft');
    expect((await server.events(t.companyId)).map((e) => e.eventType)).toEqual(['lead.created']);

    const sent = await t.call('POST', `/v1/quotes/${q.id}/send`, { sms: true });
    expect(sent.status).toBe(200);
    expect(sent.body.data.status).toBe('sent');
    expect(texts.at(-1)).toEqual({ leadId: lead.id, message: `Acme Roofing: your quote ${q.quote_number} is ready to view and accept: ${q.public_url}` });
  });

  it('holds the draft while its text is on the way: a second send and an edit get 409', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const q = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine })).body.data;
    let release!: () => void;
    holdTexts = new Promise((r) => (release = r));
    try {
      const first = t.call('POST', `/v1/quotes/${q.id}/send`, { sms: true });
      // Wait until the first send holds the draft (an edit is refused), at most 2 seconds.
      for (let i = 0; i < 100; i++) {
        const probe = await t.call('PATCH', `/v1/quotes/${q.id}`, { notes: 'probe' });
        if (probe.status === 409) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const second = await t.call('POST', `/v1/quotes/${q.id}/send`, { sms: true });
      expect(second.status).toBe(409);
      expect(second.body.error).toBe('The quote is already being sent');
      const edit = await t.call('PATCH', `/v1/quotes/${q.id}`, { notes: 'changed while sending' });
      expect(edit.status).toBe(409);
      expect(edit.body.error).toBe('The quote is being sent; try again in a moment');
      release();
      expect((await first).status).toBe(200);
    } finally {
      release();
      holdTexts = null;
    }
    expect(texts.filter((x) => x.leadId === lead.id)).toHaveLength(1);
    expect((await server.events(t.companyId)).filter((e) => e.eventType === 'quote.sent')).toHaveLength(1);
  });

  it('with sms needs sms:send, and without SMS wired answers Twilio not configured', async () => {
    const t = await server.tenant({ scopes: ['quotes:write', 'quotes:read', 'leads:write'] });
    const lead = await leadOf(t);
    const q = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine })).body.data;
    const refused = await t.call('POST', `/v1/quotes/${q.id}/send`, { sms: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('Insufficient scope: sms:send required');

    const bare = await startTestServer({ database: server.database });
    try {
      const u = await bare.tenant();
      const res = await u.call('POST', '/v1/leads', { name: 'Pat', phone: '0412 000 999' });
      const draft = (await u.call('POST', '/v1/quotes', { lead_id: res.body.data.id, line_items: oneLine })).body.data;
      const notConfigured = await u.call('POST', `/v1/quotes/${draft.id}/send`, { sms: true });
      expect(notConfigured.status).toBe(500);
      expect(notConfigured.body.error).toBe('Twilio not configured');
      expect((await u.call('GET', `/v1/quotes/${draft.id}`)).body.data.status).toBe('draft');
    } finally {
      await bare.close();
    }
  });
});

describe('DELETE /v1/leads/:id', () => {
  it('erases the lead with its quotes and appointments, fires lead.deleted with the id only, keeps counters and numbers', async () => {
    const t = await server.tenant();
    const keep = await leadOf(t, { pipeline_stage: 'follow_up' });
    const lead = await leadOf(t, { pipeline_stage: 'follow_up' });
    const q = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine })).body.data;
    await t.call('POST', `/v1/quotes/${q.id}/send`);
    const a = (await t.call('POST', '/v1/appointments', { lead_id: lead.id, appointment_type: 'onsite', start_time: '2030-03-01T09:00:00+11:00' })).body.data;

    const res = await t.call('DELETE', `/v1/leads/${lead.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await t.call('GET', `/v1/leads/${lead.id}`)).status).toBe(404);
    expect((await t.call('GET', `/v1/quotes/${q.id}`)).status).toBe(404);
    expect((await t.call('GET', `/v1/appointments/${a.id}`)).status).toBe(404);
    expect((await t.call('GET', '/v1/quotes')).body.meta.total).toBe(0);
    expect((await t.call('GET', '/v1/appointments')).body.meta.total).toBe(0);
    expect((await t.call('GET', '/v1/leads')).body.meta.total).toBe(1);
    expect((await t.call('GET', '/v1/pipeline')).body.data).toMatchObject({ follow_up: 1, quoted: 0 });
    expect((await server.fetch('GET', new URL(q.public_url).pathname)).status).toBe(404);
    const events = await server.events(t.companyId);
    expect(events.at(-1)).toMatchObject({ eventType: 'lead.deleted', data: { id: lead.id } });
    expect(Object.keys(events.at(-1)!.data)).toEqual(['id']);

    const again = await t.call('DELETE', `/v1/leads/${lead.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error).toBe('Lead not found');
    // Numbers are never reused: the next quote follows the erased one.
    const next = await t.call('POST', '/v1/quotes', { lead_id: keep.id, line_items: oneLine });
    expect(next.body.data.quote_number).toBe('Q-00002');
  });
});

describe.runIf(onPostgres)('concurrency (PostgreSQL)', () => {
  it('never gives two concurrent creates the same number', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: oneLine })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const numbers = answers.map((a) => a.body.data.quote_number).sort();
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `Q-${String(i + 1).padStart(5, '0')}`));
  });
});
