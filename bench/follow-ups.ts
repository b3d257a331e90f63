// npm run bench -- --only follow-ups: follow-up steps falling due at once, on PostgreSQL. 1,000
// companies, each with its own Twilio number and the lead nurture on; 100 leads each; 100,000 steps
// due at the same instant (planned straight into the queue, as the triggers plan them), sent by
// `quoteleads worker` processes through the one send path to the fake Twilio (test/fake-twilio.ts) in
// this process. Three phases, on a database of its own (`<name>_bench_follow_ups`, made afresh):
//   idle    one worker, nothing due: the bench database's transactions per second (each statement
//           outside a transaction is one) over IDLE_SECONDS
//   one     100,000 steps due at once, one worker: sends per second until the last reaches Twilio
//   two     100,000 more (the next step of each lead), two workers
// Every step must reach Twilio exactly once. The queue paces follow-ups per company (one a second
// from its number, as Twilio's queue would send them): per number, the shortest gap between two texts
// handed to Twilio and the most in any one clock second are reported.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { automations } from '../src/db/schema/index.js';
import { createCompanies } from '../src/features/companies/companies.service.js';
import { systemClock } from '../src/lib/clock.js';
import { startFakeTwilio, type SentMessage } from '../test/fake-twilio.js';

// The sizes can be made smaller for a quick look (the figures reported are from the defaults).
const COMPANIES = Number(process.env.BENCH_FOLLOW_UP_COMPANIES ?? 1_000);
const LEADS_PER_COMPANY = Number(process.env.BENCH_FOLLOW_UP_LEADS ?? 100);
const STEPS = COMPANIES * LEADS_PER_COMPANY;
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const TARGET_PER_SECOND = 500;
const TARGET_IDLE = 2;
const ROOT = path.resolve(import.meta.dirname, '..');
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Phase = { workers: number; steps: number; sent: number; duplicates: number; seconds: number; perSecond: number; maxPerNumberPerSecond: number; shortestGapMs: number };

