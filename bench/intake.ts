// npm run bench -- --only intake: leads arriving on PostgreSQL (with Redis, when REDIS_URL is set, for
// the per-address limit), through one `quoteleads serve --no-worker` process, on a database of its own
// (`<name>_bench_intake`, made afresh). Two parts:
//   form     web-form posts to POST /intake/<key> from many client addresses (127.x.y.z, each within
//            the real per-address limit), dedupe on: one post in five repeats a person already posted
//   batch    POST /v1/leads/batch of 500 leads: new leads, then the same batches again (all updates)
// Every post must be answered 200 and every batch item recorded; the leads are counted afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { Agent, fetch as fetchFrom } from 'undici';
import { openDatabase } from '../src/db/client.js';
import { createCompanies } from '../src/features/companies/companies.service.js';
import { createTokens } from '../src/features/tokens/tokens.service.js';
import { ALL_SCOPES } from '../src/auth/scopes.js';
import { systemClock } from '../src/lib/clock.js';
import { waitFor } from './agent.js';

const ADDRESSES = Number(process.env.BENCH_INTAKE_ADDRESSES ?? 500);
const POSTS_PER_ADDRESS = 20; // the default INTAKE_POSTS_PER_ADDRESS_PER_HOUR: every post is within it
const IN_FLIGHT = 32;
const BATCHES = Number(process.env.BENCH_INTAKE_BATCHES ?? 20);
const BATCH_SIZE = 500;
// Batches sent one after another by one client, or by several at once (an integration with workers).
const BATCH_CLIENTS = Number(process.env.BENCH_INTAKE_BATCH_CLIENTS ?? 1);
const TARGET_POSTS = 800;
const FLOOR_BATCH = 2_500;
const PORT = 3902;
const SITE = 'https://www.bench-roofing.example';
const ROOT = path.resolve(import.meta.dirname, '..');
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const phoneOf = (person: number) => `04${String(10_000_000 + person).slice(-8)}`;

