import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { companies, smsMessages, smsOptOuts } from '../../db/schema/index.js';
import type { TestServer } from '../../../test/helpers.js';
import { randomAuMobile, smsTenant as smsTenantOn, type FakeTwilio, startServerWithFakeTwilio } from '../../../test/fake-twilio.js';

// Opt-out belongs to the number within the company (Australia's Spam Act), and a company can pause
// every outbound text at once.

let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
beforeAll(async () => ({ fake, server, close } = await startServerWithFakeTwilio()));
afterAll(() => close?.());

const smsTenant = () => smsTenantOn(server);
const creditsOf = async (companyId: string) =>
  (await server.database.db.select({ c: companies.smsCredits }).from(companies).where(eq(companies.id, companyId)))[0].c;

describe('opt-out by number', () => {
  it('STOP from a number opts out every lead of the company with it, and leads made later with it', async () => {
    const t = await smsTenant();
    const other = await smsTenant();
    const phone = randomAuMobile();
    const first = (await t.call('POST', '/v1/leads', { name: 'First', phone })).body.data;
    const second = (await t.call('POST', '/v1/leads', { name: 'Second', phone })).body.data;
    const elsewhere = (await other.call('POST', '/v1/leads', { name: 'Elsewhere', phone })).body.data;

    expect((await fake.postInbound({ from: phone, to: t.number, body: 'STOP' })).status).toBe(200);
    for (const lead of [first, second]) {
      expect((await t.call('GET', `/v1/leads/${lead.id}`)).body.data.sms_opted_out).toBe(true);
      const refused = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Still keen?' });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('Lead has opted out of SMS');
    }
    // Each lead's change is its own lead.updated, made by the lead who texted.
    const updated = (await server.events(t.companyId)).filter((e) => e.eventType === 'lead.updated');
    expect(updated.map((e) => (e.data as { id: string }).id).sort()).toEqual([first.id, second.id].sort());
    for (const e of updated) expect(e.actor).toMatchObject({ type: 'lead' });
    // Another company's lead with the same number is not touched.
    expect((await other.call('GET', `/v1/leads/${elsewhere.id}`)).body.data.sms_opted_out).toBe(false);

    // A lead created tomorrow with that number starts opted out, through every creating path.
    const later = await t.call('POST', '/v1/leads', { name: 'Later', phone });
    expect(later.body.data.sms_opted_out).toBe(true);
    const created = (await server.events(t.companyId)).filter((e) => e.eventType === 'lead.created').at(-1)!;
    expect(created.data).toMatchObject({ id: later.body.data.id, sms_opted_out: true });
    // and so does a lead whose phone changes to that number; a change away from it reads the new number's.
    const moving = (await t.call('POST', '/v1/leads', { name: 'Moving', phone: randomAuMobile() })).body.data;
    expect((await t.call('PATCH', `/v1/leads/${moving.id}`, { phone })).body.data.sms_opted_out).toBe(true);
    expect((await t.call('PATCH', `/v1/leads/${moving.id}`, { phone: randomAuMobile() })).body.data.sms_opted_out).toBe(false);

    // START lifts it for the number: every lead, the suppression list emptied.
    await fake.postInbound({ from: phone, to: t.number, body: 'START' });
    for (const lead of [first, second, later.body.data]) {
      expect((await t.call('GET', `/v1/leads/${lead.id}`)).body.data.sms_opted_out).toBe(false);
    }
    const kept = await server.database.db.select().from(smsOptOuts).where(eq(smsOptOuts.companyId, t.companyId));
    expect(kept).toEqual([]);
  });

  it('the send path checks the number itself, whatever the lead row says', async () => {
    const t = await smsTenant();
    const phone = randomAuMobile();
    const lead = (await t.call('POST', '/v1/leads', { name: 'Raced', phone })).body.data;
    // As if a STOP had committed between the lead's read and the send: the number is suppressed,
    // the lead's flag not yet.
    await server.database.db.insert(smsOptOuts).values({ companyId: t.companyId, phone, createdAt: new Date() });
    const before = fake.sent.length;
    const refused = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Hello' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('Lead has opted out of SMS');
    expect(fake.sent.length).toBe(before);
    expect(await creditsOf(t.companyId)).toBe(10);
  });

  it('erasing a lead keeps the suppression of its number', async () => {
    const t = await smsTenant();
    const phone = randomAuMobile();
    await fake.postInbound({ from: phone, to: t.number, body: 'STOP' });
    const lead = (await t.call('GET', `/v1/leads?search=${encodeURIComponent(phone.slice(-8))}`)).body.data[0];
    expect((await t.call('DELETE', `/v1/leads/${lead.id}`)).status).toBe(204);
    expect((await t.call('POST', '/v1/leads', { name: 'Back again', phone })).body.data.sms_opted_out).toBe(true);
  });
});