export async function runFollowUpBench(databaseUrl: string) {
  const url = new URL(databaseUrl);
  const name = `${url.pathname.slice(1) || 'postgres'}_bench_follow_ups`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  url.pathname = `/${name}`;

  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 4 });
  await database.migrate();
  const sentAt: { message: SentMessage; at: number }[] = [];
  const twilio = await startFakeTwilio({ onSent: (message) => sentAt.push({ message, at: performance.now() }) });

  log(`seeding ${COMPANIES} companies, ${STEPS.toLocaleString()} leads`);
  const companyService = createCompanies({ db: database.db, clock: systemClock });
  const companyIds: string[] = [];
  for (let i = 0; i < COMPANIES; i++) {
    const c = await companyService.create({
      name: `Follow-up Bench ${i}`,
      smsCredits: 1_000,
      twilioNumber: `+614915${String(i).padStart(5, '0')}`,
      timezone: 'Australia/Sydney',
      // The run must not wait for the morning: no quiet hours, Sundays allowed.
      quietHours: null,
      followUpsOnSundays: true,
    });
    companyIds.push(c.id);
  }
  const now = new Date();
  await database.db.insert(automations).values(
    companyIds.map((companyId) => ({
      companyId,
      kind: 'lead_nurture' as const,
      enabled: true,
      steps: [
        { offset_minutes: 60, text: 'Hi {first_name}, just checking you got our message.' },
        { offset_minutes: 1440, text: 'Hi {first_name}, are you still after a quote?' },
      ],
      createdAt: now,
      updatedAt: now,
    })),
  );
  const bench = new pg.Client({ connectionString: url.toString() });
  await bench.connect();
  await bench.query(
    `insert into leads (company_id, name, first_name, phone, source)
     select c.id, 'Bench Lead ' || n, 'Sam', '+61412' || lpad((row_number() over ())::text, 6, '0'), 'bench'
       from companies c cross join generate_series(1, $1) n`,
    [LEADS_PER_COMPANY],
  );
  /** Every lead's step `step` of the nurture, due now: what the triggers plan, written at once. */
  const planSteps = async (step: number) =>
    bench.query(
      `insert into jobs (kind, company_id, lead_id, unique_key, run_at, payload)
       select 'follow_up', l.company_id, l.id, 'lead_nurture:bench:' || l.id || ':' || $1::int, now(),
              jsonb_build_object('sequence', 'lead_nurture', 'step', $1::int, 'text', a.steps->$1::int->>'text',
                                 'offset_minutes', (a.steps->$1::int->>'offset_minutes')::int, 'anchor_id', 'bench:' || l.id,
                                 'anchor_at', now())
         from leads l join automations a on a.company_id = l.company_id and a.kind = 'lead_nurture'`,
      [step],
    );
  const commits = async () => Number((await admin.query(`select xact_commit from pg_stat_database where datname = $1`, [name])).rows[0].xact_commit);

  const key = randomBytes(32).toString('base64');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url.toString(),
    REDIS_URL: '',
    ENCRYPTION_KEY: key,
    LOG_LEVEL: 'warn',
    PUBLIC_URL: 'https://api.quoteleads.bench',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_API_BASE_URL: twilio.url,
  };
  const workers: ChildProcess[] = [];
  const startWorker = () => {
    // BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the workers.
    const nodeArgs = process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const w = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bin/quoteleads.js'), 'worker'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    workers.push(w);
    return w;
  };
  process.once('exit', () => workers.forEach((w) => w.exitCode === null && w.kill('SIGTERM')));

  startWorker();
  await sleep(5_000); // started, listening, its first looks done
  log(`idle: one worker, nothing due, ${IDLE_SECONDS} s`);
  // The queue's own cost: scans of the jobs table (a look is a few); the database's as a whole, which
  // includes the webhook task's outbox poll every 100 ms. The admin connection reads
  // pg_stat_database from the maintenance database, and this connection pg_stat_user_tables: neither counts.
  const jobScans = async () => Number((await bench.query(`select coalesce(seq_scan, 0) + coalesce(idx_scan, 0) n from pg_stat_user_tables where relname = 'jobs'`)).rows[0].n);
  const idleBefore = await commits();
  const scansBefore = await jobScans();
  await sleep(IDLE_SECONDS * 1000);
  const idlePerSecond = ((await commits()) - idleBefore) / IDLE_SECONDS;
  const jobScansPerSecond = ((await jobScans()) - scansBefore) / IDLE_SECONDS;

  async function phase(step: number, workerCount: number): Promise<Phase> {
    while (workers.filter((w) => w.exitCode === null).length < workerCount) startWorker();
    if (workerCount > 1) await sleep(5_000);
    const from = sentAt.length;
    log(`${workerCount} worker(s): ${STEPS.toLocaleString()} steps due at once`);
    const started = performance.now();
    await planSteps(step);
    const deadline = Date.now() + 1_800_000;
    while (sentAt.length - from < STEPS && Date.now() < deadline) await sleep(50);
    await sleep(2_000); // anything sent twice would come now
    const mine = sentAt.slice(from);
    const seconds = ((mine.at(-1)?.at ?? started) - started) / 1000;
    const perNumber = new Map<string, number>();
    for (const s of mine) {
      const k = `${s.message.from}@${Math.floor(s.at / 1000)}`;
      perNumber.set(k, (perNumber.get(k) ?? 0) + 1);
    }
    const lastFrom = new Map<string, number>();
    let shortestGapMs = Infinity;
    for (const s of mine) {
      const last = lastFrom.get(s.message.from);
      if (last !== undefined) shortestGapMs = Math.min(shortestGapMs, s.at - last);
      lastFrom.set(s.message.from, s.at);
    }
    const distinct = new Set(mine.map((s) => `${s.message.to}:${s.message.body}`)).size;
    return {
      workers: workerCount,
      steps: STEPS,
      sent: mine.length,
      duplicates: mine.length - distinct,
      seconds,
      perSecond: Math.round(mine.length / seconds),
      maxPerNumberPerSecond: Math.max(...perNumber.values()),
      shortestGapMs,
    };
  }
  const one = await phase(0, 1);
  const two = await phase(1, 2);
  const outcomes = (await bench.query(`select status, outcome->>'result' result, count(*)::int n from jobs where kind = 'follow_up' group by 1, 2 order by 1, 2`)).rows;

  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
  await bench.end();
  await admin.end();
  await twilio.close();
  await database.close();

  const row = (p: Phase) =>
    `| ${p.workers} | ${p.steps.toLocaleString()} | ${p.sent.toLocaleString()} | ${p.duplicates} | ${p.seconds.toFixed(1)} | ${p.perSecond} | ${p.shortestGapMs.toFixed(0)} | ${p.maxPerNumberPerSecond} |`;
  console.log(`
Follow-up steps: ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}, PostgreSQL database ${name}
${COMPANIES} companies (one Twilio number each), ${LEADS_PER_COMPANY} leads each; the fake Twilio in the bench process.

| workers | steps due at once | sent | sent twice | seconds | sends/s (target ≥ ${TARGET_PER_SECOND} with one) | shortest gap between two from one number (ms) | most from one number in a clock second |
|---|---:|---:|---:|---:|---:|---:|---:|
${row(one)}
${row(two)}

Idle, one worker, nothing due: ${jobScansPerSecond.toFixed(2)} scans/s of the jobs table (the queue's own statements are fewer; target ≤ ${TARGET_IDLE}/s);
${idlePerSecond.toFixed(2)} transactions/s in the bench database as a whole (the webhook task's outbox poll every 100 ms is most of them).
Jobs afterwards: ${outcomes.map((o) => `${o.status}/${o.result ?? '-'} ${o.n}`).join(', ')}
`);
}

// Run directly (node --import tsx bench/follow-ups.ts) or through npm run bench -- --only follow-ups.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadConfig } = await import('../src/config.js');
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.error('The follow-up bench runs on PostgreSQL: set DATABASE_URL.');
    process.exit(2);
  }
  await runFollowUpBench(config.databaseUrl);
}
