import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { companies, leads, smsMessages } from '../../db/schema/index.js';
import { createCompanies } from '../companies/companies.service.js';
import { onPostgres, startTestServer, type Tenant, type TestServer } from '../../../test/helpers.js';
import { PUBLIC_URL, randomAuMobile, twilioEnv, type FakeTwilio, startServerWithFakeTwilio } from '../../../test/fake-twilio.js';

let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
beforeAll(async () => ({ fake, server, close } = await startServerWithFakeTwilio()));
afterAll(() => close?.());

type SmsTenant = Tenant & { number: string };

async function smsTenant(o: { credits?: number; number?: string | null } = {}, s: TestServer = server): Promise<SmsTenant> {
  const t = await s.tenant();
  const number = o.number === undefined ? randomAuMobile() : o.number;
  await createCompanies({ db: s.database.db, clock: s.clock }).change(t.companyId, { smsCredits: o.credits ?? 10, twilioNumber: number });
  return { ...t, number: number ?? '' };
}

async function leadOf(t: Tenant, fields: Record<string, unknown> = { name: 'Sarah Mitchell', phone: '0412 345 678' }) {
  const res = await t.call('POST', '/v1/leads', fields);
  expect(res.status).toBe(201);
  return res.body.data as { id: string; phone: string };
}

async function optOut(leadId: string) {
  await server.database.db.update(leads).set({ smsOptedOut: true }).where(eq(leads.id, leadId));
}

async function creditsOf(s: TestServer, companyId: string) {
  const [row] = await s.database.db.select({ n: companies.smsCredits }).from(companies).where(eq(companies.id, companyId));
  return row.n;
}

