import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { asc, eq, sql } from 'drizzle-orm';
import { outboxEvents, users, type Role } from '../src/db/schema/index.js';
import { hashPassword } from '../src/lib/passwords.js';
import { SESSION_COOKIE } from '../src/auth/principal.js';
import { startSession } from '../src/features/accounts/accounts.service.js';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { systemClock, type Clock } from '../src/lib/clock.js';
import { createRateLimiter } from '../src/http/limiters.js';
import { buildApp, type AppDeps } from '../src/app.js';
import { createCompanies } from '../src/features/companies/companies.service.js';
import { createTokens } from '../src/features/tokens/tokens.service.js';
import { ALL_SCOPES, type Scope } from '../src/auth/scopes.js';
import type { TextQuoteLink } from '../src/features/quotes/quotes.service.js';
import { createWorkerTasks } from '../src/worker/tasks.js';

// Tests run on PGlite in memory by default, and on PostgreSQL / Redis when DATABASE_URL / REDIS_URL
// are set (.ci/run does both). Every test makes its own companies, so tests never see each other's data.
// CI sets only DATABASE_URL and REDIS_URL: the key that seals webhook secrets is made per test run
// (tests never touch a DATA_DIR, so no key file is written either).
export const testEncryptionKey = randomBytes(32).toString('base64');
export const testConfig: Config = loadConfig(undefined, { LOG_LEVEL: 'silent', PORT: '0', ENCRYPTION_KEY: testEncryptionKey });
export const onPostgres = Boolean(testConfig.databaseUrl);
export const withRedis = Boolean(testConfig.redisUrl);

export async function openTestDatabase(): Promise<Database> {
  const database = await openDatabase({ databaseUrl: testConfig.databaseUrl, poolSize: 10 });
  await database.migrate();
  return database;
}

export type ApiAnswer = { status: number; body: any; headers: Headers; text: string };

export type Tenant = {
  companyId: string;
  token: string;
  tokenId: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
};

export type DashboardUser = {
  companyId: string;
  userId: string;
  email: string;
  password: string;
  cookie: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
};

export type TestServer = {
  url: string;
  config: Config;
  app: FastifyInstance;
  database: Database;
  clock: Clock;
  /** A new company with one token (all scopes unless given). */
  tenant(opts?: { scopes?: Scope[]; country?: string; name?: string }): Promise<Tenant>;
  /** Another token of an existing company. */
  token(companyId: string, scopes?: Scope[]): Promise<{ token: string; tokenId: string }>;
  /** An API client of an existing company (one a dashboard user made, say), with a token of its own. */
  tenantOf(companyId: string, scopes?: Scope[]): Promise<Tenant>;
  fetch(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string> }): Promise<ApiAnswer>;
  /**
   * A dashboard user with a live session (a new company with its owner unless `companyId` is given).
   * `call` sends the session cookie and our own Origin, as the dashboard does.
   */
  user(opts?: { role?: Role; companyId?: string }): Promise<DashboardUser>;
  /** A company's outbox events, oldest first (events of one transaction by type). */
  events(companyId: string): Promise<(typeof outboxEvents.$inferSelect)[]>;
  close(): Promise<void>;
};

