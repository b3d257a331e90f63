import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, ne } from 'drizzle-orm';
import { appointments, jobs, quotes } from '../../db/schema/index.js';
import { instantOfWallTime } from '../../lib/zoned-time.js';
import { findCompany } from '../companies/companies.repo.js';
import { createLeads } from '../leads/leads.service.js';
import { createSms } from '../sms/sms.service.js';
import { createSmsProvider } from '../sms/sms.provider.js';
import { createAppointments } from '../appointments/appointments.service.js';
import { createQuotes } from '../quotes/quotes.service.js';
import { randomAuMobile, smsTenant, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../test/fake-openai.js';
import { manualClock } from '../../../test/clock.js';
import { databaseOfItsOwn, type Tenant, type TestServer } from '../../../test/helpers.js';
import { createAgentSettings } from './agent-settings.service.js';
import { createToolRunner, type ToolDeps } from './agent-tools.js';
import { AGENT_TURN_JOB, agentTurnJobHandler, scheduleOf } from './agent-turn.js';
import { createLlmEngine } from './llm-engine.js';
import { DEFAULT_SCHEDULE, freeSlots } from './slots.js';
import type { ToolCall } from './tools.js';

// The agent's tool runner (issue 14), which both engines act through: every call validated by the
// server and carried out with the real services on the real database, the texts received by the fake
// Twilio. A runner is one turn; a second runner with the same trigger is that turn run again (a worker
// that died mid-turn). The clock stands still on a Monday, 09:00 in Sydney, so slots are known.
const TZ = 'Australia/Sydney';
const MONDAY = '2031-06-02';
const at = (date: string, time: string) => instantOfWallTime(date, time, TZ);
const clock = manualClock(at(MONDAY, '09:00'));
const iso = (ms: number) => new Date(ms).toISOString();


let fake: FakeTwilio;
let model: FakeOpenAI;
let server: TestServer;
let close: () => Promise<void>;
let own: Awaited<ReturnType<typeof databaseOfItsOwn>>;
let deps: ToolDeps;
beforeAll(async () => {
  model = await startFakeOpenAI();
  own = await databaseOfItsOwn('agent_tools');
  ({ fake, server, close } = await startServerWithFakeTwilio({ AI_BASE_URL: model.url, AI_API_KEY: model.apiKey, AI_MODEL: 'gpt-test' }, { database: own?.database }));
  const db = server.database.db;
  const leads = createLeads({ db, clock });
  const quiet = { warn() {}, info() {} };
  deps = {
    db,
    clock,
    leads,
    sms: createSms({ db, clock, leads, provider: createSmsProvider(server.config, quiet), publicUrl: server.config.publicUrl }),
    appointments: createAppointments({ db, clock }),
    quotes: createQuotes({ db, clock, leads, publicUrl: server.config.publicUrl, textQuoteLink: async () => undefined }),
  };
});
afterAll(async () => {
  await model?.close();
  await close?.();
  await own?.drop();
});

type Company = Tenant & { number: string };
const company = (): Promise<Company> => smsTenant(server, 50);
async function leadOf(t: Tenant, body: Record<string, unknown> = {}): Promise<{ id: string; phone: string }> {
  const phone = randomAuMobile();
  const r = await t.call('POST', '/v1/leads', { name: 'Alex Citizen', phone, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.data.id, phone };
}

/** A runner as the job handler builds one (agent-turn.ts): the scope from the company and its saved settings. */
async function runnerOf(t: Tenant, leadId: string, trigger = `test:${randomUUID()}`) {
  const row = (await findCompany(deps.db, t.companyId))!;
  const settings = await createAgentSettings({ db: deps.db, clock, config: server.config }).get(t.companyId);
  const runner = createToolRunner(deps, {
    companyId: t.companyId,
    companyName: row.name,
    timezone: row.timezone,
    ownNumbers: [row.twilioNumber].filter((n): n is string => Boolean(n)),
    country: row.country,
    quoteLinkPrefix: `${server.config.publicUrl}/q/`,
    leadId,
    trigger,
    goals: settings.goals,
    schedule: scheduleOf(settings),
  });
  return { ...runner, trigger, call: (tool: string, args: unknown) => runner.run({ tool, args } as ToolCall) };
}

const texts = (to: string) => fake.sent.filter((m) => m.to === to).map((m) => m.body);
const lead = async (t: Tenant, id: string) => (await t.call('GET', `/v1/leads/${id}`)).body.data;
const appointmentsOf = (companyId: string) =>
  deps.db
    .select()
    .from(appointments)
    .where(and(eq(appointments.companyId, companyId), ne(appointments.status, 'cancelled')));
const quotesOf = (companyId: string, leadId: string) =>
  deps.db
    .select()
    .from(quotes)
    .where(and(eq(quotes.companyId, companyId), eq(quotes.leadId, leadId)));
const free = (type: 'callback' | 'onsite' = 'callback') => freeSlots({ timezone: TZ, schedule: DEFAULT_SCHEDULE, type, now: clock.now(), busy: [] });

describe('send_reply', () => {
  it('sends one reply of at most two segments', async () => {
    const t = await company();
    const l = await leadOf(t);
    const turn = await runnerOf(t, l.id);
    const text = 'Thanks Alex! What is the postcode of the property?';
    expect(await turn.call('send_reply', { text })).toEqual({ ok: true, result: 'sent' });
    expect(texts(l.phone)).toEqual([text]);
    const thread = (await t.call('GET', `/v1/leads/${l.id}/messages`)).body.data;
    expect(thread.find((m: { direction: string }) => m.direction === 'outbound').sender).toMatchObject({ type: 'agent' });
  });

  it('refuses three segments or more: a 500-character reply, 307 plain characters, 150 that need UCS-2', async () => {
    const t = await company();
    const l = await leadOf(t);
    for (const text of ['a'.repeat(500), 'b'.repeat(307), 'ā'.repeat(150)]) {
      const turn = await runnerOf(t, l.id);
      const r = await turn.call('send_reply', { text });
      expect(r.ok, text.slice(0, 10)).toBe(false);
      expect(!r.ok && r.error).toMatch(/SMS segments; at most 2/);
    }
    expect(texts(l.phone)).toEqual([]);
    // Two full segments go.
    const turn = await runnerOf(t, l.id);
    expect((await turn.call('send_reply', { text: 'c'.repeat(306) })).ok).toBe(true);
    expect(texts(l.phone)).toHaveLength(1);
  });

  it('refuses a link, but not the company’s own quote page', async () => {
    const t = await company();
    const l = await leadOf(t);
    for (const text of ['See https://evil.example for our prices', 'Check www.x.com', 'Book here: bit.ly/abc', 'Our site: https://api.quoteleads.test.evil.com/q/1', 'HTTPS://EVIL.EXAMPLE/q/']) {
      const r = await (await runnerOf(t, l.id)).call('send_reply', { text });
      expect(r.ok, text).toBe(false);
      expect(!r.ok && r.error, text).toMatch(/may not carry a link/);
    }
    expect(texts(l.phone)).toEqual([]);
    const quoteLink = `Your quote is ready: ${server.config.publicUrl}/q/abc123XYZ`;
    expect(quoteLink).toContain('https://api.quoteleads.test/q/');
    expect(await (await runnerOf(t, l.id)).call('send_reply', { text: quoteLink })).toEqual({ ok: true, result: 'sent' });
    expect(texts(l.phone)).toEqual([quoteLink]);
  });

  it('refuses a phone number other than the company’s own Twilio number', async () => {
    const t = await company();
    const l = await leadOf(t);
    for (const text of ['Call Bob on 0400 123 456', 'Ring +61 2 9876 5432 any time', `Text me on ${randomAuMobile()}`]) {
      const r = await (await runnerOf(t, l.id)).call('send_reply', { text });
      expect(r.ok, text).toBe(false);
      expect(!r.ok && r.error, text).toMatch(/may not carry a phone number/);
    }
    expect(texts(l.phone)).toEqual([]);
    // The company's own number, in international or national form.
    const national = '0' + t.number.slice(3).replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3');
    for (const text of [`Call us on ${t.number}`, `Or ring ${national}`]) {
      expect(await (await runnerOf(t, l.id)).call('send_reply', { text }), text).toEqual({ ok: true, result: 'sent' });
    }
    expect(texts(l.phone)).toHaveLength(2);
  });

  it('refuses a second reply in one turn, and a turn run again sends nothing twice', async () => {
    const t = await company();
    const l = await leadOf(t);
    const turn = await runnerOf(t, l.id);
    expect((await turn.call('send_reply', { text: 'First' })).ok).toBe(true);
    const second = await turn.call('send_reply', { text: 'Second' });
    expect(second).toEqual({ ok: false, error: expect.stringMatching(/one reply a turn/) });
    const again = await runnerOf(t, l.id, turn.trigger);
    expect(await again.call('send_reply', { text: 'First, again' })).toEqual({ ok: true, result: 'sent' });
    expect(texts(l.phone)).toEqual(['First']);
  });

  it('refuses arguments that are not a text', async () => {
    const t = await company();
    const l = await leadOf(t);
    for (const args of [{}, { text: '' }, { text: 42 }, { text: 'hi', to: '+61400000000' }]) {
      const r = await (await runnerOf(t, l.id)).call('send_reply', args);
      expect(r, JSON.stringify(args)).toEqual({ ok: false, error: expect.stringMatching(/^invalid arguments/) });
    }
    expect(texts(l.phone)).toEqual([]);
  });
});

describe('set_score', () => {
  it('refuses a score out of range, a status not hot/warm/cold, or no reason, and changes nothing', async () => {
    const t = await company();
    const l = await leadOf(t);
    const bad = [
      { score: 101, status: 'hot', reason: 'Keen' },
      { score: -1, status: 'cold', reason: 'No' },
      { score: 50.5, status: 'warm', reason: 'Maybe' },
      { score: '80', status: 'hot', reason: 'Keen' },
      { score: 80, status: 'boiling', reason: 'Keen' },
      { score: 80, status: 'hot' },
      { score: 80, status: 'hot', reason: 'Keen', pipeline_stage: 'closed_won' },
    ];
    for (const args of bad) {
      const r = await (await runnerOf(t, l.id)).call('set_score', args);
      expect(r, JSON.stringify(args)).toEqual({ ok: false, error: expect.stringMatching(/^invalid arguments/) });
    }
    expect(await lead(t, l.id)).toMatchObject({ ai_score_reason: null, pipeline_stage: 'new_lead' });
  });

  it('writes ai_score, ai_status and ai_score_reason, and moves a new lead to follow_up', async () => {
    const t = await company();
    const l = await leadOf(t);
    const r = await (await runnerOf(t, l.id)).call('set_score', { score: 85, status: 'hot', reason: 'Owner, wants it this week', summary: 'New gutters on a house in 2150' });
    expect(r).toEqual({ ok: true, result: 'scored 85 (hot)' });
    expect(await lead(t, l.id)).toMatchObject({
      ai_score: 85,
      ai_status: 'hot',
      ai_score_reason: 'Owner, wants it this week',
      ai_summary: 'New gutters on a house in 2150',
      pipeline_stage: 'follow_up',
    });
  });

  it('leaves a lead further down the pipeline where it is', async () => {
    const t = await company();
    const l = await leadOf(t);
    expect((await t.call('PATCH', `/v1/leads/${l.id}`, { pipeline_stage: 'quoted' })).status).toBe(200);
    await (await runnerOf(t, l.id)).call('set_score', { score: 20, status: 'cold', reason: 'Just browsing' });
    expect(await lead(t, l.id)).toMatchObject({ ai_score: 20, ai_status: 'cold', pipeline_stage: 'quoted' });
  });
});

describe('book_appointment', () => {
  const refusal = async (t: Tenant, leadId: string, args: unknown) => {
    const r = await (await runnerOf(t, leadId)).call('book_appointment', args);
    expect(r.ok, JSON.stringify(args)).toBe(false);
    return r.ok ? '' : r.error;
  };

  it('books a free slot, with its end from the company’s slot length, as booked by the agent', async () => {
    const t = await company();
    const l = await leadOf(t);
    const [slot] = free();
    expect(iso(slot.start.getTime())).toBe(iso(at(MONDAY, '10:00'))); // 60 minutes' notice
    const r = await (await runnerOf(t, l.id)).call('book_appointment', { type: 'callback', start_time: slot.start.toISOString() });
    expect(r).toEqual({ ok: true, result: expect.stringMatching(/^booked: callback on Mon 2 June? 10:00 \(appointment [0-9a-f-]{36}\)$/) });
    const rows = await appointmentsOf(t.companyId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ leadId: l.id, appointmentType: 'callback', bookedBy: 'ai', status: 'scheduled' });
    expect(rows[0].startTime.getTime()).toBe(at(MONDAY, '10:00'));
    expect(rows[0].endTime.getTime()).toBe(at(MONDAY, '10:15'));
    expect((await server.events(t.companyId)).map((e) => e.eventType)).toContain('appointment.booked');
  });

  it('refuses a slot in the past, too soon, outside business hours, on a closed day, too far ahead, or not aligned', async () => {
    const t = await company();
    const l = await leadOf(t);
    const cases: [string, number, RegExp][] = [
      ['in the past', at('2031-05-30', '10:00'), /that time has passed/],
      ['earlier today', at(MONDAY, '08:00'), /that time has passed/],
      ['inside the notice', at(MONDAY, '09:30'), /too soon/],
      ['evening', at('2031-06-03', '20:00'), /outside business hours/],
      ['before opening', at('2031-06-03', '07:00'), /outside business hours/],
      ['the last 15 minutes run past closing', at('2031-06-03', '16:50'), /not the start of a slot|outside business hours/],
      ['Saturday', at('2031-06-07', '10:00'), /outside business hours/],
      ['past days_ahead', at('2031-06-17', '10:00'), /too far ahead/],
      ['10:07', at('2031-06-03', '10:07'), /not the start of a slot/],
      ['a second off', at('2031-06-03', '10:00') + 1000, /not the start of a slot/],
    ];
    for (const [what, start, why] of cases) {
      expect(await refusal(t, l.id, { type: 'callback', start_time: iso(start) }), what).toMatch(why);
    }
    expect(await appointmentsOf(t.companyId)).toEqual([]);
  });

  it('refuses a slot taken by an existing appointment (of any lead, of any type that overlaps it)', async () => {
    const t = await company();
    const [l, other] = [await leadOf(t), await leadOf(t)];
    const booked = await t.call('POST', '/v1/appointments', {
      lead_id: other.id,
      appointment_type: 'onsite',
      start_time: iso(at('2031-06-03', '10:00')),
      end_time: iso(at('2031-06-03', '11:00')),
    });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    for (const start of [at('2031-06-03', '10:00'), at('2031-06-03', '10:45')]) {
      expect(await refusal(t, l.id, { type: 'callback', start_time: iso(start) })).toMatch(/that time is not free/);
    }
    expect(await refusal(t, l.id, { type: 'callback', start_time: iso(at('2031-06-03', '10:30')) })).toMatch(/not free/);
    // Back to back is not an overlap.
    expect((await (await runnerOf(t, l.id)).call('book_appointment', { type: 'callback', start_time: iso(at('2031-06-03', '11:00')) })).ok).toBe(true);
    // A cancelled appointment frees its time.
    expect((await t.call('PATCH', `/v1/appointments/${booked.body.data.id}`, { status: 'cancelled' })).status).toBe(200);
    expect((await (await runnerOf(t, l.id)).call('book_appointment', { type: 'callback', start_time: iso(at('2031-06-03', '10:00')) })).ok).toBe(true);
  });

  it('the refusal lists the free slots, the taken one left out', async () => {
    const t = await company();
    const [l, other] = [await leadOf(t), await leadOf(t)];
    const first = await (await runnerOf(t, other.id)).call('book_appointment', { type: 'callback', start_time: iso(at(MONDAY, '10:00')) });
    expect(first.ok).toBe(true);
    const error = await refusal(t, l.id, { type: 'callback', start_time: iso(at(MONDAY, '10:00')) });
    expect(error).toMatch(/^that time is not free; free callback slots are: /);
    expect(error).not.toContain(iso(at(MONDAY, '10:00')));
    const listed = [...error.matchAll(/\((\d{4}-\d\d-\d\dT[\d:.]+Z)\)/g)].map((m) => m[1]);
    expect(listed).toEqual(free().slice(1, 7).map((s) => s.start.toISOString()));
    expect(error).toMatch(new RegExp(`: Mon 2 June? 10:15 \\(${iso(at(MONDAY, '10:15')).replace(/\./g, '\\.')}\\), Mon 2 June? 10:30 `));
    // Any refusal lists them, for the type asked: the 10:00 callback leaves no onsite hour before 11:00.
    const onsite = await refusal(t, l.id, { type: 'onsite', start_time: iso(at('2031-06-03', '19:00')) });
    expect(onsite).toMatch(/^that time is outside business hours; free onsite slots are: /);
    expect(onsite).toContain(`Mon 2 June 11:00 (${iso(at(MONDAY, '11:00'))}), Mon 2 June 12:00`.replace(/June/g, onsite.includes('June') ? 'June' : 'Jun'));
  });

  it('refuses a type the company does not book (not in its goals), and a type that is not a booking', async () => {
    const t = await company();
    const l = await leadOf(t);
    expect((await t.call('PATCH', '/v1/agent', { goals: ['callback', 'quote'] })).status).toBe(200);
    const start = iso(at('2031-06-03', '10:00'));
    expect(await refusal(t, l.id, { type: 'onsite', start_time: start })).toMatch(/does not book onsite/);
    expect(await refusal(t, l.id, { type: 'quote', start_time: start })).toMatch(/^invalid arguments: type/);
    expect(await refusal(t, l.id, { type: 'meeting', start_time: start })).toMatch(/^invalid arguments: type/);
    expect((await (await runnerOf(t, l.id)).call('book_appointment', { type: 'callback', start_time: start })).ok).toBe(true);
  });

  it('refuses a start that is not a time', async () => {
    const t = await company();
    const l = await leadOf(t);
    for (const start_time of ['tomorrow', '10:00', '', 'Tue 3 Jun 10am', 'next week']) {
      expect(await refusal(t, l.id, { type: 'callback', start_time })).toMatch(/not an ISO 8601 time/);
    }
    // Read by Date.parse as some day in 2001: refused, if not for the right reason (agent-bugs.test.ts).
    expect(await refusal(t, l.id, { type: 'callback', start_time: 'next Tuesday at 10' })).toBeTruthy();
    expect(await refusal(t, l.id, { type: 'callback', start_time: 1938211200000 })).toMatch(/^invalid arguments: start_time/);
    expect(await refusal(t, l.id, { type: 'callback' })).toMatch(/^invalid arguments: start_time/);
    expect(await appointmentsOf(t.companyId)).toEqual([]);
  });

  it('books once a turn, and a turn run again with the same trigger books nothing more', async () => {
    const t = await company();
    const l = await leadOf(t);
    const [a, b] = free();
    const turn = await runnerOf(t, l.id);
    expect((await turn.call('book_appointment', { type: 'callback', start_time: a.start.toISOString() })).ok).toBe(true);
    expect(await turn.call('book_appointment', { type: 'callback', start_time: b.start.toISOString() })).toEqual({ ok: false, error: expect.stringMatching(/one booking a turn/) });
    // The same turn again (the worker died after booking): the same slot, or another one.
    await (await runnerOf(t, l.id, turn.trigger)).call('book_appointment', { type: 'callback', start_time: a.start.toISOString() });
    await (await runnerOf(t, l.id, turn.trigger)).call('book_appointment', { type: 'callback', start_time: b.start.toISOString() });
    const rows = await appointmentsOf(t.companyId);
    expect(rows).toHaveLength(1);
    expect(rows[0].startTime.getTime()).toBe(a.start.getTime());
    expect((await server.events(t.companyId)).filter((e) => e.eventType === 'appointment.booked')).toHaveLength(1);
    // Another turn of the same lead is a new booking.
    expect((await (await runnerOf(t, l.id)).call('book_appointment', { type: 'callback', start_time: b.start.toISOString() })).ok).toBe(true);
    expect(await appointmentsOf(t.companyId)).toHaveLength(2);
  });
});

describe('draft_quote', () => {
  async function item(t: Tenant, name: string, unit_price: number, unit = 'metre') {
    const r = await t.call('POST', '/v1/price-book', { name, unit, unit_price });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.data.id as string;
  }

  it('refuses another company’s price book item, naming it, and an unknown id', async () => {
    const [t, stranger] = [await company(), await company()];
    const l = await leadOf(t);
    const mine = await item(t, 'Gutter guard', 45);
    const theirs = await item(stranger, 'Their gutter guard', 1);
    const cases: [string, unknown[]][] = [
      [theirs, [{ price_book_item_id: theirs, quantity: 10 }]],
      [theirs, [{ price_book_item_id: mine, quantity: 10 }, { price_book_item_id: theirs, quantity: 10 }]],
      ['unknown', [{ price_book_item_id: randomUUID(), quantity: 1 }]],
      ['not-a-uuid', [{ price_book_item_id: 'not-a-uuid', quantity: 1 }]],
    ];
    for (const [id, items] of cases) {
      const r = await (await runnerOf(t, l.id)).call('draft_quote', { items });
      expect(r.ok, id).toBe(false);
      const named = id === 'unknown' ? (items[0] as { price_book_item_id: string }).price_book_item_id : id;
      expect(!r.ok && r.error).toBe(`no price book item ${named}: use the ids the prompt lists`);
    }
    expect(await quotesOf(t.companyId, l.id)).toEqual([]);
  });

  it('refuses prices, empty lists and quantities the engine may not give', async () => {
    const t = await company();
    const l = await leadOf(t);
    const id = await item(t, 'Gutter guard', 45);
    for (const items of [[], [{ price_book_item_id: id, quantity: 0 }], [{ price_book_item_id: id, quantity: -2 }], [{ price_book_item_id: id, quantity: 1, unit_price: 1 }]]) {
      const r = await (await runnerOf(t, l.id)).call('draft_quote', { items });
      expect(r, JSON.stringify(items)).toEqual({ ok: false, error: expect.stringMatching(/^invalid arguments/) });
    }
    expect(await (await runnerOf(t, l.id)).call('draft_quote', { items: [{ price_book_item_id: id, quantity: 1 }], total: 1 })).toEqual({
      ok: false,
      error: expect.stringMatching(/^invalid arguments/),
    });
    expect(await quotesOf(t.companyId, l.id)).toEqual([]);
  });

  it('drafts a quote priced from the price book, once for a turn run again', async () => {
    const t = await company();
    const l = await leadOf(t);
    const guard = await item(t, 'Gutter guard', 45.5);
    const callout = await item(t, 'Call-out', 99, 'each');
    const turn = await runnerOf(t, l.id);
    const items = [
      { price_book_item_id: guard, quantity: 12 },
      { price_book_item_id: callout, quantity: 1 },
    ];
    // 12 × 45.50 + 99 = 645.00, and 10% GST on top (the company's default, tax exclusive): 709.50.
    const r = await turn.call('draft_quote', { items, notes: 'Front and back of the house' });
    expect(r).toEqual({ ok: true, result: expect.stringMatching(/^drafted: quote Q-\d{5}, total 709\.5, for a person to check and send$/) });
    const [row] = await quotesOf(t.companyId, l.id);
    const quote = (await t.call('GET', `/v1/quotes/${row.id}`)).body.data;
    expect(quote).toMatchObject({ status: 'draft', lead_id: l.id, subtotal: 645, tax: 64.5, total: 709.5, notes: 'Front and back of the house', metadata: { drafted_by: 'agent' } });
    expect(quote.line_items.map((li: { description: string; quantity: number; unit_price: number; subtotal: number }) => [li.description, li.quantity, li.unit_price, li.subtotal])).toEqual([
      ['Gutter guard', 12, 45.5, 546],
      ['Call-out', 1, 99, 99],
    ]);

    expect(await turn.call('draft_quote', { items })).toEqual({ ok: false, error: expect.stringMatching(/one draft a turn/) });
    const again = await (await runnerOf(t, l.id, turn.trigger)).call('draft_quote', { items });
    expect(again).toEqual({ ok: true, result: `drafted: quote ${row.id}, for a person to check and send` });
    expect(await quotesOf(t.companyId, l.id)).toHaveLength(1);
  });
});

describe('hand_off', () => {
  it('pauses the lead with the reason and records agent.handed_off once, however often it is called', async () => {
    const t = await company();
    const l = await leadOf(t);
    const turn = await runnerOf(t, l.id);
    const r = await turn.call('hand_off', { reason: 'Wants to talk about a complaint' });
    expect(r.ok).toBe(true);
    expect(await turn.call('hand_off', { reason: 'Again' })).toEqual({ ok: true, result: 'already handed off' });
    expect((await (await runnerOf(t, l.id, turn.trigger)).call('hand_off', { reason: 'The turn run again' })).ok).toBe(true);
    expect((await (await runnerOf(t, l.id)).call('hand_off', { reason: 'A later turn' })).ok).toBe(true);
    expect(await lead(t, l.id)).toMatchObject({ agent_paused: true, agent_paused_reason: 'Wants to talk about a complaint' });
    const handed = (await server.events(t.companyId)).filter((e) => e.eventType === 'agent.handed_off');
    expect(handed).toHaveLength(1);
    expect(handed[0].data).toMatchObject({ id: l.id, handoff_reason: 'Wants to talk about a complaint' });
  });

  it('refuses no reason', async () => {
    const t = await company();
    const l = await leadOf(t);
    for (const args of [{}, { reason: '' }, { reason: 'x'.repeat(501) }]) {
      expect(await (await runnerOf(t, l.id)).call('hand_off', args)).toEqual({ ok: false, error: expect.stringMatching(/^invalid arguments/) });
    }
    expect(await lead(t, l.id)).toMatchObject({ agent_paused: false });
  });
});

describe('other tools', () => {
  it('refuses a tool that does not exist, and does nothing', async () => {
    const t = await company();
    const l = await leadOf(t);
    const turn = await runnerOf(t, l.id);
    for (const tool of ['delete_lead', 'send_sms', 'SEND_REPLY', 'send_reply ', '']) {
      expect(await turn.call(tool, { text: 'hi' }), tool).toEqual({ ok: false, error: `no such tool: ${tool}` });
    }
    expect(turn.effects.calls).toEqual([]);
    expect(texts(l.phone)).toEqual([]);
  });
});

describe('through the llm engine', () => {
  it('each refusal reaches the model in words as the result of its call, and only the call that passes is carried out', async () => {
    const t = await company();
    expect((await t.call('PATCH', '/v1/agent', { enabled: true, engine: 'llm' })).status).toBe(200);
    const stranger = await company();
    const theirs = (await stranger.call('POST', '/v1/price-book', { name: 'Theirs', unit_price: 1 })).body.data.id;
    const from = randomAuMobile();
    expect((await fake.postInbound({ from, to: t.number, body: 'Hi, can you call me about a leaking roof?' })).status).toBe(200);
    // The turn's clock is the system's here: a slot of the coming days, taken by another lead.
    const [slot] = freeSlots({ timezone: TZ, schedule: DEFAULT_SCHEDULE, type: 'callback', now: Date.now(), busy: [] });
    const other = await leadOf(t);
    expect((await t.call('POST', '/v1/appointments', { lead_id: other.id, appointment_type: 'callback', start_time: slot.start.toISOString(), end_time: new Date(slot.start.getTime() + 15 * 60_000).toISOString() })).status).toBe(201);

    const asked = model.requests.length;
    model.reply(
      {
        toolCalls: [
          { name: 'send_reply', arguments: { text: 'x'.repeat(500) }, id: 'long' },
          { name: 'book_appointment', arguments: { type: 'callback', start_time: slot.start.toISOString() }, id: 'taken' },
          { name: 'draft_quote', arguments: { items: [{ price_book_item_id: theirs, quantity: 1 }] }, id: 'theirs' },
          { name: 'set_score', arguments: { score: 180, status: 'hot', reason: 'Keen' }, id: 'score' },
        ],
      },
      { toolCalls: [{ name: 'send_reply', arguments: { text: 'Call 0400 123 456 or see https://evil.example' }, id: 'link' }] },
      { toolCalls: [{ name: 'send_reply', arguments: { text: 'Thanks! When suits for a call back?' }, id: 'ok' }] },
      { content: 'done' },
    );
    const [job] = await deps.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.companyId, t.companyId), eq(jobs.kind, AGENT_TURN_JOB), eq(jobs.status, 'pending')))
      .orderBy(asc(jobs.seq));
    const handler = agentTurnJobHandler({
      ...deps,
      clock: server.clock,
      config: server.config,
      agentSettings: createAgentSettings({ db: deps.db, clock: server.clock, config: server.config }),
      llm: createLlmEngine({ baseUrl: model.url, apiKey: model.apiKey, model: 'gpt-test', timeoutMs: 5000 }),
    });
    expect(await handler.handle({ ...job, attempts: 1, claimId: randomUUID() })).toMatchObject({ result: 'done', replies: 1 });

    const results = (i: number) =>
      Object.fromEntries(model.requests[asked + i].body.messages.filter((m) => m.role === 'tool').map((m) => [m.tool_call_id, m.content]));
    expect(results(1)).toEqual({
      long: expect.stringMatching(/^Refused: the reply is 4 SMS segments; at most 2/),
      taken: expect.stringMatching(/^Refused: that time is not free; free callback slots are: /),
      theirs: `Refused: no price book item ${theirs}: use the ids the prompt lists`,
      score: expect.stringMatching(/^Refused: invalid arguments for set_score: /),
    });
    expect(results(2).link).toMatch(/^Refused: the reply may not carry (a link|a phone number)/);
    expect(results(3).ok).toBe('sent');
    expect(texts(from)).toEqual(['Thanks! When suits for a call back?']);
    const leadId = job.leadId!;
    expect(await quotesOf(t.companyId, leadId)).toEqual([]);
    expect((await appointmentsOf(t.companyId)).map((a) => a.leadId)).toEqual([other.id]);
    expect(await lead(t, leadId)).toMatchObject({ ai_score: 0, ai_score_reason: null, agent_paused: false });
  });
});
