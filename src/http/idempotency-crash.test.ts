import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOfItsOwn, onPostgres, testConfig, testEncryptionKey, until } from '../../test/helpers.js';
import { createCompanies } from '../features/companies/companies.service.js';
import { createTokens } from '../features/tokens/tokens.service.js';
import { rowsOf, type Database } from '../db/client.js';
import { systemClock } from '../lib/clock.js';
import { ALL_SCOPES } from '../auth/scopes.js';
import { randomAuMobile, startFakeTwilio, twilioEnv } from '../../test/fake-twilio.js';

// B2 across a crash: real `quoteleads serve` processes on PostgreSQL, killed with SIGKILL while keyed
// POST /v1/leads are held at one step of their work (a lock the test takes stops them there), then
// started again and the same keys retried with the same bodies. Whatever the step, each key ends with
// one lead, and the retry's answer is that lead. Before the answer was kept in the change's own
// transaction, the step "lead committed, answer not yet stored" made a second lead per key.
const BIN = path.resolve('bin/quoteleads.js');
const children: ChildProcess[] = [];
let database: Database;
let url: string;
let admin: pg.Client;
let own: NonNullable<Awaited<ReturnType<typeof databaseOfItsOwn>>>;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function startServer(extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    REDIS_URL: '',
    ENCRYPTION_KEY: testEncryptionKey,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    RATE_LIMIT_PER_MINUTE: '100000',
    DATABASE_POOL_SIZE: '30',
    ...extraEnv,
  };
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  await until(
    () =>
      fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      ),
    30_000,
    'the server to listen',
  );
  return { child, base };
}

