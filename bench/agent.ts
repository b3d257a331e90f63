// npm run bench -- --only agent: the lead agent under load, on PostgreSQL (and Redis when REDIS_URL is
// set). One company with the agent on; 500 distinct numbers each text in once, as signed Twilio
// webhooks spread over 10 s, to a `quoteleads serve --no-worker` process; one `quoteleads worker`
// process runs the turns (its `agent` task) and replies through Twilio. Twilio and the model are fakes
// in this process (test/fake-twilio.ts, test/fake-openai.ts). Two rows, each on a database and
// processes of their own (`<name>_bench_agent`, made afresh):
//   llm    the model answers each request after 300 ms: first a send_reply tool call, then (given the
//          tool's result) a final answer with no tool call, so 2 model round trips (600 ms) per turn
//   rules  the rules engine, no model
// For each number: the time from the inbound webhook POST to its reply reaching the fake Twilio
// (p50/p99), turns per second, that every number got exactly one reply, and the CPU time per turn
// of the worker and serve processes (/proc/<pid>/stat utime+stime; the fake model is not in them).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { createCompanies } from '../src/features/companies/companies.service.js';
import { createTokens } from '../src/features/tokens/tokens.service.js';
import { ALL_SCOPES } from '../src/auth/scopes.js';
import { systemClock } from '../src/lib/clock.js';
import { startFakeTwilio, type SentMessage } from '../test/fake-twilio.js';
import { startFakeOpenAI, type ChatRequest, type ScriptedAnswer } from '../test/fake-openai.js';

const LEADS = 500;
const SPREAD_MS = 10_000;
const WARM_UP_LEADS = 5;
const MODEL_DELAY_MS = 300;
const PORT = 3902;
const PUBLIC_URL = 'https://api.quoteleads.bench';
const COMPANY_NUMBER = '+61491570100';
const ANSWER_TIMEOUT_MS = 300_000;
const TARGET_P99_MS = 3_000;
const TARGET_CPU_MS = 10;
const ROOT = path.resolve(import.meta.dirname, '..');
const CLK_TCK = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Engine = 'llm' | 'rules';
type Row = {
  engine: Engine;
  leads: number;
  answered: number;
  unanswered: string[];
  duplicates: { number: string; replies: number }[];
  p50: number;
  p99: number;
  max: number;
  turnsPerSecond: number;
  seconds: number;
  modelRequests: number;
  cpuMsPerTurn: { worker: number; serve: number; postgres: number };
  jobs: { status: string; result: string | null; n: number; attempts: number }[];
  replyTexts: number;
  batches: { claims: number; turnClaims: number; quickClaims: number; jobsPerTurnClaim: number; turnsPerTurnClaim: number; turnClaimMs: number; quickClaimMs: number };
  /** Transactions committed in the bench database (every statement outside a transaction is one), per turn. */
  pgCommitsPerTurn: number;
  /** The mean size of a request to the model, in bytes. */
  modelRequestBytes: number;
  window: { fromUs: number; toUs: number };
};

/** CPU seconds (user + system, all threads) a process has used so far. */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
  } catch {
    return 0; // gone
  }
}

