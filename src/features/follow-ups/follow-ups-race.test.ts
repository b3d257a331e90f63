import pg from 'pg';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../db/client.js';
import { companies, jobs } from '../../db/schema/index.js';
import { createWorkerTasks } from '../../worker/tasks.js';
import { randomAuMobile, smsTenant, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import { manualClock } from '../../../test/clock.js';
import { databaseOfItsOwn, onPostgres, testConfig, type Tenant, type TestServer } from '../../../test/helpers.js';

// Follow-ups against what races them, on PostgreSQL (issue 15): a reply whose transaction is open
// while a step falls due and is being sent, and two workers claiming the same due steps. A step is
// sent at most once, and never after the reply that stopped it.
const clock = manualClock(Date.parse('2030-12-10T10:00:00+11:00'));
let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
let admin: pg.Client;
let own: NonNullable<Awaited<ReturnType<typeof databaseOfItsOwn>>>;
const quiet = { warn() {}, info() {} };
const HOUR = 3_600_000;

const jobsTask = () => createWorkerTasks({ config: server.config, database: server.database, clock, log: quiet }).find((t) => t.name === 'jobs')!;
async function work() {
  const task = jobsTask();
  while ((await task.runOnce()) > 0);
}
const texts = (to: string) => fake.sent.filter((m) => m.to === to).map((m) => m.body);

async function nurtured(t: Tenant, count: number) {
  const leads: { id: string; phone: string }[] = [];
  for (let i = 0; i < count; i++) {
    const phone = randomAuMobile();
    const res = await t.call('POST', '/v1/leads', { name: `Lead ${i}`, phone });
    leads.push({ id: res.body.data.id, phone });
  }
  await work();
  return leads;
}
async function company(credits = 100) {
  const t = await smsTenant(server, credits);
  await t.call('PATCH', '/v1/company', { name: 'Ridge Roofing', timezone: 'Australia/Sydney', instant_reply: 'Hi {first_name}, thanks!' });
  const on = await t.call('PATCH', '/v1/automations/lead_nurture', { enabled: true, steps: [{ offset_minutes: 60, text: 'Still keen, {first_name}?' }] });
  expect(on.status).toBe(200);
  return t;
}

describe.runIf(onPostgres)('follow-ups under races (PostgreSQL)', () => {
  beforeAll(async () => {
    // Its worker tasks run years ahead: a database of its own, so they take no other file's jobs.
    own = (await databaseOfItsOwn('follow_ups_race'))!;
    ({ fake, server, close } = await startServerWithFakeTwilio({}, { clock, database: own.database }));
    admin = new pg.Client({ connectionString: testConfig.databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await close?.();
    await own?.drop();
  });

  it('a reply committed while the due step is being sent wins: the step is not sent, its credits are not spent', async () => {
    const t = await company();
    const [lead] = await nurtured(t, 1);
    clock.advance(HOUR);
    // The reply's transaction, begun while the worker is sending the due step: the worker has claimed
    // the step and waits in the send's transaction (on the company's credits, which this holds).
    const reply = new pg.Client({ connectionString: own.url });
    await reply.connect();
    try {
      await reply.query('begin');
      await reply.query('select 1 from companies where id = $1 for update', [t.companyId]);
      const [before] = await server.database.db.select({ credits: companies.smsCredits }).from(companies).where(eq(companies.id, t.companyId));
      const running = work();
      const deadline = Date.now() + 10_000;
      for (;;) {
        const r = await admin.query(`select count(*)::int n from pg_stat_activity where wait_event_type = 'Lock' and datname = $1`, [new URL(own.url).pathname.slice(1)]);
        if (r.rows[0].n > 0) break;
        if (Date.now() > deadline) throw new Error('the send never reached the credits');
        await new Promise((r) => setTimeout(r, 20));
      }
      // The lead's reply lands (its trigger cancels the step) and commits before the send does.
      await reply.query(
        `insert into sms_messages (company_id, lead_id, direction, body, status, segments, provider, from_number, to_number, sender, created_at, updated_at)
         values ($1, $2, 'inbound', 'yes please', 'received', 1, 'twilio', $3, $4, jsonb_build_object('type', 'lead', 'id', $5::text, 'name', 'Lead 0'), now(), now())`,
        [t.companyId, lead.id, lead.phone, (t as Tenant & { number: string }).number, lead.id],
      );
      await reply.query('commit');
      await running;
      expect(texts(lead.phone)).toEqual(['Hi Lead, thanks!']);
      const [after] = await server.database.db.select({ credits: companies.smsCredits }).from(companies).where(eq(companies.id, t.companyId));
      expect(after.credits).toBe(before.credits);
      const [step] = await server.database.db.select().from(jobs).where(and(eq(jobs.leadId, lead.id), eq(jobs.kind, 'follow_up')));
      expect(step).toMatchObject({ status: 'cancelled', outcome: { result: 'cancelled', reason: 'lead_replied' } });
      const thread = await t.call('GET', `/v1/leads/${lead.id}/messages`);
      expect(thread.status, thread.text).toBe(200);
      expect(thread.body.data.filter((m: { body: string }) => m.body.includes('Still keen'))).toHaveLength(0);
    } finally {
      await reply.end();
    }
  });

  it('a reply that comes once the step is sent leaves it sent', async () => {
    const t = await company();
    const [lead] = await nurtured(t, 1);
    clock.advance(HOUR);
    await work();
    expect(texts(lead.phone)).toHaveLength(2);
    expect((await fake.postInbound({ from: lead.phone, to: (t as Tenant & { number: string }).number, body: 'thanks' })).status).toBe(200);
    const res = await t.call('GET', `/v1/leads/${lead.id}/follow-ups`);
    expect(res.body.data).toMatchObject([{ status: 'sent' }]);
  });

  it('two workers claiming the same due steps send each one once, and one a second from the number', async () => {
    const t = await company(500);
    const leads = await nurtured(t, 40);
    clock.advance(HOUR);
    const [a, b] = [jobsTask(), jobsTask()];
    const drain = async (task: ReturnType<typeof jobsTask>) => {
      while ((await task.runOnce()) > 0);
    };
    const number = (t as Tenant & { number: string }).number;
    const followUps = () => fake.sent.filter((m) => m.from === number && m.body.includes('Still keen')).length;
    // Each second of the clock, both workers drain what they can: one step, whoever claims it.
    for (let second = 1; second <= 40; second++) {
      const before = followUps();
      await Promise.all([drain(a), drain(b), drain(a), drain(b)]);
      expect(followUps() - before).toBe(1);
      clock.advance(1_000);
    }
    for (const lead of leads) expect(texts(lead.phone)).toEqual(['Hi Lead, thanks!', 'Ridge Roofing: Still keen, Lead? Reply STOP to opt out']);
    const sent = rowsOf<{ n: number }>(
      await server.database.db.execute(sql`select count(*)::int n from sms_messages where company_id = ${t.companyId} and kind = 'follow_up'`),
    );
    expect(sent[0].n).toBe(40);
  });
});
