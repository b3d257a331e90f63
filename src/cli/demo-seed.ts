import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import { users, type AiStatus, type PipelineStage } from '../db/schema/index.js';
import { actorOf, type TokenPrincipal } from '../auth/principal.js';
import { createLeads } from '../features/leads/leads.service.js';
import { findLead } from '../features/leads/leads.repo.js';
import { hashPassword } from '../lib/passwords.js';
import { ALL_SCOPES } from '../auth/scopes.js';
import { createTokens } from '../features/tokens/tokens.service.js';
import { countCompanies } from '../features/companies/companies.repo.js';
import { createCompanies } from '../features/companies/companies.service.js';
import { createQuotes } from '../features/quotes/quotes.service.js';
import { createAppointments } from '../features/appointments/appointments.service.js';
import { createAppointmentBody } from '../features/appointments/appointments.schemas.js';
import { createQuoteBody } from '../features/quotes/quotes.schemas.js';
import { createPriceBook } from '../features/price-book/price-book.service.js';
import { createPriceBookItemBody } from '../features/price-book/price-book.schemas.js';
import { createAgentSettings } from '../features/agent/agent-settings.service.js';
import { createAutomations } from '../features/follow-ups/automations.service.js';
import { SEQUENCE_KINDS } from '../db/schema/index.js';
import { createIntakeForms } from '../features/intake/intake-forms.service.js';
import { createLeadUpserts } from '../features/leads/lead-upsert.service.js';
import { upsertLeadBody } from '../features/leads/leads.schemas.js';

type Sample = [first: string, last: string, phone: string, stage: PipelineStage, ai: AiStatus, score: number, service: string, suburb: string, value: number | null];

// A roofing business's month: enough leads in every stage for the pipeline and filters to mean something.
const SAMPLES: Sample[] = [
  ['Olivia', 'Nguyen', '+61412345601', 'new_lead', 'hot', 88, 'Roof restoration', 'Parramatta NSW 2150', 14500],
  ['Jack', 'Thompson', '+61412345602', 'new_lead', 'new', 0, 'Gutter replacement', 'Penrith NSW 2750', null],
  ['Charlotte', 'Wilson', '+61412345603', 'new_lead', 'warm', 61, 'Leak repair', 'Blacktown NSW 2148', 850],
  ['Liam', 'Patel', '+61412345604', 'new_lead', 'cold', 22, 'Roof inspection', 'Ryde NSW 2112', 350],
  ['Amelia', 'Brown', '+61412345605', 'follow_up', 'warm', 57, 'Colorbond re-roof', 'Hornsby NSW 2077', 28000],
  ['Noah', 'Kelly', '+61412345606', 'follow_up', 'hot', 79, 'Skylight install', 'Castle Hill NSW 2154', 3200],
  ['Isla', 'Martin', '+61412345607', 'follow_up', 'cold', 18, 'Gutter guard', 'Epping NSW 2121', 1900],
  ['William', "O'Brien", '+61412345608', 'quote_in_progress', 'hot', 92, 'Roof restoration', 'Chatswood NSW 2067', 16800],
  ['Mia', 'Chen', '+61412345609', 'quote_in_progress', 'warm', 64, 'Solar-ready re-roof', 'Manly NSW 2095', 31000],
  ['Henry', 'Walker', '+61412345610', 'quoted', 'hot', 85, 'Ridge capping repoint', 'Bondi NSW 2026', 4700],
  ['Grace', 'Singh', '+61412345611', 'quoted', 'warm', 55, 'Box gutter replacement', 'Newtown NSW 2042', 6200],
  ['Oliver', 'Harris', '+61412345612', 'quoted', 'cold', 30, 'Roof painting', 'Liverpool NSW 2170', 9400],
  ['Ava', 'Robinson', '+61412345613', 'closed_won', 'hot', 97, 'Full re-roof', 'Cronulla NSW 2230', 42000],
  ['Thomas', 'Lee', '+61412345614', 'closed_won', 'hot', 90, 'Leak repair', 'Hurstville NSW 2220', 1200],
  ['Sophie', 'Clarke', '+61412345615', 'closed_won', 'warm', 70, 'Gutter replacement', 'Kogarah NSW 2217', 5400],
  ['Lucas', 'Taylor', '+61412345616', 'closed_lost', 'cold', 12, 'Roof restoration', 'Campbelltown NSW 2560', 13900],
  ['Zoe', 'Anderson', '+61412345617', 'closed_lost', 'cold', 25, 'Skylight install', 'Camden NSW 2570', 2800],
];

