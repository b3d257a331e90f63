import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { companies, jobs, leads, notifications, smsMessages, teamTexts } from '../../db/schema/index.js';
import { countSegments } from '../../lib/sms-segments.js';
import { manualClock } from '../../../test/clock.js';
import { PUBLIC_URL, randomAuMobile, smsTenant, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import { databaseOfItsOwn, type DashboardUser, type Tenant, type TestServer, runDueJobs } from '../../../test/helpers.js';
import { createCompanies } from '../companies/companies.service.js';
import { alertSmsText } from './alert-sms.js';

// SMS alerts and texts from the team's mobiles (issue 17), through HTTP on both engines: alerts made
// by the outbox's trigger are texted by the worker's own jobs task (run here by hand on a clock the
// test moves) to the fake Twilio, and the fake posts signed inbound texts back. On PostgreSQL in a
// database of its own: its jobs task takes no other file's jobs.
const clock = manualClock(Date.now());
let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
let own: Awaited<ReturnType<typeof databaseOfItsOwn>>;
beforeAll(async () => {
  own = await databaseOfItsOwn('alert_sms');
  ({ fake, server, close } = await startServerWithFakeTwilio({}, { clock, database: own?.database }));
});
afterAll(async () => {
  await close?.();
  await own?.drop();
});

const work = () => runDueJobs(server, clock);

type Team = { api: Tenant & { number: string }; owner: DashboardUser; mobile: string };
/** A company with a number and credits, its owner with a verified mobile who takes new leads by SMS. */
async function team(credits = 20, o: { verify?: boolean } = {}): Promise<Team> {
  const api = await smsTenant(server, credits);
  const owner = await server.user({ role: 'owner', companyId: api.companyId });
  const mobile = randomAuMobile();
  if (o.verify !== false) {
    expect((await owner.call('PUT', '/app/api/me/mobile', { mobile })).status).toBe(200);
    const code = /\b(\d{6})\b/.exec(fake.sent.filter((m) => m.to === mobile).at(-1)!.body)![1];
    expect((await owner.call('POST', '/app/api/me/mobile/verify', { code })).status).toBe(200);
  }
  const chose = await owner.call('PATCH', '/app/api/me/notifications', { kinds: { new_lead: { sms: true, email: false } } });
  expect(chose.status, chose.text).toBe(200);
  return { api, owner, mobile };
}
const textsTo = (mobile: string) => fake.sent.filter((m) => m.to === mobile);
const alertsOf = (userId: string) => server.database.db.select().from(notifications).where(eq(notifications.userId, userId));
const creditsOf = async (companyId: string) =>
  (await server.database.db.select({ c: companies.smsCredits }).from(companies).where(eq(companies.id, companyId)))[0].c;
async function newLead(t: Team, name = 'Dana Reyes') {
  const res = await t.api.call('POST', '/v1/leads', { name, phone: randomAuMobile(), service_type: 'Roof restoration', source: 'website' });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; phone: string };
}

