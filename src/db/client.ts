import { randomUUID } from 'node:crypto';
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

/** The rows of `db.execute(sql…)`: both engines' drivers answer `{ rows }`. */
export const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

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
  /** How often a listening connection on PostgreSQL proves it still hears (ms; tests shorten it). */
  listenHeartbeatMs?: number;
}): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10, opts.listenHeartbeatMs ?? 10_000);
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

async function openPostgres(url: string, poolSize: number, heartbeatMs: number): Promise<Database> {
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
    listen: (channel, onMessage, onLive) => listenPostgres(url, channel, onMessage, onLive, heartbeatMs),
    close: () => pool.end(),
  };
}

// Heartbeats are notifications on the listened channel with this prefix: never passed on.
const HEARTBEAT_PREFIX = '~heartbeat:';

/**
 * LISTEN on a connection of its own, reconnecting (and saying so) when it drops. A connection can
 * also go silent without closing (a half-open TCP connection behind a firewall, a pooler in
 * transaction mode that never delivers notifications): every `heartbeatMs` it sends itself a
 * notification, and one that does not come back within half that counts as lost.
 */
async function listenPostgres(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  onLive: (live: boolean) => void,
  heartbeatMs: number,
): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let beat: NodeJS.Timeout | null = null;
  let awaited: { nonce: string; heard: () => void } | null = null;

  const lost = (client: pg.Client) => {
    if (current !== client) return; // already handled
    current = null;
    if (beat) clearInterval(beat);
    beat = null;
    awaited = null;
    onLive(false);
    client.end().catch(() => {});
    if (!stopped) retry = setTimeout(connect, 1000);
  };
  function heartbeat(client: pg.Client) {
    const nonce = randomUUID();
    const heard = new Promise<void>((resolve) => (awaited = { nonce, heard: resolve }));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('silent')), heartbeatMs / 2).unref());
    Promise.race([client.query('select pg_notify($1, $2)', [channel, HEARTBEAT_PREFIX + nonce]).then(() => heard), timeout]).catch(() =>
      lost(client),
    );
  }
  async function connect() {
    retry = null;
    const client = new pg.Client({ connectionString: url, keepAlive: true });
    current = client;
    client.on('notification', (n) => {
      if (n.channel !== channel) return;
      const payload = n.payload ?? '';
      if (!payload.startsWith(HEARTBEAT_PREFIX)) return onMessage(payload);
      if (awaited && payload === HEARTBEAT_PREFIX + awaited.nonce) awaited.heard();
    });
    client.on('error', () => lost(client));
    client.on('end', () => lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (current !== client) return;
      onLive(true);
      beat = setInterval(() => heartbeat(client), heartbeatMs);
      beat.unref();
    } catch {
      lost(client);
    }
  }
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    if (beat) clearInterval(beat);
    const client = current;
    current = null;
    await client?.end().catch(() => {});
  };
}

export function pgliteDirOf(dataDir: string): string {
  return path.join(dataDir, 'pglite');
}