// What the quoted leads were quoted for: [description, quantity, unit price].
const QUOTE_LINES: [string, number, number][][] = [
  [['Ridge capping rebed and repoint, per lineal metre', 18, 145], ['Replace cracked tiles', 12, 38.5]],
  [['Box gutter replacement, Colorbond', 9.5, 420], ['Scaffold hire, 1 week', 1, 850]],
  [['Pressure clean and two-coat roof paint, m²', 186, 32], ['Flexible pointing touch-ups', 1, 640]],
];

// What the demo business charges: [name, unit, unit price].
const PRICE_BOOK: [string, 'each' | 'hour' | 'm2' | 'metre', number][] = [
  ['Ridge capping rebed and repoint', 'metre', 145],
  ['Replace cracked tile', 'each', 38.5],
  ['Pressure clean and two-coat roof paint', 'm2', 32],
  ['Colorbond gutter replacement', 'metre', 88],
  ['Roofer, labour', 'hour', 95],
];

/**
 * The first start on an empty embedded database creates a demo company with sample leads (and quotes
 * sent to the quoted ones, drafts for those in progress, visits booked for those to follow up) and one
 * full-scope token, so `npm start` has something to show. Returns null when there is data already.
 */
export const DEMO_EMAIL = 'demo@quoteleads.test';