export async function runIntakeBench(databaseUrl: string, redisUrl: string | undefined) {
  const url = new URL(databaseUrl);
  const name = `${url.pathname.slice(1) || 'postgres'}_bench_intake`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 2 });
  await database.migrate();
  const company = await createCompanies({ db: database.db, clock: systemClock }).create({ name: 'Intake Bench' });
  const token = await createTokens({ db: database.db, clock: systemClock }).issue({ companyId: company.id, name: 'bench', scopes: ALL_SCOPES });
  await database.close();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url.toString(),
    REDIS_URL: redisUrl ?? '',
    ENCRYPTION_KEY: process.env.ENCRYPTION_KEY || randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    PORT: String(PORT),
    HOST: '127.0.0.1',
    PUBLIC_URL: 'https://api.quoteleads.bench',
    RATE_LIMIT_PER_MINUTE: '1000000000', // the company's API quota is not what the batch part measures
  };
  // BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = process.env.BENCH_SERVE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const serve = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bin/quoteleads.js'), 'serve', '--no-worker'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  process.once('exit', () => serve.exitCode === null && serve.kill('SIGTERM'));
  const base = `http://127.0.0.1:${PORT}`;
  await waitFor(`${base}/health`);
  const api = (method: string, p: string, body: unknown) =>
    fetch(`${base}${p}`, { method, headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  // The company's per-address limit stays as deployed; the per-form text cap too (30 an hour).
  const formRes = await api('POST', '/v1/intake-forms', { name: 'Bench form', allowed_origins: [SITE], min_fill_seconds: 0 });
  const form = (await formRes.json()) as { data: { public_key: string } };
  const postUrl = `${base}/intake/${form.data.public_key}`;

  // Form posts: ADDRESSES clients (127.1.x.y), each posting POSTS_PER_ADDRESS times; IN_FLIGHT at once.
  const total = ADDRESSES * POSTS_PER_ADDRESS;
  const agents = Array.from({ length: ADDRESSES }, (_, i) => new Agent({ localAddress: `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, connections: 1 }));
  const statuses = new Map<number, number>();
  // The endpoint's own ceiling on this machine: the same posts from other addresses with the honeypot
  // filled, answered as accepted and stored nowhere (HTTP, the form, the address limit; no transaction).
  const ceilingAgents = Array.from({ length: ADDRESSES }, (_, i) => new Agent({ localAddress: `127.3.${Math.floor(i / 250)}.${(i % 250) + 1}`, connections: 1 }));
  const send = async (n: number, honeypot: boolean) => {
    // One post in five is a person seen before (the same phone, another form fill): dedupe's path.
    const person = n % 5 === 4 ? n - 4 : n;
    const fields = new URLSearchParams({ name: `Bench Person ${person}`, phone: phoneOf(person), email: `p${person}@bench.example`, message: 'Roof leaks', postcode: '2150', utm_source: 'google' });
    if (honeypot) fields.set('_ql_hp', 'http://spam.example');
    const res = await fetchFrom(postUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', origin: SITE },
      body: fields.toString(),
      dispatcher: (honeypot ? ceilingAgents : agents)[n % ADDRESSES],
    });
    await res.text();
    if (!honeypot) statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  };
  const postAll = async (honeypot: boolean) => {
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let n = next++; n < total; n = next++) await send(n, honeypot);
      }),
    );
    return (performance.now() - start) / 1000;
  };
  // Warm-up, not counted: the server's first posts compile its code paths.
  for (let i = 0; i < 50; i++) {
    const r = await fetchFrom(postUrl, { method: 'POST', headers: { 'content-type': 'application/json', origin: SITE, accept: 'application/json' }, body: JSON.stringify({ name: `Warm ${i}` }), dispatcher: new Agent({ localAddress: `127.2.0.${i + 1}` }) });
    await r.text();
  }
  log(`form: ${total.toLocaleString()} posts from ${ADDRESSES} addresses, ${IN_FLIGHT} in flight`);
  const ceilingSeconds = await postAll(true);
  const formSeconds = await postAll(false);
  const bench = new pg.Client({ connectionString: url.toString() });
  await bench.connect();
  const formLeads = Number((await bench.query(`select count(*) n from leads where source = 'web_form' and name like 'Bench Person %'`)).rows[0].n);
  const held = Number((await bench.query(`select count(*) n from leads where auto_text_held = 'form_cap'`)).rows[0].n);
  const postsPerSecond = total / formSeconds;

  // Batches: BATCHES × 500 new leads, then the same again (each item finds its lead by external_id).
  const batches = Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: BATCH_SIZE }, (_, i) => {
      const n = b * BATCH_SIZE + i;
      return { external_id: `crm-${n}`, name: `Batch Lead ${n}`, phone: `+6141${String(2_000_000 + n).padStart(7, '0')}`, email: `b${n}@bench.example`, source: 'crm' };
    }),
  );
  const runBatches = async (clients: number) => {
    const start = performance.now();
    const counts = { created: 0, updated: 0, errors: 0 };
    let b = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = b++; i < batches.length; i = b++) {
          const res = await api('POST', '/v1/leads/batch', { leads: batches[i] });
          const body = (await res.json()) as typeof counts;
          if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${JSON.stringify(body)}`);
          counts.created += body.created;
          counts.updated += body.updated;
          counts.errors += body.errors;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    return { ...counts, seconds, perSecond: (BATCHES * BATCH_SIZE) / seconds };
  };
  log(`batch: ${BATCHES} × ${BATCH_SIZE} new leads, then the same again`);
  const fresh = await runBatches(BATCH_CLIENTS);
  const again = await runBatches(BATCH_CLIENTS);
  const batchLeads = Number((await bench.query(`select count(*) n from leads where source = 'crm'`)).rows[0].n);

  serve.kill('SIGTERM');
  await Promise.all([...agents, ...ceilingAgents].map((a) => a.close()));
  await bench.end();
  await admin.end();

  const statusText = [...statuses].map(([s, n]) => `${n} × ${s}`).join(', ');
  const people = total - Math.floor(total / 5);
  console.log(`
form posts (dedupe on, ${ADDRESSES} client addresses × ${POSTS_PER_ADDRESS}, ${IN_FLIGHT} in flight): ${total.toLocaleString()} in ${formSeconds.toFixed(1)} s = ${Math.round(postsPerSecond)} posts/s (target ≥ ${TARGET_POSTS}: ${postsPerSecond >= TARGET_POSTS ? 'met' : 'MISSED'})
  ceiling: the same posts with the honeypot filled (answered, nothing stored): ${Math.round(total / ceilingSeconds)} posts/s
  answers: ${statusText}; leads ${formLeads.toLocaleString()} for ${people.toLocaleString()} people; automatic texts held by the form's hourly cap: ${held.toLocaleString()}
batch of ${BATCH_SIZE} (${BATCH_CLIENTS} client${BATCH_CLIENTS > 1 ? 's at once' : ''}), new leads: ${fresh.created.toLocaleString()} created, ${fresh.errors} errors in ${fresh.seconds.toFixed(1)} s = ${Math.round(fresh.perSecond)} leads/s (floor ${FLOOR_BATCH}: ${fresh.perSecond >= FLOOR_BATCH ? 'met' : 'MISSED'})
batch of ${BATCH_SIZE}, the same again: ${again.updated.toLocaleString()} updated, ${again.created} created, ${again.errors} errors in ${again.seconds.toFixed(1)} s = ${Math.round(again.perSecond)} leads/s
  leads from batches: ${batchLeads.toLocaleString()} (expected ${(BATCHES * BATCH_SIZE).toLocaleString()})`);
  const ok = statuses.get(200) === total && formLeads === people && batchLeads === BATCHES * BATCH_SIZE && fresh.errors === 0 && again.created === 0;
  if (!ok) {
    console.error('intake bench: an answer, a lead count or a batch result was not what it must be');
    process.exitCode = 1;
  }
}