async function kill(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Backends of the server's database waiting for a lock: the requests the test holds. */
async function waitingOnLocks(): Promise<number> {
  const r = await admin.query(
    `select count(*)::int n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'`,
    [new URL(url).pathname.slice(1)],
  );
  return r.rows[0].n;
}

describe.runIf(onPostgres)('Idempotency-Key across a SIGKILL (PostgreSQL)', () => {
  beforeAll(async () => {
    own = (await databaseOfItsOwn('idempotency_crash', { poolSize: 4 }))!;
    ({ database, url } = own);
    // Watches the servers' backends (which wait on the test's locks) and cuts them off.
    admin = new pg.Client({ connectionString: testConfig.databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await admin?.end();
    await own?.drop();
  });

  // Each step: what the test locks, in its own transaction, so that the requests stop there.
  const steps: { step: string; hold: (c: pg.Client, companyId: string) => Promise<void>; then?: (c: pg.Client, companyId: string) => Promise<void> }[] = [
    {
      step: 'key claimed, lead not yet written',
      hold: async (c) => {
        await c.query('lock table leads in share mode');
      },
    },
    {
      step: 'lead written, its answer not yet kept',
      // The leads' insert is held first, so that every request has claimed its key; then the key
      // rows are locked and the leads let go: each request stops when it comes to keep its answer.
      hold: async (c) => {
        await c.query('lock table leads in share mode');
      },
      then: async (c, companyId) => {
        const second = new pg.Client({ connectionString: url });
        await second.connect();
        await second.query('begin');
        await second.query('select key from idempotency_keys where company_id = $1 for update', [companyId]);
        holders.push(second);
        await c.query('commit');
      },
    },
  ];
  const holders: pg.Client[] = [];

  // A statement the dead process had already sent either still runs to its end once the lock goes
  // (PostgreSQL notices a lost client only when it next writes to it) or is cut off with the backend.
  const cases = steps.flatMap((s) => (['finish', 'are cut off'] as const).map((sent) => ({ ...s, sent })));
  for (const { step, hold, then, sent } of cases) {
    it(`a crash at "${step}" (its statements in flight ${sent}) leaves one lead per key, and the retry answers it`, async () => {
      const company = await createCompanies({ db: database.db, clock: systemClock }).create({ name: 'Crash Roofing', country: 'AU' });
      const { token } = await createTokens({ db: database.db, clock: systemClock }).issue({ companyId: company.id, scopes: ALL_SCOPES, name: 'crash' });
      const n = 12;
      const keys = Array.from({ length: n }, (_, i) => `crash-${i}-${Math.random().toString(36).slice(2)}`);
      const post = (base: string, i: number) =>
        fetch(`${base}/v1/leads`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': keys[i] },
          body: JSON.stringify({ name: `Crash Lead ${i}`, phone: `0412 000 ${String(100 + i)}` }),
        });

      const first = await startServer();
      const locker = new pg.Client({ connectionString: url });
      await locker.connect();
      await locker.query('begin');
      await hold(locker, company.id);
      const inFlight = keys.map((_, i) => post(first.base, i).catch(() => null));
      await until(async () => (await waitingOnLocks()) >= n, 20_000, 'every request to be held');
      if (then) {
        await then(locker, company.id);
        await until(async () => (await waitingOnLocks()) >= n, 20_000, 'every request to be held at the second step');
      }
      await kill(first.child);
      await Promise.all(inFlight);
      if (sent === 'are cut off') {
        await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'`, [
          new URL(url).pathname.slice(1),
        ]);
      }
      await locker.query('rollback').catch(() => {});
      await locker.end();
      for (const h of holders.splice(0)) {
        await h.query('rollback');
        await h.end();
      }

      // The dead requests' keys are released after 60 s (B2); the test moves their lock time back.
      await database.db.execute(sql`update idempotency_keys set locked_at = locked_at - interval '61 seconds' where company_id = ${company.id}`);

      const second = await startServer();
      const answers = await Promise.all(keys.map((_, i) => post(second.base, i).then(async (r) => ({ status: r.status, body: await r.json() }))));
      const rows = rowsOf<{ id: string; name: string }>(
        await database.db.execute(sql`select id, name from leads where company_id = ${company.id} order by name`),
      );
      const byName = new Map<string, string[]>();
      for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r.id]);
      for (let i = 0; i < n; i++) {
        expect(answers[i].status, `key ${i}`).toBe(201);
        expect(byName.get(`Crash Lead ${i}`), `leads named Crash Lead ${i}`).toEqual([answers[i].body.data.id]);
      }
      expect(rows).toHaveLength(n);
      await kill(second.child);
    }, 120_000);
  }
  it('a crash while the provider has the texts but has not answered: the retry replays, nothing is sent twice', async () => {
    const fake = await startFakeTwilio();
    const env = twilioEnv(fake);
    const companies = createCompanies({ db: database.db, clock: systemClock });
    const company = await companies.create({ name: 'Crash Solar', country: 'AU' });
    await companies.change(company.id, { smsCredits: 100, twilioNumber: randomAuMobile() });
    const { token } = await createTokens({ db: database.db, clock: systemClock }).issue({ companyId: company.id, scopes: ALL_SCOPES, name: 'crash' });
    const n = 6;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const first = await startServer(env);
    const leadIds: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await fetch(`${first.base}/v1/leads`, { method: 'POST', headers: auth, body: JSON.stringify({ name: `Texted ${i}`, phone: `0413 000 ${100 + i}` }) });
      leadIds.push(((await r.json()) as { data: { id: string } }).data.id);
    }
    const keys = leadIds.map((_, i) => `sms-crash-${i}-${Math.random().toString(36).slice(2)}`);
    const text = (base: string, i: number) =>
      fetch(`${base}/v1/sms`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': keys[i] },
        body: JSON.stringify({ lead_id: leadIds[i], message: `Hi, your roof inspection is booked (${i})` }),
      });
    const hold = fake.holdAnswers();
    const inFlight = keys.map((_, i) => text(first.base, i).catch(() => null));
    await until(() => fake.sent.length >= n, 20_000, 'every text to reach the provider');
    await kill(first.child);
    await Promise.all(inFlight);
    hold.release();
    await database.db.execute(sql`update idempotency_keys set locked_at = locked_at - interval '61 seconds' where company_id = ${company.id}`);

    const second = await startServer(env);
    const answers = await Promise.all(keys.map((_, i) => text(second.base, i).then(async (r) => ({ status: r.status, body: await r.json() }))));
    const messages = rowsOf<{ id: string; lead_id: string }>(
      await database.db.execute(sql`select id, lead_id from sms_messages where company_id = ${company.id} and direction = 'outbound'`),
    );
    for (let i = 0; i < n; i++) {
      expect(answers[i].status, `key ${i}`).toBe(200);
      expect(messages.filter((m) => m.lead_id === leadIds[i]).map((m) => m.id), `texts to lead ${i}`).toEqual([answers[i].body.message_id]);
    }
    expect(fake.sent).toHaveLength(n);
    await kill(second.child);
    await fake.close();
  }, 120_000);
});