export async function startTestServer(
  opts: {
    rateLimit?: number;
    clock?: Clock;
    database?: Database;
    env?: Record<string, string>;
    textQuoteLink?: TextQuoteLink;
    /** Where the app's log lines go (with LOG_LEVEL set in `env`); default: standard output. */
    logStream?: AppDeps['logStream'];
  } = {},
): Promise<TestServer> {
  const clock = opts.clock ?? systemClock;
  const database = opts.database ?? (await openTestDatabase());
  const limit = opts.rateLimit ?? 100_000;
  const config = loadConfig(undefined, {
    LOG_LEVEL: 'silent',
    PORT: '0',
    RATE_LIMIT_PER_MINUTE: String(limit),
    // Every test calls from 127.0.0.1, and many end in 401 on purpose: the failed-authentication
    // limit has its own test (src/http/auth-failures.test.ts), with an address of its own.
    AUTH_FAILURES_PER_MINUTE: '100000',
    ENCRYPTION_KEY: testEncryptionKey,
    ...opts.env,
  });
  const limiter = createRateLimiter(config, clock, { warn() {}, info() {} });
  const app = await buildApp({ config, database, limiter, clock, textQuoteLink: opts.textQuoteLink, logStream: opts.logStream });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;

  async function fetchApi(method: string, path: string, o: { body?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...o.headers };
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as any, headers: res.headers, text };
  }

  async function token(companyId: string, scopes: Scope[] = ALL_SCOPES) {
    const t = await createTokens({ db: database.db, clock }).issue({ companyId, scopes, name: 'test' });
    return { token: t.token, tokenId: t.id };
  }

  async function tenantOf(companyId: string, scopes?: Scope[]): Promise<Tenant> {
    const t = await token(companyId, scopes);
    return {
      companyId,
      ...t,
      call: (method, path, body, headers = {}) => fetchApi(method, path, { body, headers: { authorization: `Bearer ${t.token}`, ...headers } }),
    };
  }

  return {
    url,
    config,
    app,
    database,
    clock,
    fetch: fetchApi,
    token,
    events: (companyId) =>
      database.db
        .select()
        .from(outboxEvents)
        .where(eq(outboxEvents.companyId, companyId))
        .orderBy(asc(outboxEvents.occurredAt), asc(outboxEvents.eventType)),
    async user(o = {}) {
      const companyId = o.companyId ?? (await createCompanies({ db: database.db, clock }).create({ name: 'Test Roofing', country: 'AU' })).id;
      const email = `user-${randomBytes(6).toString('hex')}@example.com`;
      const password = `pw-${randomBytes(9).toString('base64url')}`;
      const [row] = await database.db
        .insert(users)
        .values({ companyId, email, name: 'Test User', passwordHash: await hashPassword(password), role: o.role ?? 'owner' })
        .returning();
      // Straight to a session: the log-in route has its own tests, and its per-address limit would
      // (rightly) stop a suite that logs in hundreds of times from 127.0.0.1.
      const cookie = `${SESSION_COOKIE}=${await startSession(database.db, clock, row.id)}`;
      return {
        companyId,
        userId: row.id,
        email,
        password,
        cookie,
        call: (method, path, body, headers = {}) => fetchApi(method, path, { body, headers: { cookie, origin: url, ...headers } }),
      };
    },
    async tenant(o = {}) {
      const company = await createCompanies({ db: database.db, clock }).create({ name: o.name ?? 'Test Roofing', country: o.country ?? 'AU' });
      return tenantOf(company.id, o.scopes);
    },
    tenantOf,
    async close() {
      await app.close();
      await limiter.close();
      if (!opts.database) await database.close();
    },
  };
}

/** `ql_session=<value>` from a Set-Cookie answer, ready for a Cookie header. */
export function sessionCookieOf(headers: Headers): string {
  const set = headers.getSetCookie().find((c) => c.startsWith('ql_session='));
  if (!set) throw new Error('no session cookie in the answer');
  return set.split(';')[0];
}

/**
 * Makes the database itself refuse some inserts while `run` runs: a trigger raises when `condition`
 * (SQL over NEW) holds. A real failure in the middle of a real transaction, with no switch in src/.
 */
export async function withInsertFailure<T>(
  database: Database,
  o: { name: string; table: 'leads' | 'outbox_events'; when: 'before' | 'after'; condition: string },
  run: () => Promise<T>,
): Promise<T> {
  const db = database.db;
  await db.execute(
    sql.raw(`create or replace function ${o.name}() returns trigger language plpgsql as $$
      begin
        if ${o.condition} then raise exception 'refused by ${o.name}'; end if;
        return new;
      end $$`),
  );
  await db.execute(
    sql.raw(`create or replace trigger ${o.name} ${o.when} insert on ${o.table} for each row execute function ${o.name}()`),
  );
  try {
    return await run();
  } finally {
    await db.execute(sql.raw(`drop trigger if exists ${o.name} on ${o.table}`));
  }
}

/**
 * On PostgreSQL, a database of the calling file's own (`<DATABASE_URL's name>_<suffix>`, made afresh
 * and migrated): for files that run agent turns or jobs by hand, or real worker processes, which the worker tasks of other files
 * sharing the database would otherwise take (and theirs this file's). On PGlite (undefined) every
 * server has its own database already.
 */
export async function databaseOfItsOwn(
  suffix: string,
  o: { poolSize?: number } = {},
): Promise<{ database: Database; url: string; drop(): Promise<void> } | undefined> {
  if (!onPostgres) return undefined;
  const url = new URL(testConfig.databaseUrl!);
  const name = `${url.pathname.slice(1)}_${suffix}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: testConfig.databaseUrl });
    await c.connect();
    await c.query(q).finally(() => c.end());
  };
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: o.poolSize ?? 10 });
  await database.migrate();
  return {
    database,
    // For processes of the test's own (`quoteleads serve`, `worker`) on the same database.
    url: url.toString(),
    async drop() {
      await database.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Waits until `check` holds, looking every 25 ms; throws naming `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Runs what is due in the worker's tasks named `names` (default the jobs task), as a worker would, on
 * `clock`: first moved to just past the database's now, at which jobs a trigger enqueued fall due.
 */
export async function runDueJobs(server: TestServer, clock: Clock & { set(ms: number): void }, names: string[] = ['jobs']) {
  clock.set(Math.max(clock.now(), Date.now() + 1000));
  const quiet = { warn() {}, info() {} };
  const tasks = createWorkerTasks({ config: server.config, database: server.database, clock, log: quiet }).filter((t) => names.includes(t.name));
  for (const task of tasks) while ((await task.runOnce()) > 0);
}