describe('SMS alerts', () => {
  it('text a verified mobile once, with the alert’s words and the full link, spending credits, in no lead’s thread', async () => {
    const t = await team(20);
    const lead = await newLead(t);
    const [pending] = await alertsOf(t.owner.userId);
    expect(pending).toMatchObject({ kind: 'new_lead', smsStatus: 'pending' });
    await work();
    const texts = textsTo(t.mobile).slice(1);
    expect(texts).toHaveLength(1);
    expect(texts[0].from).toBe(t.api.number);
    expect(texts[0].body).toMatch(/^QuoteLeads: New lead: Dana Reyes - Roof restoration - \+614\d{8} - Source: website /);
    expect(texts[0].body.endsWith(` ${PUBLIC_URL}/app/leads/${lead.id}`)).toBe(true);
    const segments = countSegments(texts[0].body).segments;
    expect(segments).toBeLessThanOrEqual(2);
    const [sent] = await alertsOf(t.owner.userId);
    expect(sent.smsStatus).toBe('sent');
    expect(sent.smsDetail).toEqual({ sid: texts[0].sid, segments });
    // One credit for the code, then the alert's.
    expect(await creditsOf(t.api.companyId)).toBe(20 - 1 - segments);
    const thread = await t.api.call('GET', `/v1/leads/${lead.id}/messages`);
    expect(thread.body.data.filter((m: { body: string }) => m.body.startsWith('QuoteLeads:'))).toEqual([]);
    expect(await server.database.db.select().from(smsMessages).where(eq(smsMessages.toNumber, t.mobile))).toEqual([]);
    // Never twice: running the jobs again an hour later sends nothing more.
    clock.advance(3_600_000);
    await work();
    expect(textsTo(t.mobile)).toHaveLength(2);
  });

  it('keep to two segments: long words are clipped, never the link', () => {
    const long = alertSmsText(
      { n: { kind: 'lead_reply', data: { body: 'word '.repeat(200) }, leadId: '00000000-0000-4000-8000-000000000000' } as never, leadName: 'Sam', timeZone: 'UTC' },
      'https://crm.example.test',
    );
    expect(countSegments(long).segments).toBe(2);
    expect(long).toMatch(/^QuoteLeads: Reply from Sam - "word word .*\.\.\. https:\/\/crm\.example\.test\/app\/leads\/00000000-0000-4000-8000-000000000000$/);
  });

  it('are skipped without a verified mobile: at once when there is none, at send time when it was removed since', async () => {
    const unverified = await team(20, { verify: false });
    await newLead(unverified);
    expect((await alertsOf(unverified.owner.userId))[0].smsStatus).toBe('skipped');

    const removed = await team(20);
    await newLead(removed);
    expect((await removed.owner.call('DELETE', '/app/api/me/mobile')).status).toBe(204);
    await work();
    const [row] = await alertsOf(removed.owner.userId);
    expect(row.smsStatus).toBe('skipped');
    expect(row.smsDetail).toEqual({ error: 'The user has no verified mobile any more' });
    expect(textsTo(removed.mobile)).toHaveLength(1);
    expect(await creditsOf(removed.api.companyId)).toBe(19);
  });

  it('are skipped, saying why, when the company is out of credits or paused', async () => {
    const broke = await team(1);
    await newLead(broke);
    await work();
    expect((await alertsOf(broke.owner.userId))[0]).toMatchObject({ smsStatus: 'skipped', smsDetail: { error: 'Insufficient SMS credits' } });

    const paused = await team(20);
    await createCompanies({ db: server.database.db, clock }).change(paused.api.companyId, { smsPaused: true });
    await newLead(paused);
    await work();
    expect((await alertsOf(paused.owner.userId))[0]).toMatchObject({ smsStatus: 'skipped', smsDetail: { error: 'SMS is paused for this company' } });
    expect(textsTo(broke.mobile).length + textsTo(paused.mobile).length).toBe(2);
  });

  it('are retried when Twilio refuses once (credits given back meanwhile), and sent once', async () => {
    const t = await team(20);
    await newLead(t, 'Try Again');
    fake.failNext(1);
    await work();
    const [refused] = await alertsOf(t.owner.userId);
    expect(refused.smsStatus).toBe('pending');
    expect(refused.smsDetail).toMatchObject({ code: '20500' });
    expect(await creditsOf(t.api.companyId)).toBe(19);
    expect(textsTo(t.mobile)).toHaveLength(1);
    clock.advance(11_000);
    await work();
    expect(textsTo(t.mobile).slice(1).map((m) => m.body.split(' - ')[0])).toEqual(['QuoteLeads: New lead: Try Again']);
    expect((await alertsOf(t.owner.userId))[0].smsStatus).toBe('sent');
    clock.advance(3_600_000);
    await work();
    expect(textsTo(t.mobile)).toHaveLength(2);
  });

  it('fail for good, refunded, when Twilio refuses the number itself', async () => {
    const t = await team(20);
    fake.unsubscribed.add(t.mobile);
    await newLead(t);
    await work();
    expect((await alertsOf(t.owner.userId))[0]).toMatchObject({ smsStatus: 'failed', smsDetail: { code: '21610' } });
    expect(await creditsOf(t.api.companyId)).toBe(19);
    fake.unsubscribed.delete(t.mobile);
  });

  it('found `sending` (a worker died mid-send) are marked unknown and not sent', async () => {
    const t = await team(20);
    await newLead(t);
    await server.database.db.update(notifications).set({ smsStatus: 'sending' }).where(eq(notifications.userId, t.owner.userId));
    await work();
    expect((await alertsOf(t.owner.userId))[0].smsStatus).toBe('unknown');
    expect(textsTo(t.mobile)).toHaveLength(1);
  });
});

describe('texts from a team mobile', () => {
  const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
  const jobsOf = (companyId: string) => server.database.db.select().from(jobs).where(eq(jobs.companyId, companyId));
  const teamTextsOf = (companyId: string) => server.database.db.select().from(teamTexts).where(eq(teamTexts.companyId, companyId));
  const leadsWith = (companyId: string, phone: string) =>
    server.database.db.select().from(leads).where(and(eq(leads.companyId, companyId), eq(leads.phone, phone)));

  it('answer the last SMS alert: a note on its lead, no lead, no agent, no reply, recorded once per MessageSid', async () => {
    const t = await team(20);
    const lead = await newLead(t);
    await work();
    const jobsBefore = (await jobsOf(t.api.companyId)).length;
    const eventsBefore = (await server.events(t.api.companyId)).length;
    const sentBefore = fake.sent.length;
    const sid = 'SM' + 'b'.repeat(24) + Date.now().toString(16).padStart(8, '0');
    for (let i = 0; i < 2; i++) {
      const res = await fake.postInbound({ from: t.mobile, to: t.api.number, body: 'Call them after 3', sid });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(EMPTY_TWIML);
    }
    expect(await leadsWith(t.api.companyId, t.mobile)).toEqual([]);
    expect((await jobsOf(t.api.companyId)).length).toBe(jobsBefore);
    expect(fake.sent.length).toBe(sentBefore);
    const rows = await teamTextsOf(t.api.companyId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ userId: t.owner.userId, leadId: lead.id, fromNumber: t.mobile, body: 'Call them after 3', providerSid: sid });
    const got = (await t.api.call('GET', `/v1/leads/${lead.id}`)).body.data;
    expect(got.notes).toMatch(/^\d{1,2} \w{3}, \d{1,2}:\d{2}\s?[ap]m Test User \(by SMS\): Call them after 3$/);
    const events = (await server.events(t.api.companyId)).slice(eventsBefore);
    expect(events.map((e) => e.eventType)).toEqual(['lead.updated']);
    expect(events[0].actor).toEqual({ type: 'user', id: t.owner.userId, name: 'Test User' });
    expect(events[0].previous).toEqual({ notes: null });
    expect((await t.api.call('GET', `/v1/leads/${lead.id}/messages`)).body.data.filter((m: { direction: string }) => m.direction === 'inbound')).toEqual([]);
    // A second text adds a second line.
    await fake.postInbound({ from: t.mobile, to: t.api.number, body: 'Done, booked Tue' });
    expect((await t.api.call('GET', `/v1/leads/${lead.id}`)).body.data.notes.split('\n')).toHaveLength(2);
  });

  it('with no SMS alert in the last week are recorded only', async () => {
    const t = await team(20);
    await newLead(t);
    await work();
    await server.database.db.execute(sql`update notifications set created_at = created_at - interval '8 days' where user_id = ${t.owner.userId}`);
    await fake.postInbound({ from: t.mobile, to: t.api.number, body: 'Who was that?' });
    const [row] = await teamTextsOf(t.api.companyId);
    expect(row).toMatchObject({ leadId: null, body: 'Who was that?' });
    expect(await leadsWith(t.api.companyId, t.mobile)).toEqual([]);
    expect((await server.events(t.api.companyId)).filter((e) => e.eventType === 'lead.updated' || e.eventType === 'sms.received')).toEqual([]);
  });

  it('STOP turns the user’s SMS alerts off (opting no lead out); START after it makes no lead', async () => {
    const t = await team(20);
    await fake.postInbound({ from: t.mobile, to: t.api.number, body: 'STOP' });
    expect((await t.owner.call('GET', '/app/api/me/notifications')).body.channels.sms).toMatchObject({ mobile: t.mobile, mobile_verified: false, available: false });
    await newLead(t);
    expect((await alertsOf(t.owner.userId))[0].smsStatus).toBe('skipped');
    await fake.postInbound({ from: t.mobile, to: t.api.number, body: 'START' });
    expect(await leadsWith(t.api.companyId, t.mobile)).toEqual([]);
    expect((await teamTextsOf(t.api.companyId)).map((r) => r.body).sort()).toEqual(['START', 'STOP']);
    expect((await server.events(t.api.companyId)).filter((e) => e.eventType === 'lead.updated')).toEqual([]);
  });

  it('from an unverified mobile are a lead’s as before', async () => {
    const t = await team(20, { verify: false });
    await t.owner.call('PUT', '/app/api/me/mobile', { mobile: t.mobile });
    await fake.postInbound({ from: t.mobile, to: t.api.number, body: 'Hello' });
    expect(await leadsWith(t.api.companyId, t.mobile)).toHaveLength(1);
    expect(await teamTextsOf(t.api.companyId)).toEqual([]);
  });
});
