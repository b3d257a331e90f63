import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase } from './client.js';
import { onPostgres, testConfig } from '../../test/helpers.js';

describe.runIf(onPostgres)('migrations on PostgreSQL', () => {
  it('run once when several instances start together', async () => {
    const name = `ql_migrate_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testConfig.databaseUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(testConfig.databaseUrl!);
    url.pathname = `/${name}`;
    const instances = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ databaseUrl: url.toString(), poolSize: 2 })));
    try {
      await Promise.all(instances.map((d) => d.migrate()));
      const applied = await instances[0].db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      const files = (await import('node:fs')).readdirSync('drizzle').filter((f) => f.endsWith('.sql'));
      expect((applied as unknown as { rows: { n: number }[] }).rows[0].n).toBe(files.length);
    } finally {
      await Promise.all(instances.map((d) => d.close()));
      await admin.query(`drop database ${name}`);
      await admin.end();
    }
  });
});

describe('search keys', () => {
  it('are the same from TypeScript and from SQL for ASCII terms', async () => {
    const { asciiSearchKeys } = await import('../features/leads/leads.repo.js');
    const database = await openDatabase({ databaseUrl: testConfig.databaseUrl });
    try {
      await database.migrate();
      const company = '518ae6bc-3b15-4f80-935c-e1c49110d6cf';
      for (const term of ['mas.lee.1123473', 'O\'Brien-Smith', 'ab', '  x_y_zz  ', 'Roof 42b', '+61 412 345']) {
        const result = await database.db.execute(sql`select lead_search_query_keys(${company}::uuid, ${term}) as keys`);
        const fromSql = (result as unknown as { rows: { keys: string[] }[] }).rows[0].keys;
        expect([...asciiSearchKeys(company, term)!].sort()).toEqual([...fromSql].sort());
      }
    } finally {
      await database.close();
    }
  });
});

describe('the embedded engine', () => {
  it('keeps lead counters equal to the rows through inserts, updates and deletes', async () => {
    const database = await openDatabase({});
    try {
      await database.migrate();
      const db = database.db;
      const [{ id }] = (
        (await db.execute(sql`insert into companies (name) values ('Counter Co') returning id`)) as unknown as { rows: { id: string }[] }
      ).rows;
      await db.execute(sql`insert into leads (company_id, name, pipeline_stage)
        select ${id}, 'L' || g, (array['new_lead','quoted','closed_won'])[1 + g % 3] from generate_series(1, 300) g`);
      await db.execute(sql`update leads set pipeline_stage = 'closed_lost' where company_id = ${id} and pipeline_stage = 'quoted'`);
      await db.execute(sql`delete from leads where company_id = ${id} and pipeline_stage = 'closed_won'`);
      const counted = (
        (await db.execute(sql`select pipeline_stage, count(*)::int n from leads where company_id = ${id} group by 1 order by 1`)) as unknown as {
          rows: unknown[];
        }
      ).rows;
      const kept = (
        (await db.execute(
          sql`select pipeline_stage, sum(n)::int n from lead_counters where company_id = ${id} group by 1 having sum(n) <> 0 order by 1`,
        )) as unknown as { rows: unknown[] }
      ).rows;
      expect(kept).toEqual(counted);
      expect(counted).toEqual([
        { pipeline_stage: 'closed_lost', n: 100 },
        { pipeline_stage: 'new_lead', n: 100 },
      ]);
    } finally {
      await database.close();
    }
  });
});

describe('list indexes', () => {
  // Each list reads newest first; an index must give that order, or a large company pays for a sort
  // of all its leads on every page (drizzle's .desc() once wrote DESC NULLS LAST, which no plain
  // ORDER BY … DESC matches).
  it.each([
    ['all', ''],
    ['stage', "and pipeline_stage = 'quoted'"],
    ['AI status', "and ai_status = 'hot'"],
  ])('serve the %s list in order without sorting', async (_name, filter) => {
    const database = await openDatabase({ databaseUrl: testConfig.databaseUrl });
    try {
      await database.migrate();
      const plan = await database.db.transaction(async (tx) => {
        // Tiny test tables make any plan cheap: leave the planner only the ordered index or a sort.
        for (const setting of ['enable_seqscan', 'enable_bitmapscan', 'enable_sort']) {
          await tx.execute(sql.raw(`set local ${setting} = off`));
        }
        const result = await tx.execute(
          sql.raw(`explain select * from leads where company_id = '518ae6bc-3b15-4f80-935c-e1c49110d6cf' ${filter}
                   order by created_at desc, id desc limit 25 offset 50`),
        );
        return (result as unknown as { rows: Record<string, string>[] }).rows.map((r) => Object.values(r)[0]).join('\n');
      });
      expect(plan).toContain('Index Scan Backward');
      expect(plan).not.toMatch(/Sort/);
    } finally {
      await database.close();
    }
  });
});

describe.runIf(onPostgres)('listening on PostgreSQL', () => {
  it('notices a connection gone silent without closing, listens again, and passes no heartbeat on', async () => {
    // A TCP proxy in front of PostgreSQL that can swallow everything while keeping its sockets open:
    // what a firewall that forgot the connection does.
    const target = new URL(testConfig.databaseUrl!);
    let silent = false;
    const sockets: net.Socket[] = [];
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      sockets.push(client, upstream);
      client.on('data', (d) => silent || upstream.write(d));
      upstream.on('data', (d) => silent || client.write(d));
      for (const s of [client, upstream]) s.on('error', () => {});
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = new URL(testConfig.databaseUrl!);
    url.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 1, listenHeartbeatMs: 200 });
    const live: boolean[] = [];
    const messages: string[] = [];
    const stop = await database.listen('ql_test_heartbeat', (p) => messages.push(p), (l) => live.push(l));
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(check()).toBe(true);
    };
    try {
      expect(live).toEqual([true]);
      await new Promise((r) => setTimeout(r, 700)); // three heartbeats, heard and not passed on
      expect(live).toEqual([true]);
      expect(messages).toEqual([]);

      silent = true;
      await until(() => live.includes(false));
      silent = false; // the reconnection goes through a new, working connection
      await until(() => live.at(-1) === true);
      await database.db.execute(sql`select pg_notify('ql_test_heartbeat', 'hello')`);
      await until(() => messages.length > 0);
      expect(messages).toEqual(['hello']);
    } finally {
      await stop();
      await database.close();
      for (const s of sockets) s.destroy();
      proxy.close();
    }
  });
});