/** Resolves once `url` answers 2xx (a server the bench started is up). */
export async function waitFor(url: string) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not come up`);
}

function percentile(sorted: number[], q: number) {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
}

export type AgentBenchOptions = {
  /** A directory: the worker and serve processes run with --cpu-prof and write their profiles there. */
  cpuProfDir?: string;
};

/** The monotonic clock in µs, the one V8's CPU profiles are stamped with. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function runEngine(databaseUrl: string, redisUrl: string | undefined, engine: Engine, o: AgentBenchOptions): Promise<Row> {
  const url = new URL(databaseUrl);
  const name = `${url.pathname.slice(1) || 'postgres'}_bench_agent`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  url.pathname = `/${name}`;

  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 2 });
  await database.migrate();
  const company = await createCompanies({ db: database.db, clock: systemClock }).create({ name: `Agent Bench (${engine})` });
  await createCompanies({ db: database.db, clock: systemClock }).change(company.id, { smsCredits: 100_000, twilioNumber: COMPANY_NUMBER });
  const token = await createTokens({ db: database.db, clock: systemClock }).issue({ companyId: company.id, name: 'bench', scopes: ALL_SCOPES });
  await database.close(); // its connections would count among the database's backends below

  // Replies as the fake Twilio accepts them, per number, and when the first one came.
  const sentAt = new Map<string, number>();
  const replyAt = new Map<string, number>();
  const repliesTo = new Map<string, SentMessage[]>();
  const twilio = await startFakeTwilio({
    onSent: (m) => {
      if (!replyAt.has(m.to)) replyAt.set(m.to, performance.now());
      const list = repliesTo.get(m.to) ?? [];
      list.push(m);
      repliesTo.set(m.to, list);
    },
  });
  const model = await startFakeOpenAI();
  // Each turn: a send_reply call, then, once the tool's result is in the conversation, a final answer.
  model.respond(async (request: ChatRequest): Promise<ScriptedAnswer> => {
    const last = request.body.messages.at(-1);
    if (last?.role === 'tool') return { content: 'Replied; waiting for the customer.', delayMs: MODEL_DELAY_MS };
    return {
      toolCalls: [{ name: 'send_reply', arguments: { text: 'Thanks for your message! What suburb or postcode is the job in?' } }],
      delayMs: MODEL_DELAY_MS,
    };
  });

  const key = process.env.ENCRYPTION_KEY || randomBytes(32).toString('base64');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url.toString(),
    REDIS_URL: redisUrl ?? '',
    ENCRYPTION_KEY: key,
    LOG_LEVEL: 'warn',
    PORT: String(PORT),
    HOST: '127.0.0.1',
    PUBLIC_URL,
    RATE_LIMIT_PER_MINUTE: '1000000000', // raised for the run: the limit is not what is measured
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_API_BASE_URL: twilio.url,
    AI_BASE_URL: model.url,
    AI_API_KEY: model.apiKey,
    AI_MODEL: 'bench-model',
  };
  // A directory per process: each thread writes a profile of its own (tsx's loader thread too).
  const profile = (label: string) => (o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(o.cpuProfDir, `${engine}-${label}`)}`] : []);
  const start = (args: string[]): ChildProcess =>
    spawn(process.execPath, [...profile(args[0]), path.join(ROOT, 'bin/quoteleads.js'), ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const serve = start(['serve', '--no-worker']);
  const base = `http://127.0.0.1:${PORT}`;
  await waitFor(`${base}/health`);
  const worker = start(['worker']);
  const killChildren = () => [serve, worker].forEach((p) => p.exitCode === null && p.kill('SIGTERM'));
  process.once('exit', killChildren); // a run that throws leaves no server behind
  twilio.deliverTo(base, PUBLIC_URL);

  const on = await fetch(`${base}/v1/agent`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true, engine }),
  });
  if (on.status !== 200) throw new Error(`PATCH /v1/agent answered ${on.status}: ${await on.text()}`);

  const inboundFailures: string[] = [];
  async function textIn(number: string, body: string) {
    sentAt.set(number, performance.now());
    const res = await twilio.postInbound({ from: number, to: COMPANY_NUMBER, body });
    if (res.status !== 200) inboundFailures.push(`${number}: ${res.status} ${await res.text()}`);
  }
  const answered = (numbers: string[]) => numbers.filter((n) => repliesTo.has(n)).length;
  async function waitForAnswers(numbers: string[], ms: number) {
    const deadline = Date.now() + ms;
    while (answered(numbers) < numbers.length && Date.now() < deadline) await sleep(20);
  }
  // The admin connection is on the maintenance database: read the bench database through its own.
  const bench = new pg.Client({ connectionString: url.toString() });
  await bench.connect();
  const benchPid = (await bench.query('select pg_backend_pid() pid')).rows[0].pid as number;
  const pendingTurns = async () =>
    (await bench.query(`select count(*)::int n from jobs where kind = 'agent_turn' and status = 'pending'`)).rows[0].n as number;
  const postgresPids = async () =>
    (await admin.query(`select pid from pg_stat_activity where datname = $1 and pid <> $2`, [name, benchPid])).rows.map((r) => r.pid as number);

  // Warm-up: a few numbers text in and are answered before anything is measured (the worker's first
  // turn loads and compiles the agent's modules).
  const warmUp = Array.from({ length: WARM_UP_LEADS }, (_, i) => `+6141999${String(i).padStart(4, '0')}`);
  log(`${engine}: warm-up, ${WARM_UP_LEADS} numbers`);
  await Promise.all(warmUp.map((n) => textIn(n, 'Hi, I need a quote for new gutters')));
  await waitForAnswers(warmUp, 60_000);
  if (answered(warmUp) < WARM_UP_LEADS) throw new Error(`${engine}: warm-up numbers unanswered after 60 s`);
  for (let i = 0; i < 100 && (await pendingTurns()) > 0; i++) await sleep(100);
  await sleep(500);
  const modelRequestsBefore = model.requests.length;

  const numbers = Array.from({ length: LEADS }, (_, i) => `+61412${String(i).padStart(6, '0')}`);
  const pidsBefore = await postgresPids();
  const pgBefore = new Map(pidsBefore.map((pid) => [pid, cpuSeconds(pid)]));
  const cpuBefore = { worker: cpuSeconds(worker.pid!), serve: cpuSeconds(serve.pid!) };
  const commits = async () => Number((await admin.query(`select xact_commit from pg_stat_database where datname = $1`, [name])).rows[0].xact_commit);
  const commitsBefore = await commits();

  log(`${engine}: ${LEADS} numbers text in over ${SPREAD_MS / 1000} s`);
  const started = performance.now();
  const window = { fromUs: monotonicUs(), toUs: 0 };
  const posts: Promise<void>[] = [];
  for (let i = 0; i < LEADS; i++) {
    const wait = started + (i * SPREAD_MS) / LEADS - performance.now();
    if (wait > 0) await sleep(wait);
    posts.push(textIn(numbers[i], 'Hi, I need a quote for new gutters'));
  }
  await Promise.all(posts);
  await waitForAnswers(numbers, ANSWER_TIMEOUT_MS);
  // Let the queue drain (each new lead has a second turn, its text's, which finds it answered).
  for (let i = 0; i < 600 && (await pendingTurns()) > 0; i++) await sleep(100);
  const cpuAfter = { worker: cpuSeconds(worker.pid!), serve: cpuSeconds(serve.pid!) };
  window.toUs = monotonicUs();
  // The statistics collector reports with a delay of up to a second.
  await sleep(1500);
  const commitsAfter = await commits();
  const pidsAfter = await postgresPids();
  let pgCpu = 0;
  for (const pid of new Set([...pidsBefore, ...pidsAfter])) pgCpu += cpuSeconds(pid) - (pgBefore.get(pid) ?? 0);
  // Any late duplicate would show up within a few seconds more.
  await sleep(3000);

  const latencies: number[] = [];
  const duplicates: { number: string; replies: number }[] = [];
  const unanswered: string[] = [];
  let lastAt = 0;
  for (const n of numbers) {
    const replies = repliesTo.get(n) ?? [];
    if (replies.length === 0) unanswered.push(n);
    if (replies.length > 1) duplicates.push({ number: n, replies: replies.length });
  }
  const measured = new Set(numbers);
  for (const [n, at] of replyAt) {
    if (!measured.has(n)) continue;
    latencies.push(at - sentAt.get(n)!);
    lastAt = Math.max(lastAt, at);
  }
  latencies.sort((a, b) => a - b);
  const seconds = (lastAt - started) / 1000;
  const turns = numbers.length - unanswered.length;
  const jobs = (
    await bench.query(
      `select status, outcome->>'result' as result, count(*)::int n, max(attempts)::int attempts from jobs where kind = 'agent_turn' group by 1, 2 order by 3 desc`,
    )
  ).rows as Row['jobs'];
  const replyTexts = [...repliesTo.values()].reduce((s, l) => s + l.length, 0);
  // The worker's claims (batches of up to 10 jobs, run side by side): how many, of what, and how long
  // from one claim's last finish to the next's (a claim's start is not kept; its jobs' finishes are).
  const claims = (
    await bench.query(`
      select claim_id, count(*)::int n, count(*) filter (where outcome->>'result' <> 'answered_already')::int turns,
        bool_and(outcome->>'result' = 'answered_already') quick,
        extract(epoch from max(finished_at)) * 1000 last_ms
      from jobs where kind = 'agent_turn' and finished_at >= now() - interval '10 minutes'
      group by claim_id order by last_ms`)
  ).rows.map((r) => ({ n: r.n as number, turns: r.turns as number, quick: r.quick as boolean, lastMs: Number(r.last_ms) }));
  const gaps = claims.slice(1).map((c, i) => ({ quick: c.quick, ms: c.lastMs - claims[i].lastMs, n: c.n }));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const batches = {
    claims: claims.length,
    turnClaims: gaps.filter((g) => !g.quick).length,
    quickClaims: gaps.filter((g) => g.quick).length,
    jobsPerTurnClaim: mean(claims.filter((c) => !c.quick).map((c) => c.n)),
    turnsPerTurnClaim: mean(claims.filter((c) => !c.quick).map((c) => c.turns)),
    turnClaimMs: mean(gaps.filter((g) => !g.quick).map((g) => g.ms)),
    quickClaimMs: mean(gaps.filter((g) => g.quick).map((g) => g.ms)),
  };

  worker.kill('SIGTERM');
  serve.kill('SIGTERM');
  await Promise.all([worker, serve].map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  process.off('exit', killChildren);
  await bench.end();
  await admin.end();
  await twilio.close();
  await model.close();
  if (inboundFailures.length) throw new Error(`${engine}: ${inboundFailures.length} inbound webhooks failed, first: ${inboundFailures[0]}`);

  return {
    engine,
    leads: numbers.length,
    answered: turns,
    unanswered,
    duplicates,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: Math.round(latencies.at(-1) ?? NaN),
    turnsPerSecond: turns / seconds,
    seconds,
    modelRequests: model.requests.length - modelRequestsBefore,
    cpuMsPerTurn: {
      worker: ((cpuAfter.worker - cpuBefore.worker) * 1000) / turns,
      serve: ((cpuAfter.serve - cpuBefore.serve) * 1000) / turns,
      postgres: (pgCpu * 1000) / turns,
    },
    jobs,
    replyTexts,
    batches,
    window,
    pgCommitsPerTurn: (commitsAfter - commitsBefore) / turns,
    modelRequestBytes: model.requests.length
      ? model.requests.slice(modelRequestsBefore).reduce((sum, r) => sum + JSON.stringify(r.body).length, 0) / (model.requests.length - modelRequestsBefore)
      : 0,
  };
}

