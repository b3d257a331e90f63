// npm run bench: seeds PostgreSQL with 1,000,000 leads over 100 companies plus one company of 300,000,
// then drives the API with autocannon (a separate process, 32 connections) beside a bare node:http
// ceiling measured in the same run. See bench/README.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { createCompanies } from '../src/features/companies/companies.service.js';
import { createTokens } from '../src/features/tokens/tokens.service.js';
import { ALL_SCOPES } from '../src/auth/scopes.js';
import { systemClock } from '../src/lib/clock.js';
import { seedAppointments, seedLeads, seedQuotes } from './seed.js';

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    reseed: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' }, // --only agent: a directory for the worker's and server's CPU profiles // run only the rows whose request contains this text (or one of several, comma-separated)
  },
});
const SMALL_COMPANIES = 100;
const SMALL_LEADS = 10_000;
const LARGE_LEADS = 300_000;
// 200,000 quotes and 100,000 appointments: 1,000 and 500 in each small company, the rest in the large one.
const SMALL_QUOTES = 1_000;
const LARGE_QUOTES = 100_000;
const SMALL_APPOINTMENTS = 500;
const LARGE_APPOINTMENTS = 50_000;
const PORT = 3900;
const CEILING_PORT = 3901;
const ROOT = path.resolve(import.meta.dirname, '..');

const config = loadConfig();
if (!config.databaseUrl) {
  console.error('npm run bench runs on PostgreSQL: set DATABASE_URL (a database named <name>_bench is made beside it).');
  process.exit(2);
}
const benchUrl = new URL(config.databaseUrl);
const benchDb = `${benchUrl.pathname.slice(1) || 'postgres'}_bench`;
benchUrl.pathname = `/${benchDb}`;

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function prepareDatabase() {
  const admin = new pg.Client({ connectionString: config.databaseUrl });
  await admin.connect();
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [benchDb])).rowCount === 1;
  if (exists && opts.reseed) await admin.query(`drop database ${benchDb} with (force)`);
  if (!exists || opts.reseed) await admin.query(`create database ${benchDb}`);
  await admin.end();

  const database = await openDatabase({ databaseUrl: benchUrl.toString(), poolSize: 4 });
  await database.migrate();
  const db = database.db;
  const seeded = await db.execute(sql`select count(*)::int n from companies where name like 'Bench %'`);
  if ((seeded as unknown as { rows: { n: number }[] }).rows[0].n !== SMALL_COMPANIES + 1) {
    log(`seeding ${SMALL_COMPANIES} companies × ${SMALL_LEADS} leads and one of ${LARGE_LEADS}`);
    const started = Date.now();
    // Bulk loading: queue the search index's entries and merge them once at the end, rather than
    // updating the index row by row (drizzle/0003 turns that queue off for normal traffic).
    await db.execute(sql`alter index leads_search_keys_idx set (fastupdate = on)`);
    let offset = 0;
    for (let i = 0; i < SMALL_COMPANIES; i++) {
      const c = await createCompanies({ db, clock: systemClock }).create({ name: `Bench Small ${i + 1}` });
      await seedLeads(db, c.id, SMALL_LEADS, offset);
      offset += SMALL_LEADS;
      if ((i + 1) % 20 === 0) log(`  ${offset.toLocaleString()} leads`);
    }
    const large = await createCompanies({ db, clock: systemClock }).create({ name: 'Bench Large' });
    await seedLeads(db, large.id, LARGE_LEADS, offset);
    await db.execute(sql`select gin_clean_pending_list('leads_search_keys_idx'::regclass)`);
    await db.execute(sql`alter index leads_search_keys_idx set (fastupdate = off)`);
    await db.execute(sql`vacuum analyze leads`);
    await db.execute(sql`vacuum analyze lead_counters`);
    // Write the seed out now rather than during the measured rows (needs superuser; optional).
    await db.execute(sql`checkpoint`).catch(() => log('no CHECKPOINT permission: the first rows may pay for it'));
    log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  await seedQuotesAndAppointments(db);
  const companies = (
    (await db.execute(sql`select id, name from companies where name in ('Bench Small 50', 'Bench Large')`)) as unknown as {
      rows: { id: string; name: string }[];
    }
  ).rows;
  const tenants = [];
  for (const label of ['small', 'large'] as const) {
    const c = companies.find((x) => x.name === (label === 'small' ? 'Bench Small 50' : 'Bench Large'))!;
    const token = await createTokens({ db, clock: systemClock }).issue({ companyId: c.id, name: 'bench', scopes: ALL_SCOPES });
    // Part of a real email of this company: the local part without its first letters.
    const email = (
      (await db.execute(sql`select email from leads where company_id = ${c.id} and source = 'website' order by created_at desc offset 1234 limit 1`)) as unknown as {
        rows: { email: string }[];
      }
    ).rows[0].email;
    tenants.push({ label, companyId: c.id, token: token.token, search: email.slice(3, email.indexOf('@')) });
  }
  await database.close();
  return tenants;
}

