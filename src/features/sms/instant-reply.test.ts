import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { companies, jobs } from '../../db/schema/index.js';
import { createCompanies } from '../companies/companies.service.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { onPostgres, withInsertFailure, type Tenant, type TestServer } from '../../../test/helpers.js';
import { manualClock } from '../../../test/clock.js';
import { randomAuMobile, type FakeTwilio, startServerWithFakeTwilio } from '../../../test/fake-twilio.js';
import { createWorkerTasks } from '../../worker/tasks.js';
import { claimDueJobsAnyCompany } from '../../jobs/jobs.repo.js';
import { INSTANT_REPLY_JOB, renderInstantReply } from './instant-reply.js';

const quiet = { warn() {}, info() {} };
const TEMPLATE = 'Hi {first_name}, thanks for contacting {company}! We will call you within the hour.';

let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
beforeAll(async () => ({ fake, server, close } = await startServerWithFakeTwilio()));
afterAll(() => close?.());

/** The task as the worker process runs it (src/worker/tasks.ts). */
function worker(clock: Clock = systemClock) {
  const tasks = createWorkerTasks({ config: server.config, database: server.database, clock, log: quiet });
  return tasks.find((t) => t.name === 'jobs')!;
}

type SmsTenant = Tenant & { number: string };
async function replyingTenant(o: { credits?: number; reply?: string | null } = {}): Promise<SmsTenant> {
  const t = await server.tenant({ name: 'Acme Roofing' });
  const number = randomAuMobile();
  await createCompanies({ db: server.database.db, clock: server.clock }).change(t.companyId, {
    smsCredits: o.credits ?? 10,
    twilioNumber: number,
    ...(o.reply !== null && { instantReply: o.reply ?? TEMPLATE }),
  });
  return { ...t, number };
}

const instantReplyOf = (leadId: string) => and(eq(jobs.kind, INSTANT_REPLY_JOB), eq(jobs.leadId, leadId));
/** The lead's instant-reply job, read as the fields these tests look at. */
async function jobOf(leadId: string) {
  const rows = await server.database.db.select().from(jobs).where(instantReplyOf(leadId));
  const [job] = rows.map((j) => {
    const outcome = j.outcome as { result?: string; message_id?: string } | null;
    return { doneAt: j.finishedAt, attempts: j.attempts, outcome: outcome?.result ?? null, messageId: outcome?.message_id ?? null };
  });
  return job;
}
const sentTo = (phone: string) => fake.sent.filter((m) => m.to === phone);
async function creditsOf(companyId: string) {
  const [row] = await server.database.db.select({ n: companies.smsCredits }).from(companies).where(eq(companies.id, companyId));
  return row.n;
}

