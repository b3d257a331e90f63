import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { companies, leads, outboxEvents } from '../../db/schema/index.js';
import { createCompanies } from '../companies/companies.service.js';
import { type Tenant, type TestServer } from '../../../test/helpers.js';
import { randomAuMobile, type FakeTwilio, startServerWithFakeTwilio } from '../../../test/fake-twilio.js';

// POST /v1/quotes/:id/send with {"sms": true} through the real SMS path (credits, opt-out, thread)
// against the fake Twilio: both happen or neither.
let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
beforeAll(async () => ({ fake, server, close } = await startServerWithFakeTwilio()));
afterAll(() => close?.());

async function draftFor(credits: number, leadFields: Record<string, unknown> = {}) {
  const t = await server.tenant({ name: 'Harbour Solar' });
  await createCompanies({ db: server.database.db, clock: server.clock }).change(t.companyId, { smsCredits: credits, twilioNumber: randomAuMobile() });
  const lead = await t.call('POST', '/v1/leads', { name: 'Priya Shah', phone: '0413 222 333', ...leadFields });
  const quote = await t.call('POST', '/v1/quotes', {
    lead_id: lead.body.data.id,
    line_items: [{ description: 'Solar panels, 6.6 kW', quantity: 1, unit_price: 5990 }],
  });
  expect(quote.status).toBe(201);
  return { t, leadId: lead.body.data.id as string, quote: quote.body.data as { id: string; public_url: string } };
}

async function quoteEvents(t: Tenant) {
  return server.database.db
    .select({ type: outboxEvents.eventType })
    .from(outboxEvents)
    .where(and(eq(outboxEvents.companyId, t.companyId), eq(outboxEvents.eventType, 'quote.sent')));
}

describe('sending a quote by SMS', () => {
  it('texts the public link from the company number, spends the credit, keeps the text in the thread, and marks the quote sent', async () => {
    const { t, leadId, quote } = await draftFor(3);
    const res = await t.call('POST', `/v1/quotes/${quote.id}/send`, { sms: true });
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('sent');
    const text = fake.sent.find((m) => m.body.includes(quote.public_url))!;
    expect(text.to).toBe('+61413222333');
    expect(text.body).toContain('Harbour Solar');
    const [company] = await server.database.db.select().from(companies).where(eq(companies.id, t.companyId));
    expect(company.smsCredits).toBe(2);
    const thread = await t.call('GET', `/v1/leads/${leadId}/messages`);
    expect(thread.body.data.map((m: { body: string }) => m.body)).toEqual([text.body]);
    expect(await quoteEvents(t)).toHaveLength(1);
  });

  it('answers the SMS error and leaves the draft untouched when the text cannot go: no credits, or the lead opted out', async () => {
    const broke = await draftFor(0);
    const sentBefore = fake.sent.length;
    const res = await broke.t.call('POST', `/v1/quotes/${broke.quote.id}/send`, { sms: true });
    expect(res.status).toBe(402);
    expect(res.body.error).toBe('Insufficient SMS credits');
    expect((await broke.t.call('GET', `/v1/quotes/${broke.quote.id}`)).body.data.status).toBe('draft');
    expect(await quoteEvents(broke.t)).toHaveLength(0);

    const optedOut = await draftFor(5);
    // STOP arrives by SMS in real life; here it is set directly to test only the quote path.
    await server.database.db.update(leads).set({ smsOptedOut: true }).where(eq(leads.id, optedOut.leadId));
    const refused = await optedOut.t.call('POST', `/v1/quotes/${optedOut.quote.id}/send`, { sms: true });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('Lead has opted out of SMS');
    expect(fake.sent.length).toBe(sentBefore);
    // Once the text problem is gone, the same draft can still be sent (the claim was released).
    const plain = await optedOut.t.call('POST', `/v1/quotes/${optedOut.quote.id}/send`, {});
    expect(plain.status).toBe(200);
    expect(plain.body.data.status).toBe('sent');
  });
});