/** Seeds quotes and appointments when they are missing (a database seeded before they existed gets them). */
async function seedQuotesAndAppointments(db: Awaited<ReturnType<typeof openDatabase>>['db']) {
  const count = async (q: ReturnType<typeof sql>) => ((await db.execute(q)) as unknown as { rows: { n: number }[] }).rows[0].n;
  const quotes = SMALL_COMPANIES * SMALL_QUOTES + LARGE_QUOTES;
  const appointments = SMALL_COMPANIES * SMALL_APPOINTMENTS + LARGE_APPOINTMENTS;
  const companies = ((await db.execute(sql`select id, name from companies where name like 'Bench %' order by name`)) as unknown as {
    rows: { id: string; name: string }[];
  }).rows;
  const size = (c: { name: string }) => (c.name === 'Bench Large' ? 'large' : 'small');
  if ((await count(sql`select count(*)::int n from quotes`)) !== quotes) {
    log(`seeding ${quotes.toLocaleString()} quotes`);
    await db.execute(sql`delete from quotes`);
    for (const c of companies) await seedQuotes(db, c.id, size(c) === 'large' ? LARGE_QUOTES : SMALL_QUOTES);
    await db.execute(sql`vacuum analyze quotes`);
    await db.execute(sql`vacuum analyze quote_line_items`);
    await db.execute(sql`vacuum analyze quote_status_counts`);
  }
  if ((await count(sql`select count(*)::int n from appointments`)) !== appointments) {
    log(`seeding ${appointments.toLocaleString()} appointments`);
    await db.execute(sql`delete from appointments`);
    for (const c of companies) await seedAppointments(db, c.id, size(c) === 'large' ? LARGE_APPOINTMENTS : SMALL_APPOINTMENTS);
    await db.execute(sql`vacuum analyze appointments`);
    await db.execute(sql`vacuum analyze appointment_counts`);
  }
}

function startProcess(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return child;
}

async function waitFor(url: string) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

type Result = { rps: number; p50: number; p99: number; non2xx: number; errors: number };

