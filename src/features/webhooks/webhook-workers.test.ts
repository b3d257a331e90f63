import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.js';
import { databaseOfItsOwn, onPostgres, startTestServer, testEncryptionKey, until, type Tenant, type TestServer } from '../../../test/helpers.js';
import { startReceiver, type Receiver } from '../../../test/webhook-receiver.js';

// Real `quoteleads worker` processes on PostgreSQL: one killed with SIGKILL in the middle of a burst
// loses nothing; two side by side deliver each event once. They work in a database of their own, so
// that their workers never take deliveries of the other test files (which drive time by hand).
const BIN = path.resolve('bin/quoteleads.js');
const children: ChildProcess[] = [];
let database: Database;
let server: TestServer;
let receiver: Receiver;
let url: string;
let own: NonNullable<Awaited<ReturnType<typeof databaseOfItsOwn>>>;

function startWorkerProcess(): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    REDIS_URL: '',
    ENCRYPTION_KEY: testEncryptionKey,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'error',
  };
  const child = spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function burst(owner: Tenant, n: number) {
  for (let i = 0; i < n; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, k) => owner.call('POST', '/v1/leads', { name: `Burst ${i + k}` })));
  }
}

async function eventIdsOf(companyId: string): Promise<string[]> {
  const r = await database.db.execute(sql`select id from outbox_events where company_id = ${companyId} order by id`);
  return (r as unknown as { rows: { id: string }[] }).rows.map((x) => x.id);
}

describe.runIf(onPostgres)('webhook worker processes on PostgreSQL', () => {
  beforeAll(async () => {
    own = (await databaseOfItsOwn('webhook_workers'))!;
    ({ database, url } = own);
    server = await startTestServer({ database, env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await receiver?.close();
    await server?.close();
    await own?.drop();
  });

  it('a worker killed mid-burst loses nothing: another one delivers every committed event', async () => {
    const owner = await server.tenant();
    await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/crash` });
    // Answers take a while, so that deliveries are in flight when the worker dies.
    receiver.answer(() => ({ delayMs: 30 }));
    const first = startWorkerProcess();
    const total = 300;
    const created = burst(owner, total);
    const got = () => new Set(receiver.received.filter((r) => r.path === '/crash').map((r) => r.headers['webhook-id'])).size;
    await until(() => got() >= 40, 60_000, 'the first deliveries');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = got();
    await created;
    expect(atKill).toBeLessThan(total);

    startWorkerProcess();
    // The dead worker's claimed rows come back when their lease ends (20 s).
    await until(() => got() === total, 90_000, 'every event');
    const ids = [...new Set(receiver.received.filter((r) => r.path === '/crash').map((r) => r.headers['webhook-id']))].sort();
    expect(ids).toEqual(await eventIdsOf(owner.companyId));
    // And the log agrees: the rows the dead worker held were delivered again and recorded.
    const succeeded = async () => {
      const r = await database.db.execute(
        sql`select count(*)::int n from webhook_deliveries where company_id = ${owner.companyId} and status = 'succeeded'`,
      );
      return (r as unknown as { rows: { n: number }[] }).rows[0].n;
    };
    await until(async () => (await succeeded()) === total, 60_000, 'every delivery recorded as succeeded');
  }, 180_000);

  it('two workers side by side deliver each event exactly once when nothing fails', async () => {
    for (const c of children) c.kill('SIGKILL');
    const owner = await server.tenant();
    await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/pair` });
    receiver.answer(() => ({}));
    startWorkerProcess();
    startWorkerProcess();
    const total = 200;
    await burst(owner, total);
    const pair = () => receiver.received.filter((r) => r.path === '/pair');
    await until(() => pair().length >= total, 90_000, 'every event');
    await new Promise((r) => setTimeout(r, 1000)); // time for a duplicate to show up, if there were one
    const ids = pair().map((r) => r.headers['webhook-id'] as string);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect([...ids].sort()).toEqual(await eventIdsOf(owner.companyId));
  }, 180_000);
});
