import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, type Database } from '../../db/client.js';
import { databaseOfItsOwn, onPostgres, startTestServer, testEncryptionKey, until, type TestServer } from '../../../test/helpers.js';
import { PUBLIC_URL, randomAuMobile, smsTenant, startFakeTwilio, twilioEnv, type FakeTwilio } from '../../../test/fake-twilio.js';

// A real `quoteleads worker` killed with SIGKILL in the middle of a batch of due follow-up steps
// (issue 15), on PostgreSQL: Twilio has taken some of the texts but the worker never heard back. A
// second worker takes over once the dead one's leases end (the test moves them back instead of
// waiting a minute), and every lead gets its step exactly once. On a database of its own, so that
// the workers never take jobs of the other test files. Follow-ups leave a number one a second, so
// the leads are spread over companies (one number each) for a batch to be in flight at the kill.
const BIN = path.resolve('bin/quoteleads.js');
const COMPANIES = 10;
const LEADS_EACH = 4;
const LEADS = COMPANIES * LEADS_EACH;
const children: ChildProcess[] = [];
let database: Database;
let server: TestServer;
let fake: FakeTwilio;
let url: string;
let own: NonNullable<Awaited<ReturnType<typeof databaseOfItsOwn>>>;

function startWorker(): ChildProcess {
  const env = { ...process.env, DATABASE_URL: url, REDIS_URL: '', ENCRYPTION_KEY: testEncryptionKey, LOG_LEVEL: 'error', ...twilioEnv(fake) };
  const child = spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}
const query = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(q));

describe.runIf(onPostgres)('follow-up steps across a SIGKILL of their worker (PostgreSQL)', () => {
  beforeAll(async () => {
    own = (await databaseOfItsOwn('follow_ups_crash'))!;
    ({ database, url } = own);
    fake = await startFakeTwilio();
    server = await startTestServer({ database, env: twilioEnv(fake) });
    fake.deliverTo(server.url, PUBLIC_URL);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await server?.close();
    await fake?.close();
    await own?.drop();
  });

  it('every lead gets its due step once: those Twilio took before the kill are not sent again, the rest are sent by the next worker', async () => {
    const companyIds: string[] = [];
    const phones: string[] = [];
    for (let c = 0; c < COMPANIES; c++) {
      const t = await smsTenant(server, 500);
      companyIds.push(t.companyId);
      // Whatever the hour where CI runs: no quiet hours, Sundays allowed.
      await t.call('PATCH', '/v1/company', { name: 'Crash Roofing', quiet_hours: null, follow_ups_on_sundays: true, follow_ups_on_closed_dates: true });
      await t.call('PATCH', '/v1/automations/lead_nurture', { enabled: true, steps: [{ offset_minutes: 60, text: 'Hi {first_name}, still keen?' }] });
      for (let i = 0; i < LEADS_EACH; i++) {
        const phone = randomAuMobile();
        expect((await t.call('POST', '/v1/leads', { name: `Crash ${i}`, phone })).status).toBe(201);
        phones.push(phone);
      }
    }
    const ours = sql`company_id in (${sql.join(companyIds.map((id) => sql`${id}::uuid`), sql`, `)})`;
    const hold = fake.holdAnswers();
    const first = startWorker();
    // Each lead's step as the nurture plans it, from a text of ours an hour and a minute ago: due now.
    await database.db.execute(sql`
      select follow_ups_plan(company_id, id, 'lead_nurture', 'crash:' || id::text, now() - interval '61 minutes',
                             'lead_nurture:crash:' || id::text, null, null, null)
        from leads where ${ours}`);
    await until(() => fake.sent.length > 0, 30_000, 'the first worker to hand texts to Twilio');
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    const takenBeforeKill = fake.sent.length;
    expect(takenBeforeKill).toBeLessThan(LEADS);
    hold.release();

    // The dead worker's leases end now (they would in a minute).
    await query(sql`update jobs set locked_until = now() - interval '1 second'
                    where ${ours} and kind = 'follow_up' and status = 'pending' and locked_until > now()`);
    startWorker();
    await until(
      async () => (await query<{ n: number }>(sql`select count(*)::int n from jobs where ${ours} and kind = 'follow_up' and status = 'pending'`))[0].n === 0,
      60_000,
      'every step to end',
    );
    await new Promise((r) => setTimeout(r, 500));
    for (const phone of phones) expect(fake.sent.filter((m) => m.to === phone).map((m) => m.body), phone).toEqual(['Crash Roofing: Hi Crash, still keen? Reply STOP to opt out']);
    const steps = await query<{ status: string; result: string }>(
      sql`select status, outcome->>'result' result from jobs where ${ours} and kind = 'follow_up'`,
    );
    expect(steps.every((s) => s.status === 'succeeded' && s.result === 'sent')).toBe(true);
    const written = await query<{ n: number }>(sql`select count(*)::int n from sms_messages where ${ours} and kind = 'follow_up'`);
    expect(written[0].n).toBe(LEADS);
  }, 120_000);
});