export async function runAgentBench(databaseUrl: string, redisUrl: string | undefined, o: AgentBenchOptions = {}) {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(', ');
  const rows: Row[] = [];
  for (const engine of ['llm', 'rules'] as const) rows.push(await runEngine(databaseUrl, redisUrl, engine, o));
  const ms = (n: number) => `${n.toLocaleString('en-US')} ms`;
  const cpu = (r: Row) => r.cpuMsPerTurn.worker + r.cpuMsPerTurn.serve;
  console.log(`
Lead agent: ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}, PostgreSQL database <name>_bench_agent${redisUrl ? ', Redis' : ', no Redis'}
Load average before the run: ${load}
One \`quoteleads serve --no-worker\` and one \`quoteleads worker\` process; ${LEADS} numbers text in once each over ${SPREAD_MS / 1000} s.
llm: the fake model answers each request in ${MODEL_DELAY_MS} ms, a send_reply call then a final answer: 2 round trips per turn.
CPU per turn: utime+stime of the worker and the serve process (/proc/<pid>/stat) over the ${LEADS} turns, divided by the turns
answered; the fake model and Twilio are in the bench process and not counted; PostgreSQL's backends of the bench database apart.

| engine | leads | answered once | p50 inbound→reply | p99 inbound→reply | max | turns/s | CPU/turn worker | serve | worker+serve | PostgreSQL backends |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows
  .map(
    (r) =>
      `| ${r.engine} | ${r.leads} | ${r.answered - r.duplicates.length} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.turnsPerSecond.toFixed(1)} | ${r.cpuMsPerTurn.worker.toFixed(1)} ms | ${r.cpuMsPerTurn.serve.toFixed(1)} ms | ${cpu(r).toFixed(1)} ms | ${r.cpuMsPerTurn.postgres.toFixed(1)} ms |`,
  )
  .join('\n')}
`);
  for (const r of rows) {
    console.log(`${r.engine}: last reply ${r.seconds.toFixed(1)} s after the first text; ${r.replyTexts} texts sent in all (warm-up included); model requests ${r.modelRequests}`);
    console.log(`${r.engine}: agent_turn jobs: ${r.jobs.map((j) => `${j.status}/${j.result ?? '-'} ${j.n} (at most ${j.attempts} attempt${j.attempts === 1 ? '' : 's'})`).join(', ')}`);
    const b = r.batches;
    console.log(
      `${r.engine}: ${b.claims} claims: ${b.turnClaims} with turns (${b.jobsPerTurnClaim.toFixed(1)} jobs each, of which ${b.turnsPerTurnClaim.toFixed(1)} turns; ${Math.round(b.turnClaimMs)} ms apart), ${b.quickClaims} of answered_already jobs only (${Math.round(b.quickClaimMs)} ms)`,
    );
    console.log(`${r.engine}: PostgreSQL commits per turn ${r.pgCommitsPerTurn.toFixed(1)}${r.modelRequests ? `; mean model request ${(r.modelRequestBytes / 1024).toFixed(1)} KB` : ''}`);
    if (o.cpuProfDir) console.log(`${r.engine}: measured window on the monotonic clock (µs, as in the CPU profiles): ${r.window.fromUs}–${r.window.toUs}`);
    console.log(`${r.engine}: p99 ${r.p99 <= TARGET_P99_MS ? 'met' : 'MISSED'} (target ${ms(TARGET_P99_MS)}); CPU per turn ${cpu(r) <= TARGET_CPU_MS ? 'met' : 'MISSED'} (target ${TARGET_CPU_MS} ms)`);
  }
  const wrong = rows.filter((r) => r.unanswered.length || r.duplicates.length);
  for (const r of wrong) {
    console.error(`${r.engine}: ${r.unanswered.length} numbers unanswered (${r.unanswered.slice(0, 5).join(', ')}), ${r.duplicates.length} answered more than once (${r.duplicates.slice(0, 5).map((d) => `${d.number} × ${d.replies}`).join(', ')})`);
  }
  if (wrong.length) {
    console.error('FAILED: not every lead was answered exactly once');
    process.exitCode = 1;
  }
}

// Run directly (node --import tsx bench/agent.ts) or through npm run bench -- --only agent.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadConfig } = await import('../src/config.js');
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.error('The agent bench runs on PostgreSQL: set DATABASE_URL.');
    process.exit(2);
  }
  await runAgentBench(config.databaseUrl, config.redisUrl);
}