describe('sms_paused', () => {
  it('stops every outbound text at once: 409, nothing sent, nothing spent, nothing in the thread', async () => {
    const t = await smsTenant();
    const owner = await server.user({ companyId: t.companyId });
    const lead = (await t.call('POST', '/v1/leads', { name: 'Paused', phone: randomAuMobile() })).body.data;

    const paused = await owner.call('PATCH', '/app/api/settings', { sms_paused: true });
    expect(paused.status).toBe(200);
    expect(paused.body.sms_paused).toBe(true);
    expect((await owner.call('GET', '/app/api/settings')).body.sms_paused).toBe(true);

    const before = fake.sent.length;
    const refused = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Hi' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'SMS is paused for this company', code: 'sms_paused' });
    // A quote texted to the lead is refused the same way, and the quote stays a draft.
    const quote = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Gutters', quantity: 1, unit_price: 100 }] }))
      .body.data;
    const send = await t.call('POST', `/v1/quotes/${quote.id}/send`, { sms: true });
    expect(send.status).toBe(409);
    expect((await t.call('GET', `/v1/quotes/${quote.id}`)).body.data.status).toBe('draft');
    expect(fake.sent.length).toBe(before);
    expect(await creditsOf(t.companyId)).toBe(10);
    const thread = await server.database.db
      .select()
      .from(smsMessages)
      .where(and(eq(smsMessages.companyId, t.companyId), eq(smsMessages.leadId, lead.id)));
    expect(thread).toEqual([]);

    expect((await owner.call('PATCH', '/app/api/settings', { sms_paused: false })).body.sms_paused).toBe(false);
    expect((await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Hi' })).status).toBe(200);
  });

  it('a member cannot pause SMS', async () => {
    const t = await smsTenant();
    const member = await server.user({ companyId: t.companyId, role: 'member' });
    expect((await member.call('PATCH', '/app/api/settings', { sms_paused: true })).status).toBe(403);
  });
});

describe('actors and senders', () => {
  it('events name who made the change: the key, the dashboard user, the texting lead', async () => {
    const t = await smsTenant();
    const owner = await server.user({ companyId: t.companyId });
    const phone = randomAuMobile();
    const lead = (await t.call('POST', '/v1/leads', { name: 'Acted On', phone })).body.data;
    await owner.call('PATCH', `/v1/leads/${lead.id}`, { pipeline_stage: 'follow_up' });
    await fake.postInbound({ from: phone, to: t.number, body: 'Any news?' });
    await owner.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Coming Tuesday' });

    const events = await server.events(t.companyId);
    const of = (type: string) => events.filter((e) => e.eventType === type);
    expect(of('lead.created')[0].actor).toEqual({ type: 'api', id: t.tokenId, name: 'test' });
    expect(of('lead.updated')[0].actor).toEqual({ type: 'user', id: owner.userId, name: 'Test User' });
    expect(of('sms.received')[0].actor).toEqual({ type: 'lead', id: lead.id, name: 'Acted On' });
    expect(of('sms.sent')[0].actor).toEqual({ type: 'user', id: owner.userId, name: 'Test User' });

    const thread = (await t.call('GET', `/v1/leads/${lead.id}/messages`)).body.data;
    expect(thread.map((m: { sender: unknown }) => m.sender)).toEqual([
      { type: 'lead', id: lead.id, name: 'Acted On' },
      { type: 'user', id: owner.userId, name: 'Test User' },
    ]);
  });

  it('a first text creates its lead with the lead itself as the actor', async () => {
    const t = await smsTenant();
    const phone = randomAuMobile();
    await fake.postInbound({ from: phone, to: t.number, body: 'Quote for a roof?' });
    const [created] = (await server.events(t.companyId)).filter((e) => e.eventType === 'lead.created');
    expect(created.actor).toEqual({ type: 'lead', id: (created.data as { id: string }).id, name: null });
  });
});
