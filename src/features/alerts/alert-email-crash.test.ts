import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, type Database } from '../../db/client.js';
import { databaseOfItsOwn, onPostgres, startTestServer, testEncryptionKey, until, type TestServer } from '../../../test/helpers.js';
import { startFakeSmtp, type FakeSmtp } from '../../../test/fake-smtp.js';

// A real `quoteleads worker` killed with SIGKILL while the SMTP relay has an alert's message but has
// not answered (issue 17), on PostgreSQL. The relay then takes it, as a relay that had the data may.
// A second worker takes over once the dead one's lease ends (the test moves it back instead of
// waiting two minutes): it must not send that alert again, and sends the next one as usual. On a
// database of its own, so that the workers take no other file's jobs.
const BIN = path.resolve('bin/quoteleads.js');
const children: ChildProcess[] = [];
let database: Database;
let server: TestServer;
let smtp: FakeSmtp;
let url: string;
let own: NonNullable<Awaited<ReturnType<typeof databaseOfItsOwn>>>;

function startWorker(): ChildProcess {
  const env = { ...process.env, DATABASE_URL: url, REDIS_URL: '', ENCRYPTION_KEY: testEncryptionKey, LOG_LEVEL: 'error', SMTP_URL: smtp.url };
  const child = spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}
const query = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(q));

describe.runIf(onPostgres)('an email alert across a SIGKILL of its worker (PostgreSQL)', () => {
  beforeAll(async () => {
    own = (await databaseOfItsOwn('alert_email_crash'))!;
    ({ database, url } = own);
    smtp = await startFakeSmtp();
    server = await startTestServer({ database, env: { SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await server?.close();
    await smtp?.close();
    await own?.drop();
  });

  it('is not sent again by the next worker when the relay may have taken it; the next alert goes as usual', async () => {
    const owner = await server.user({ role: 'owner' });
    const { token } = await server.token(owner.companyId);
    const newLead = (name: string) => server.fetch('POST', '/v1/leads', { body: { name, phone: '0412 345 678' }, headers: { authorization: `Bearer ${token}` } });
    const hold = smtp.hold();
    const first = startWorker();
    expect((await newLead('Before Kill')).status).toBe(201);
    await until(() => smtp.waiting() === 1, 30_000, 'the relay to have the message');
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    hold.release();
    await until(() => smtp.received.length === 1, 10_000, 'the relay to take the message');
    expect((await query<{ email_status: string }>(sql`select email_status from notifications where user_id = ${owner.userId}`))[0].email_status).toBe('sending');

    // The dead worker's lease ends now (it would in two minutes).
    await query(sql`update jobs set locked_until = now() - interval '1 second' where company_id = ${owner.companyId} and status = 'pending' and locked_until > now()`);
    startWorker();
    expect((await newLead('After Kill')).status).toBe(201);
    await until(() => smtp.received.length >= 2, 30_000, 'the next alert to be sent');
    await until(
      async () => (await query<{ n: number }>(sql`select count(*)::int n from jobs where company_id = ${owner.companyId} and status = 'pending'`))[0].n === 0,
      30_000,
      'every alert job to end',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received.map((m) => m.subject)).toEqual(['New lead: Before Kill · Test Roofing', 'New lead: After Kill · Test Roofing']);
    const rows = await query<{ name: string; email_status: string }>(
      sql`select data->>'name' as name, email_status from notifications where user_id = ${owner.userId} order by created_at`,
    );
    expect(rows).toEqual([
      { name: 'Before Kill', email_status: 'unknown' },
      { name: 'After Kill', email_status: 'sent' },
    ]);
  }, 120_000);
});