export async function seedDemoIfEmpty(db: Db, clock: Clock, publicUrl: string) {
  if ((await countCompanies(db)) > 0) return null;
  const company = await createCompanies({ db: db, clock: clock }).create({
    name: 'Demo Roofing Co',
    country: 'AU',
    smsCredits: 100,
    reviewUrl: 'https://g.page/r/demo-roofing-co/review',
  });
  const now = clock.now();
  // The dashboard's demo login: a random password, printed once like the token. Made first, so that
  // the owner's bell holds an alert for each sample lead below, as a business would have had them.
  const login = { email: DEMO_EMAIL, password: randomBytes(12).toString('base64url') };
  await db.insert(users).values({
    companyId: company.id,
    email: login.email,
    name: 'Demo Owner',
    passwordHash: await hashPassword(login.password),
    role: 'owner',
  });
  // Every follow-up sequence on, before anything is sent or booked: the quotes below are chased and
  // the visits reminded (each lead's page lists its follow-ups), as a business that turned them on.
  const automations = createAutomations({ db, clock, publicUrl });
  for (const kind of SEQUENCE_KINDS) await automations.update(company.id, kind, { enabled: true });
  const token = await createTokens({ db, clock }).issue({ companyId: company.id, name: 'Demo token', scopes: ALL_SCOPES });
  // The samples are made as the demo token would make them through the API, so their events say so.
  const tenant: TokenPrincipal = {
    kind: 'token',
    tokenId: token.id,
    tokenName: token.name,
    companyId: company.id,
    country: company.country,
    scopes: ALL_SCOPES,
  };
  const rows: { id: string; stage: PipelineStage }[] = [];
  for (const [i, [first, last, phone, stage, ai, score, service, suburb, value]] of SAMPLES.entries()) {
    // Spread over the last three weeks, newest first in the list: the leads service takes its time
    // from the clock it is given.
    const createdAt = now - (SAMPLES.length - i) * 29 * 3600_000;
    const leads = createLeads({ db, clock: { now: () => createdAt } });
    await db.transaction(async (tx) => {
      const lead = await leads.createLead(
        tx,
        tenant,
        {
          first_name: first,
          last_name: last,
          email: `${first}.${last}`.toLowerCase().replace(/'/g, '') + '@example.com',
          phone,
          pipeline_stage: stage,
          source: ['website', 'facebook', 'zapier', 'google_ads'][i % 4],
          service_type: service,
          address: suburb,
          postcode: suburb.slice(-4),
          value,
        },
        actorOf(tenant),
      );
      // What the lead agent would have made of them (a client cannot set these).
      const row = (await findLead(tx, company.id, lead.id, { lock: true }))!;
      await leads.applyLeadChange(tx, company.id, row, { aiStatus: ai, aiScore: score }, { type: 'system', id: null, name: 'Demo data' });
      rows.push({ id: lead.id, stage });
    });
  }
  const inStage = (stage: PipelineStage) => rows.filter((r) => r.stage === stage).map((r) => r.id);

  // Through the same services and request schemas as the API; no SMS: the demo's quotes go without a text.
  const quotes = createQuotes({ db, clock, leads: createLeads({ db, clock }), publicUrl, textQuoteLink: async () => undefined });
  const validUntil = new Date(now + 30 * 86_400_000).toISOString().slice(0, 10);
  const lineItems = (i: number) =>
    QUOTE_LINES[i % QUOTE_LINES.length].map(([description, quantity, unit_price]) => ({ description, quantity, unit_price }));
  let sampleQuoteUrl = '';
  for (const [i, leadId] of inStage('quoted').entries()) {
    const draft = await quotes.create(tenant, createQuoteBody.parse({ lead_id: leadId, line_items: lineItems(i), valid_until: validUntil }));
    const sent = await quotes.send(tenant, draft.id, {});
    sampleQuoteUrl ||= sent.public_url;
  }
  for (const [i, leadId] of inStage('quote_in_progress').entries()) {
    await quotes.create(
      tenant,
      createQuoteBody.parse({ lead_id: leadId, line_items: lineItems(i + 1), notes: 'Measure up on site before sending' }),
    );
  }

  const appointments = createAppointments({ db, clock });
  for (const [i, leadId] of inStage('follow_up').entries()) {
    // Next week, 9:00 / 11:00 / 14:00 Sydney time (UTC+10 or +11: AEST is close enough for a demo).
    const day = new Date(now + (i + 2) * 86_400_000).toISOString().slice(0, 10);
    await appointments.create(
      tenant,
      createAppointmentBody.parse({
        lead_id: leadId,
        appointment_type: i % 2 ? 'callback' : 'onsite',
        start_time: `${day}T${['09', '11', '14'][i % 3]}:00:00+10:00`,
      }),
    );
  }

  const priceBook = createPriceBook({ db, clock });
  for (const [name, unit, unit_price] of PRICE_BOOK) {
    await priceBook.create(company.id, createPriceBookItemBody.parse({ name, unit, unit_price }));
  }
  // The demo is for trying the agent: on, on the rules engine (no model needed), Sydney's inner suburbs.
  await createAgentSettings({ db, clock, config: { aiBaseUrl: undefined } }).update(company.id, {
    enabled: true,
    instructions: 'Demo Roofing Co: roof restorations, repairs, gutters and skylights across Sydney. Free measure and quote.',
    service_postcodes: ['2000-2234', '2560-2574', '2745-2750'],
  });

  // A web form for the business's own site (the demo server's origin), and Olivia filling it in again
  // a day later: recorded on her lead as a second submission, not a second lead.
  const noCaptcha = () => {
    throw new Error('the demo form has no captcha secret to seal');
  };
  const form = await createIntakeForms({ db, clock, secrets: { seal: noCaptcha, open: noCaptcha }, publicUrl }).create(company.id, {
    name: 'Website quote form',
    allowed_origins: [new URL(publicUrl).origin],
    source: 'website',
  });
  const [olivia] = SAMPLES;
  const repeat = { name: 'Liv Nguyen', phone: olivia[2], notes: 'Also keen on gutter guard while you are up there' };
  await db.transaction((tx) =>
    createLeadUpserts({ db, clock, leads: createLeads({ db, clock }) }).recordArrivals(
      tx,
      tenant,
      [{ input: upsertLeadBody.parse({ ...repeat, attribution: { utm_source: 'google', utm_medium: 'cpc' } }), raw: { ...repeat, utm_source: 'google', utm_medium: 'cpc' } }],
      { type: 'intake', id: form.id, name: form.name },
      'intake',
      { formId: form.id },
    ),
  );

  return { company, token: token.token, leads: SAMPLES.length, sampleQuoteUrl, login, formUrl: form.post_url };
}