function autocannon(
  url: string,
  o: { token?: string; method?: string; body?: string; duration?: string; headers?: Record<string, string> } = {},
): Promise<Result> {
  const args = [
    path.join(ROOT, 'node_modules/autocannon/autocannon.js'),
    '-c', opts.connections!, '-d', o.duration ?? opts.duration!, '-j',
  ];
  if (o.token) args.push('-H', `authorization=Bearer ${o.token}`);
  for (const [name, value] of Object.entries(o.headers ?? {})) args.push('-H', `${name}=${value}`);
  if (o.method) args.push('-m', o.method);
  if (o.body) args.push('-H', 'content-type=application/json', '-b', o.body);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}`));
      const r = JSON.parse(out);
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
    });
  });
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function main() {
  // Webhook delivery has a bench of its own, on a database of its own (bench/webhooks.ts).
  if (opts.only === 'webhooks') return (await import('./webhooks.js')).runWebhookBench(config.databaseUrl!);
  // So have follow-ups (bench/follow-ups.ts).
  if (opts.only === 'follow-ups') return (await import('./follow-ups.js')).runFollowUpBench(config.databaseUrl!);
  // So has the lead agent (bench/agent.ts).
  if (opts.only === 'agent') return (await import('./agent.js')).runAgentBench(config.databaseUrl!, config.redisUrl, { cpuProfDir: opts['cpu-prof'] });
  // And intake: web-form posts and batch upserts (bench/intake.ts).
  if (opts.only === 'intake') return (await import('./intake.js')).runIntakeBench(config.databaseUrl!, config.redisUrl);
  const tenants = await prepareDatabase();
  const server = startProcess([path.join(ROOT, 'bin/quoteleads.js'), 'serve', '--no-worker'], {
    ...process.env,
    DATABASE_URL: benchUrl.toString(),
    REDIS_URL: '',
    PORT: String(PORT),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000000', // raised for the run: the limit is not what is measured
    ENCRYPTION_KEY: process.env.ENCRYPTION_KEY || randomBytes(32).toString('base64'), // required on PostgreSQL
  });
  const base = `http://127.0.0.1:${PORT}`;
  await waitFor(`${base}/health`);

  // The ceiling answers a body of 25 leads of the real shape.
  const sample = await fetch(`${base}/v1/leads`, { headers: { authorization: `Bearer ${tenants[0].token}` } });
  const bodyFile = path.join(os.tmpdir(), `ql-bench-body-${process.pid}.json`);
  fs.writeFileSync(bodyFile, Buffer.from(await sample.arrayBuffer()));
  const bare = startProcess(['--import', 'tsx', path.join(ROOT, 'bench/bare-server.ts'), bodyFile, String(CEILING_PORT)], process.env);
  await waitFor(`http://127.0.0.1:${CEILING_PORT}/`);

  log('warming up');
  await autocannon(`${base}/v1/leads`, { token: tenants[0].token, duration: '5' });
  await autocannon(`http://127.0.0.1:${CEILING_PORT}/`, { duration: '3' });

  // The ceiling moves with whatever else this small machine is doing: it is measured before and after
  // the API rows, and the ratios use the higher of the two (the less flattering choice).
  log('ceiling: bare node:http, fixed body of 25 leads');
  const ceilingBefore = await autocannon(`http://127.0.0.1:${CEILING_PORT}/`);

  const measured: { name: string; company: string; r: Result }[] = [];
  const newLead = JSON.stringify({ name: 'Bench Lead', phone: '0412 345 678', email: 'bench@example.com', source: 'bench', value: 1200 });
  for (const t of tenants) {
    const reads: [string, string][] = [
      ['GET /v1/leads', '/v1/leads'],
      ['GET /v1/leads?stage=quoted', '/v1/leads?stage=quoted'],
      [`GET /v1/leads?search=${t.search}`, `/v1/leads?search=${encodeURIComponent(t.search)}`],
      ['GET /v1/pipeline', '/v1/pipeline'],
      ['GET /v1/quotes', '/v1/quotes'],
      ['GET /v1/appointments', '/v1/appointments'],
    ];
    // Each read twice: as clients send it (a repeated page comes from the server's list cache), and
    // with Cache-Control: no-cache, which makes every request read the database.
    const scenarios: [string, string, { method?: string; body?: string; headers?: Record<string, string> }][] = [
      ...reads.map(([name, p]): [string, string, object] => [name, p, {}]),
      ...reads.map(([name, p]): [string, string, object] => [`${name} (no-cache)`, p, { headers: { 'cache-control': 'no-cache' } }]),
      ['POST /v1/leads', '/v1/leads', { method: 'POST', body: newLead }],
    ];
    const only = opts.only?.split(',');
    for (const [name, p, o] of scenarios) {
      if (only && !only.some((text) => name.includes(text))) continue;
      log(`${name} (${t.label} company)`);
      await autocannon(base + p, { token: t.token, ...o, duration: '2' }); // warm-up, not counted
      measured.push({ name, company: t.label, r: await autocannon(base + p, { token: t.token, ...o }) });
    }
  }
  log('ceiling again');
  const ceilingAfter = await autocannon(`http://127.0.0.1:${CEILING_PORT}/`);
  bare.kill();
  const ceiling = Math.max(ceilingBefore.rps, ceilingAfter.rps);
  const rows = [
    { name: 'bare node:http, before the API rows', company: '-', r: ceilingBefore },
    { name: 'bare node:http, after the API rows', company: '-', r: ceilingAfter },
    ...measured,
  ].map(
    ({ name, company, r }) =>
      `| ${name} | ${company} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.p50} | ${r.p99} | ${((100 * r.rps) / ceiling).toFixed(1)}% |${
        r.non2xx || r.errors ? ` ${r.non2xx} non-2xx, ${r.errors} errors` : ''
      }`,
  );
  const rss = peakRssMb(server.pid!);
  server.kill('SIGTERM');
  fs.rmSync(bodyFile, { force: true });

  console.log(`
Machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}
autocannon: ${opts.connections} connections, ${opts.duration} s per row; latencies in ms; PostgreSQL database ${benchDb}

| request | company | req/s | p50 | p99 | of the higher ceiling |
|---|---|---:|---:|---:|---:|
${rows.join('\n')}

API server peak RSS: ${rss.toFixed(0)} MB
`);
}

await main();