describe('instant reply', () => {
  it('renders {first_name} and {company}', () => {
    expect(renderInstantReply('Hi {first_name} from {company}', { firstName: 'Sarah', name: 'Sarah Mitchell' }, 'Acme')).toBe('Hi Sarah from Acme');
    expect(renderInstantReply('Hi {first_name}', { firstName: null, name: 'Jack Thompson' }, 'Acme')).toBe('Hi Jack');
    expect(renderInstantReply('Hi {first_name}', { firstName: null, name: null }, 'Acme')).toBe('Hi there');
  });

  it('a new lead with a phone gets the reply from the worker, after commit, once', async () => {
    const t = await replyingTenant({ credits: 5 });
    const phone = randomAuMobile();
    const lead = (await t.call('POST', '/v1/leads', { first_name: 'Sarah', last_name: 'Mitchell', phone })).body.data;
    // Written with the lead, sent by nobody yet: the request itself never talks to Twilio.
    expect(await jobOf(lead.id)).toMatchObject({ doneAt: null, attempts: 0 });
    expect(sentTo(phone)).toEqual([]);

    expect(await worker().runOnce()).toBeGreaterThanOrEqual(1);
    expect(sentTo(phone).map((m) => m.body)).toEqual([
      'Hi Sarah, thanks for contacting Acme Roofing! We will call you within the hour.',
    ]);
    expect(sentTo(phone)[0].from).toBe(t.number);
    const job = await jobOf(lead.id);
    expect(job.outcome).toBe('sent');
    const thread = (await t.call('GET', `/v1/leads/${lead.id}/messages`)).body;
    expect(thread.data).toEqual([expect.objectContaining({ id: job.messageId, direction: 'outbound', segments: 1 })]);
    expect(await creditsOf(t.companyId)).toBe(4);

    await worker().runOnce();
    // Even a job run again (a worker that died after sending, before finishing) sends nothing more.
    await server.database.db.update(jobs).set({ status: 'pending', finishedAt: null, outcome: null }).where(instantReplyOf(lead.id));
    await worker().runOnce();
    expect(sentTo(phone).length).toBe(1);
    expect((await jobOf(lead.id)).outcome).toBe('conflict: This lead already has its instant reply');
    expect(await creditsOf(t.companyId)).toBe(4);
  });

  it('no job for a lead without a phone, nor for a company without an instant reply', async () => {
    const t = await replyingTenant();
    const noPhone = (await t.call('POST', '/v1/leads', { name: 'No Phone' })).body.data;
    expect(await jobOf(noPhone.id)).toBeUndefined();
    const off = await replyingTenant({ reply: null });
    const lead = (await off.call('POST', '/v1/leads', { name: 'Quiet', phone: randomAuMobile() })).body.data;
    expect(await jobOf(lead.id)).toBeUndefined();
  });

  it('no job when the lead is not created (its transaction rolled back)', async () => {
    const t = await replyingTenant();
    const phone = randomAuMobile();
    const res = await withInsertFailure(
      server.database,
      { name: 'refuse_lead_event', table: 'outbox_events', when: 'before', condition: `new.company_id = '${t.companyId}'` },
      () => t.call('POST', '/v1/leads', { name: 'Rolled Back', phone }),
    );
    expect(res.status).toBe(500);
    expect(await server.database.db.select().from(jobs).where(eq(jobs.companyId, t.companyId))).toEqual([]);
  });

  it('respects what changed before the worker ran: ai_enabled off, opt-out, credits, the reply turned off', async () => {
    const t = await replyingTenant({ credits: 1 });
    const make = async (name: string) => (await t.call('POST', '/v1/leads', { name, phone: randomAuMobile() })).body.data;
    const disabled = await make('Disabled');
    await t.call('PATCH', `/v1/leads/${disabled.id}`, { ai_enabled: false });
    const first = await make('First');
    const broke = await make('Broke');
    await worker().runOnce();
    await worker().runOnce();
    expect((await jobOf(disabled.id)).outcome).toBe('ai_disabled');
    const outcomes = [(await jobOf(first.id)).outcome, (await jobOf(broke.id)).outcome].sort();
    // One credit: one of the two got the reply, the other was refused by the credits.
    expect(outcomes).toEqual(['insufficient_credits: Insufficient SMS credits', 'sent']);
    expect(sentTo(disabled.phone)).toEqual([]);

    await createCompanies({ db: server.database.db, clock: server.clock }).change(t.companyId, { instantReply: '' });
    const late = await make('Late');
    expect(await jobOf(late.id)).toBeUndefined();
  });

  it('a lead created by an inbound SMS hears back; one whose first message is STOP does not', async () => {
    const t = await replyingTenant({ credits: 5 });
    const from = randomAuMobile();
    expect((await fake.postInbound({ from, to: t.number, body: 'Hi, are you free next week?' })).status).toBe(200);
    const stopper = randomAuMobile();
    await fake.postInbound({ from: stopper, to: t.number, body: 'STOP' });
    await worker().runOnce();
    expect(sentTo(from).map((m) => m.body)).toEqual(['Hi there, thanks for contacting Acme Roofing! We will call you within the hour.']);
    expect(sentTo(stopper)).toEqual([]);
  });

  it.skipIf(!onPostgres)('workers side by side: every new lead gets exactly one reply', async () => {
    const t = await replyingTenant({ credits: 100 });
    const phones = Array.from({ length: 12 }, () => randomAuMobile());
    await Promise.all(phones.map((phone, i) => t.call('POST', '/v1/leads', { first_name: `Lead${i}`, phone })));
    const workers = [worker(), worker(), worker()];
    for (let round = 0; round < 3; round++) await Promise.all(workers.map((w) => w.runOnce()));
    expect(phones.map((p) => sentTo(p).length)).toEqual(Array(12).fill(1));
    expect(await creditsOf(t.companyId)).toBe(88);
  });

  it.skipIf(!onPostgres)("a crashed worker's jobs come back when its lease ends", async () => {
    const t = await replyingTenant({ credits: 5 });
    const phone = randomAuMobile();
    const lead = (await t.call('POST', '/v1/leads', { first_name: 'Crash', phone })).body.data;
    const clock = manualClock(Date.now());
    // A worker claims the job and dies before sending.
    const claimed = await claimDueJobsAnyCompany(server.database.db, {
      now: new Date(clock.now()),
      kinds: [{ kind: INSTANT_REPLY_JOB, leaseMs: 60_000 }],
      limit: 1000,
      claimId: randomUUID(),
    });
    expect(claimed.map((j) => j.leadId)).toContain(lead.id);
    await worker(clock).runOnce();
    expect(sentTo(phone)).toEqual([]);
    clock.advance(61_000);
    await worker(clock).runOnce();
    expect(sentTo(phone).length).toBe(1);
    expect(await jobOf(lead.id)).toMatchObject({ outcome: 'sent', attempts: 2 });
  });
});
