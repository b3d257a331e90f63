// npm run bench -- --only webhooks: webhook delivery on PostgreSQL, one `quoteleads worker` process,
// ten endpoints (one per company) on a local receiver. Three phases:
//   burst   10,000 events committed at once: deliveries per second until the last one arrives
//   steady  10,000 events at an offered 1,000/s: p50/p99 from commit to receipt
//   slow    one endpoint answers in 2 s: the other nine's latency, and the slow one's rate
// It works in a database of its own, `<name>_bench_webhooks`, made afresh on each run.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { outboxEvents } from '../src/db/schema/index.js';
import { createCompanies } from '../src/features/companies/companies.service.js';
import { createWebhooks } from '../src/features/webhooks/webhooks.service.js';
import { createWebhookSender } from '../src/features/webhooks/webhook-sender.js';
import { createSecretBox, parseKey } from '../src/lib/secret-box.js';
import { systemClock } from '../src/lib/clock.js';

const ENDPOINTS = 10;
const EVENTS = 10_000;
const STEADY_RATE = 1_000; // offered events per second
const SLOW_MS = 2_000;
const ROOT = path.resolve(import.meta.dirname, '..');
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

type Receipt = { endpoint: number; latencyMs: number; at: number };

export async function runWebhookBench(databaseUrl: string) {
  const url = new URL(databaseUrl);
  const name = `${url.pathname.slice(1) || 'postgres'}_bench_webhooks`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  url.pathname = `/${name}`;

  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 4 });
  await database.migrate();
  const key = randomBytes(32).toString('base64');
  const secrets = createSecretBox(parseKey(key));

  // The receiver: every body carries `bench_seq`, whose commit time this process noted.
  const committedAt = new Map<number, number>();
  const receipts: Receipt[] = [];
  let slowEndpoint = -1;
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const now = performance.now();
      const endpoint = Number(req.url!.slice(2));
      const seq = JSON.parse(Buffer.concat(chunks).toString('utf8')).data.bench_seq as number;
      const answer = () => res.writeHead(200).end('ok');
      const record = () => receipts.push({ endpoint, latencyMs: performance.now() - committedAt.get(seq)!, at: performance.now() });
      if (endpoint === slowEndpoint) {
        setTimeout(() => (record(), answer()), SLOW_MS);
      } else {
        receipts.push({ endpoint, latencyMs: now - committedAt.get(seq)!, at: now });
        answer();
      }
    });
  });
  receiver.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const port = (receiver.address() as { port: number }).port;

  const companies: string[] = [];
  const webhookSender = createWebhookSender({ allowPrivateTargets: true });
  const webhooks = createWebhooks({
    db: database.db,
    clock: systemClock,
    secrets,
    sender: webhookSender,
    allowPrivateTargets: true,
    publicUrl: 'http://127.0.0.1',
  });
  for (let i = 0; i < ENDPOINTS; i++) {
    const company = await createCompanies({ db: database.db, clock: systemClock }).create({ name: `Webhook Bench ${i}` });
    await webhooks.create(company.id, { url: `http://127.0.0.1:${port}/e${i}`, events: undefined, description: null });
    companies.push(company.id);
  }

  const worker = spawn(process.execPath, [path.join(ROOT, 'bin/quoteleads.js'), 'worker'], {
    env: { ...process.env, DATABASE_URL: url.toString(), REDIS_URL: '', ENCRYPTION_KEY: key, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await new Promise((r) => setTimeout(r, 3000)); // let it start and migrate (nothing to migrate)

  let seq = 0;
  const lead = { name: 'Bench Lead', phone: '+61412345678', email: 'bench@example.com', pipeline_stage: 'new_lead', source: 'bench', notes: 'x'.repeat(300) };
  async function commit(n: number) {
    const rows = Array.from({ length: n }, () => {
      const s = seq++;
      return { companyId: companies[s % ENDPOINTS], eventType: 'lead.created', data: { ...lead, bench_seq: s } };
    });
    await database.db.insert(outboxEvents).values(rows);
    const at = performance.now();
    for (const r of rows) committedAt.set(r.data.bench_seq, at);
  }
  async function waitForReceipts(n: number, ms: number) {
    const deadline = Date.now() + ms;
    while (receipts.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
  /** Offers `total` events at `rate` per second, in commits of 10. */
  async function steady(total: number, rate: number) {
    const started = performance.now();
    for (let sent = 0; sent < total; sent += 10) {
      const due = started + (sent / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await commit(10);
    }
  }

  log(`burst: ${EVENTS.toLocaleString()} events committed at once, ${ENDPOINTS} endpoints`);
  const burstStart = performance.now();
  for (let i = 0; i < EVENTS; i += 1000) await commit(1000);
  await waitForReceipts(EVENTS, 120_000);
  const burstEnd = receipts[receipts.length - 1].at;
  const burst = { delivered: receipts.length, seconds: (burstEnd - burstStart) / 1000 };

  log(`steady: ${EVENTS.toLocaleString()} events offered at ${STEADY_RATE}/s`);
  receipts.length = 0;
  const steadyStart = performance.now();
  await steady(EVENTS, STEADY_RATE);
  await waitForReceipts(EVENTS, 60_000);
  const steadyRes = { delivered: receipts.length, seconds: (receipts[receipts.length - 1].at - steadyStart) / 1000, ...percentiles(receipts) };

  log(`slow: endpoint 0 answers in ${SLOW_MS / 1000} s; 5,000 events offered at 500/s`);
  receipts.length = 0;
  slowEndpoint = 0;
  const slowStart = performance.now();
  await steady(5000, 500);
  const others = () => receipts.filter((r) => r.endpoint !== 0);
  const deadline = Date.now() + 60_000;
  while (others().length < 4500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const slowSeconds = (performance.now() - slowStart) / 1000;
  const slowOnes = receipts.filter((r) => r.endpoint === 0);
  const slowRes = { others: percentiles(others()), othersDelivered: others().length, slowDelivered: slowOnes.length, seconds: slowSeconds };

  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  receiver.close();
  await webhookSender.close();
  await database.close();

  console.log(`
Webhook delivery: ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}, PostgreSQL database ${name}
One worker process (WEBHOOK_MAX_IN_FLIGHT 64, WEBHOOK_MAX_PER_ENDPOINT 4), ${ENDPOINTS} endpoints on a local receiver.

| phase | events | delivered | deliveries/s | p50 commit→receipt | p99 commit→receipt |
|---|---:|---:|---:|---:|---:|
| burst (all committed at once) | ${EVENTS} | ${burst.delivered} | ${Math.round(burst.delivered / burst.seconds)} | - | - |
| steady, ${STEADY_RATE}/s offered | ${EVENTS} | ${steadyRes.delivered} | ${Math.round(steadyRes.delivered / steadyRes.seconds)} | ${steadyRes.p50} ms | ${steadyRes.p99} ms |
| slow endpoint 0 (2 s answers), 500/s offered: the other 9 | 4500 | ${slowRes.othersDelivered} | - | ${slowRes.others.p50} ms | ${slowRes.others.p99} ms |
| slow endpoint 0 itself, over ${slowRes.seconds.toFixed(1)} s | 500 | ${slowRes.slowDelivered} | ${(slowRes.slowDelivered / slowRes.seconds).toFixed(1)} | - | - |
`);
}

function percentiles(rs: Receipt[]) {
  const sorted = rs.map((r) => r.latencyMs).sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  return { p50: at(0.5), p99: at(0.99) };
}

// Run directly (node --import tsx bench/webhooks.ts) or through npm run bench -- --only webhooks.
if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.error('The webhook bench runs on PostgreSQL: set DATABASE_URL.');
    process.exit(2);
  }
  await runWebhookBench(config.databaseUrl);
}