describe('POST /v1/sms', () => {
  it('sends from the company number, deducts a credit per segment, and stores the message in the thread', async () => {
    const t = await smsTenant({ credits: 10 });
    const lead = await leadOf(t);
    const before = fake.sent.length;
    const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'a'.repeat(161) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      message: 'SMS sent',
      message_id: expect.any(String),
      segments: 2,
      credits_remaining: 8,
    });
    expect(await creditsOf(server, t.companyId)).toBe(8);
    expect(fake.sent.length).toBe(before + 1);
    const sent = fake.sent.at(-1)!;
    expect(sent).toMatchObject({ from: t.number, to: '+61412345678', body: 'a'.repeat(161) });
    expect(sent.statusCallback).toBe(`${PUBLIC_URL}/webhooks/twilio/status?message_id=${res.body.message_id}`);

    const thread = await t.call('GET', `/v1/leads/${lead.id}/messages`);
    expect(thread.status).toBe(200);
    expect(thread.body.meta).toEqual({ page: 1, per_page: 25, total: 1 });
    expect(thread.body.data[0]).toEqual({
      id: res.body.message_id,
      direction: 'outbound',
      body: 'a'.repeat(161),
      status: 'queued',
      segments: 2,
      error_code: null,
      provider_sid: sent.sid,
      provider: 'twilio',
      // Sent with an API key: the key is the sender.
      sender: { type: 'api', id: expect.any(String), name: expect.any(String) },
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('counts a UCS-2 message by 70 and 67', async () => {
    const t = await smsTenant({ credits: 10 });
    const lead = await leadOf(t);
    const one = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Hi 😀 ' + 'x'.repeat(64) }); // 70 units
    expect(one.body).toMatchObject({ segments: 1, credits_remaining: 9 });
    const two = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Hi 😀 ' + 'x'.repeat(65) }); // 71
    expect(two.body).toMatchObject({ segments: 2, credits_remaining: 7 });
  });

  describe("A7's errors, in A7's order, then B3's", () => {
    it.each([
      ['no body at all', undefined],
      ['an empty object', {}],
      ['no message', { lead_id: '9d4f7c4e-8c55-4a8e-9d0a-0a3f0c7b2a11' }],
      ['an empty message', { lead_id: '9d4f7c4e-8c55-4a8e-9d0a-0a3f0c7b2a11', message: '   ' }],
      ['no lead_id', { message: 'hello' }],
    ])("400 'lead_id' and 'message' are required: %s", async (_case, body) => {
      const t = await smsTenant();
      const res = await t.call('POST', '/v1/sms', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: "'lead_id' and 'message' are required", code: 'validation_failed' });
    });

    it('404 for a lead of another company, an unknown id and a non-UUID', async () => {
      const t = await smsTenant();
      const other = await leadOf(await smsTenant());
      for (const id of [other.id, '9d4f7c4e-8c55-4a8e-9d0a-0a3f0c7b2a11', 'not-a-uuid']) {
        const res = await t.call('POST', '/v1/sms', { lead_id: id, message: 'hello' });
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ error: 'Lead not found or does not belong to your company', code: 'not_found' });
      }
    });

    it('400 Lead has no phone number (before any configuration check)', async () => {
      const t = await smsTenant({ number: null, credits: 0 });
      const lead = await leadOf(t, { name: 'No Phone' });
      const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'hello' });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Lead has no phone number');
    });

    it('500 Twilio not configured, on a server without Twilio credentials', async () => {
      const bare = await startTestServer({ database: server.database });
      try {
        const t = await smsTenant({ credits: 0 }, bare);
        const lead = await leadOf(t);
        const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'hello' });
        expect(res.status).toBe(500);
        expect(res.body).toMatchObject({ error: 'Twilio not configured', code: 'sms_not_configured' });
      } finally {
        await bare.close();
      }
    });

    it('500 No Twilio number configured (before opt-out and credits)', async () => {
      const t = await smsTenant({ number: null, credits: 0 });
      const lead = await leadOf(t);
      await optOut(lead.id);
      const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'hello' });
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: 'No Twilio number configured', code: 'sms_not_configured' });
    });

    it('400 Lead has opted out of SMS (before the length and the credits)', async () => {
      const t = await smsTenant({ credits: 0 });
      const lead = await leadOf(t);
      await optOut(lead.id);
      const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'x'.repeat(1601) });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Lead has opted out of SMS');
    });

    it('400 for a message over 1600 characters (before the credits); 1600 is fine', async () => {
      const t = await smsTenant({ credits: 0 });
      const lead = await leadOf(t);
      const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'x'.repeat(1601) });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("'message' must be at most 1600 characters");
      const ok = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'x'.repeat(1600) });
      expect(ok.status).toBe(402); // past the length check, stopped by the credits
    });

    it('402 Insufficient SMS credits: nothing sent, nothing stored, nothing spent', async () => {
      const t = await smsTenant({ credits: 1 });
      const lead = await leadOf(t);
      const before = fake.requests;
      const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'a'.repeat(161) });
      expect(res.status).toBe(402);
      expect(res.body).toMatchObject({ error: 'Insufficient SMS credits', code: 'insufficient_credits' });
      expect(fake.requests).toBe(before);
      expect(await creditsOf(server, t.companyId)).toBe(1);
      expect((await t.call('GET', `/v1/leads/${lead.id}/messages`)).body.meta.total).toBe(0);
    });

    it.each([
      ['an invalid number', 'invalidNumbers', '21211'],
      ['an unsubscribed recipient', 'unsubscribed', '21610'],
    ] as const)('500 Failed to send SMS when Twilio refuses %s: refunded, kept as failed with the code', async (_c, set, code) => {
      const t = await smsTenant({ credits: 5 });
      const lead = await leadOf(t);
      fake[set].add(lead.phone);
      try {
        const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'hello' });
        expect(res.status).toBe(500);
        expect(res.body).toMatchObject({ error: 'Failed to send SMS', code: 'sms_send_failed' });
      } finally {
        fake[set].delete(lead.phone);
      }
      expect(await creditsOf(server, t.companyId)).toBe(5);
      const thread = await t.call('GET', `/v1/leads/${lead.id}/messages`);
      expect(thread.body.data).toEqual([expect.objectContaining({ status: 'failed', error_code: code, body: 'hello', provider_sid: null })]);
    });

    it('500 Failed to send SMS when Twilio is down; a retry with the same Idempotency-Key really retries', async () => {
      const t = await smsTenant({ credits: 5 });
      const lead = await leadOf(t);
      fake.failNext(1);
      const key = { 'idempotency-key': `outage-${lead.id}` };
      const first = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'hello' }, key);
      expect(first.status).toBe(500);
      expect(await creditsOf(server, t.companyId)).toBe(5);
      const retry = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'hello' }, key);
      expect(retry.status).toBe(200);
      expect(retry.body.credits_remaining).toBe(4);
      const statuses = (await t.call('GET', `/v1/leads/${lead.id}/messages`)).body.data.map((m: any) => m.status);
      expect(statuses).toEqual(['failed', 'queued']);
    });

    it('a text whose answer was lost (the connection cut after Twilio took it) is not failed, refunded or sent again', async () => {
      const t = await smsTenant({ credits: 5 });
      const lead = await leadOf(t);
      const before = fake.sent.length;
      fake.dropAnswers(1);
      const key = { 'idempotency-key': `lost-${lead.id}` };
      const first = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'on our way' }, key);
      expect(first.status, first.text).toBe(200);
      expect(first.body.credits_remaining).toBe(4);
      const retry = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'on our way' }, key);
      expect(retry.body.message_id).toBe(first.body.message_id);
      expect(fake.sent.length - before).toBe(1);
      expect(await creditsOf(server, t.companyId)).toBe(4);
      const thread = (await t.call('GET', `/v1/leads/${lead.id}/messages`)).body.data;
      expect(thread.map((m: any) => [m.id, m.status])).toEqual([[first.body.message_id, 'queued']]);
      // Twilio's callback, which carries our id, moves it on.
      expect((await fake.postStatus(fake.sent.at(-1)!, 'delivered')).status).toBeLessThan(300);
      expect((await t.call('GET', `/v1/leads/${lead.id}/messages`)).body.data[0].status).toBe('delivered');
    });

    it('500 Failed to send SMS when Twilio refuses our credentials', async () => {
      const wrong = await startTestServer({ database: server.database, env: { ...twilioEnv(fake), TWILIO_AUTH_TOKEN: 'wrong' } });
      try {
        const t = await smsTenant({ credits: 3 }, wrong);
        const lead = await leadOf(t);
        const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'hello' });
        expect(res.status).toBe(500);
        expect(await creditsOf(wrong, t.companyId)).toBe(3);
        expect((await t.call('GET', `/v1/leads/${lead.id}/messages`)).body.data[0].error_code).toBe('20003');
      } finally {
        await wrong.close();
      }
    });
  });

  it('an Idempotency-Key retry never sends twice nor charges twice', async () => {
    const t = await smsTenant({ credits: 5 });
    const lead = await leadOf(t);
    const before = fake.sent.length;
    const key = { 'idempotency-key': `sms-${lead.id}` };
    const first = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Your quote is ready' }, key);
    const again = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Your quote is ready' }, key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(fake.sent.length).toBe(before + 1);
    expect(await creditsOf(server, t.companyId)).toBe(4);
  });

  it('SMS_PROVIDER=console goes through the same path, credits included, without Twilio', async () => {
    const demo = await startTestServer({ database: server.database, env: { SMS_PROVIDER: 'console' } });
    try {
      const t = await smsTenant({ credits: 2, number: null }, demo);
      const lead = await leadOf(t);
      const before = fake.requests;
      const res = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Hello from the demo' });
      expect(res.status).toBe(200);
      expect(res.body.credits_remaining).toBe(1);
      expect(fake.requests).toBe(before);
      const thread = await t.call('GET', `/v1/leads/${lead.id}/messages`);
      expect(thread.body.data[0]).toMatchObject({ provider: 'console', status: 'sent', body: 'Hello from the demo' });
    } finally {
      await demo.close();
    }
  });

  it.skipIf(!onPostgres)('50 concurrent sends at 20 credits: exactly 20 sent, 30 × 402, balance 0', async () => {
    const t = await smsTenant({ credits: 20 });
    const leads = await Promise.all(Array.from({ length: 5 }, (_, i) => leadOf(t, { name: `Lead ${i}`, phone: `+6141234500${i}` })));
    const before = fake.sent.length;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => t.call('POST', '/v1/sms', { lead_id: leads[i % 5].id, message: `Message ${i}` })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBe(20);
    expect(statuses.filter((s) => s === 402).length).toBe(30);
    expect(await creditsOf(server, t.companyId)).toBe(0);
    expect(fake.sent.length - before).toBe(20);
    let inThreads = 0;
    for (const lead of leads) inThreads += (await t.call('GET', `/v1/leads/${lead.id}/messages`)).body.meta.total;
    expect(inThreads).toBe(20);
    // Each success saw a distinct balance: no credit was spent twice.
    const remaining = answers.filter((a) => a.status === 200).map((a) => a.body.credits_remaining).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('GET /v1/leads/:id/messages', () => {
  it('pages the thread oldest first; 404 for a lead of another company', async () => {
    const t = await smsTenant({ credits: 10 });
    const lead = await leadOf(t);
    for (const text of ['one', 'two', 'three']) {
      expect((await t.call('POST', '/v1/sms', { lead_id: lead.id, message: text })).status).toBe(200);
    }
    const page1 = await t.call('GET', `/v1/leads/${lead.id}/messages?per_page=2`);
    expect(page1.body.data.map((m: any) => m.body)).toEqual(['one', 'two']);
    expect(page1.body.meta).toEqual({ page: 1, per_page: 2, total: 3 });
    const page2 = await t.call('GET', `/v1/leads/${lead.id}/messages?per_page=2&page=2`);
    expect(page2.body.data.map((m: any) => m.body)).toEqual(['three']);
    const past = await t.call('GET', `/v1/leads/${lead.id}/messages?page=9`);
    expect(past.body).toEqual({ data: [], meta: { page: 9, per_page: 25, total: 3 } });

    const stranger = await smsTenant();
    const res = await stranger.call('GET', `/v1/leads/${lead.id}/messages`);
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('Lead not found');
    expect((await stranger.call('GET', '/v1/leads/nope/messages')).status).toBe(404);
  });

  it("messages go with their lead (lead_id ON DELETE CASCADE)", async () => {
    const t = await smsTenant({ credits: 10 });
    const lead = await leadOf(t);
    await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'bye' });
    await server.database.db.delete(leads).where(eq(leads.id, lead.id));
    const left = await server.database.db.select().from(smsMessages).where(eq(smsMessages.leadId, lead.id));
    expect(left).toEqual([]);
  });
});
