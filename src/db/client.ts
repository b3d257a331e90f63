import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import * as schema from './schema/index.js';

/** A Drizzle database or transaction on either engine: repositories take this. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type Database = {
  db: Db;
  engine: 'pglite' | 'postgres';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  /**
   * Calls `onMessage` for each NOTIFY on `channel`, from any process on this database. `onLive(false)`
   * says notifications may be missed (the connection dropped) until the next `onLive(true)`.
   */
  listen(channel: string, onMessage: (payload: string) => void, onLive: (live: boolean) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
// Any constant shared by every instance: the key of the advisory lock that serialises migrations.
const MIGRATION_LOCK_KEY = 7_240_151_001;

/**
 * PostgreSQL when a URL is given; otherwise embedded PGlite in `dir` (or in memory without one).
 * PGlite is single-process: the caller must hold the data-directory lock (src/db/data-dir-lock.ts).
 */
export async function openDatabase(opts: {
  databaseUrl?: string;
  pgliteDir?: string;
  poolSize?: number;
}): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10);
  return openPglite(opts.pgliteDir);
}

async function openPglite(dir: string | undefined): Promise<Database> {
  const client = await PGlite.create(dir ?? 'memory://', { extensions: { pg_trgm } });
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    db,
    engine: 'pglite',
    // One process owns the directory, so no lock is needed around migrations here.
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    ping: async () => {
      await client.query('select 1');
    },
    // One process owns the database, so every NOTIFY comes from inside it and none is ever missed.
    listen: async (channel, onMessage, onLive) => {
      const unlisten = await client.listen(channel, onMessage);
      onLive(true);
      return async () => {
        if (!client.closed) await unlisten();
      };
    },
    close: () => client.close(),
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  return {
    db,
    engine: 'postgres',
    migrate: async () => {
      // Several instances may start together: the first takes the lock and migrates, the others
      // wait for it and then find nothing left to do.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          await migratePg(drizzlePg({ client, schema }), { migrationsFolder });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    listen: (channel, onMessage, onLive) => listenPostgres(url, channel, onMessage, onLive),
    close: () => pool.end(),
  };
}

/** LISTEN on a connection of its own, reconnecting (and saying so) when it drops. */
async function listenPostgres(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  onLive: (live: boolean) => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;

  const lost = (client: pg.Client) => {
    if (current !== client) return; // already handled
    current = null;
    onLive(false);
    client.end().catch(() => {});
    if (!stopped) retry = setTimeout(connect, 1000);
  };
  async function connect() {
    retry = null;
    const client = new pg.Client({ connectionString: url, keepAlive: true });
    current = client;
    client.on('notification', (n) => {
      if (n.channel === channel) onMessage(n.payload ?? '');
    });
    client.on('error', () => lost(client));
    client.on('end', () => lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (current === client) onLive(true);
    } catch {
      lost(client);
    }
  }
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const client = current;
    current = null;
    await client?.end().catch(() => {});
  };
}

export function pgliteDirOf(dataDir: string): string {
  return path.join(dataDir, 'pglite');
}
