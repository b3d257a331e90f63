import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerTo } from '../../../test/scripted-customer.js';
import { rowsOf, type Database } from '../../db/client.js';
import { databaseOfItsOwn, onPostgres, startTestServer, testEncryptionKey, until, type TestServer } from '../../../test/helpers.js';
import { PUBLIC_URL, randomAuMobile, smsTenant, startFakeTwilio, twilioEnv, type FakeTwilio } from '../../../test/fake-twilio.js';
import { startFakeOpenAI, type ChatRequest, type FakeOpenAI, type ScriptedAnswer } from '../../../test/fake-openai.js';
import { DEFAULT_SCHEDULE, freeSlots } from './slots.js';

// A real `quoteleads worker` killed with SIGKILL in the middle of an agent turn (issue 14), on
// PostgreSQL: a second worker runs the turn again once the dead one's lease is over (90 s; the test
// moves the lease's end back instead of waiting), and the lead is answered exactly once and booked
// exactly once. Inbound texts reach an in-process server on the same database through the fake
// Twilio; the worker processes talk to the fake Twilio and the fake model of this process. They work
// in a database of their own, so that they never take jobs of the other test files.
const BIN = path.resolve('bin/quoteleads.js');
const TZ = 'Australia/Sydney';
const children: ChildProcess[] = [];
let database: Database;
let server: TestServer;
let fake: FakeTwilio;
let model: FakeOpenAI;
let url: string;
let own: NonNullable<Awaited<ReturnType<typeof databaseOfItsOwn>>>;

const aiEnv = () => ({ AI_BASE_URL: model.url, AI_API_KEY: model.apiKey, AI_MODEL: 'gpt-test' });

function startWorker(): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    REDIS_URL: '',
    ENCRYPTION_KEY: testEncryptionKey,
    LOG_LEVEL: 'error',
    ...twilioEnv(fake),
    ...aiEnv(),
  };
  const child = spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function kill(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const query = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(q));
const texts = (to: string) => fake.sent.filter((m) => m.to === to).map((m) => m.body);
const agentJobs = (companyId: string) =>
  query<{ status: string; attempts: number; locked_until: Date | null; outcome: { result?: string } | null }>(
    sql`select status, attempts, locked_until, outcome from jobs where company_id = ${companyId} and kind = 'agent_turn' order by seq`,
  );
const bookings = (companyId: string) =>
  query<{ id: string; start_time: Date; lead_id: string }>(
    sql`select id, start_time, lead_id from appointments where company_id = ${companyId} and status <> 'cancelled'`,
  );
const outbound = (companyId: string) =>
  query<{ id: string; status: string; body: string }>(sql`select id, status, body from sms_messages where company_id = ${companyId} and direction = 'outbound'`);

/** The dead worker's lease ends now (it would in 90 s): its job may be claimed again. */
async function endLeases(companyId: string) {
  const aged = await query<{ id: string }>(
    sql`update jobs set locked_until = now() - interval '1 second'
        where company_id = ${companyId} and kind = 'agent_turn' and status = 'pending' and locked_until > now() returning id`,
  );
  expect(aged, 'the job the dead worker held').toHaveLength(1);
}

async function allTurnsDone(companyId: string) {
  await until(async () => (await agentJobs(companyId)).every((j) => j.status !== 'pending'), 60_000, 'every agent turn to finish');
  // Time for a second text to show up, if there were one.
  await new Promise((r) => setTimeout(r, 500));
}

async function agentCompany(settings: Record<string, unknown>) {
  const t = await smsTenant(server, 100);
  const on = await t.call('PATCH', '/v1/agent', { enabled: true, ...settings });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
  return t;
}
async function say(to: string, from: string, body: string) {
  expect((await fake.postInbound({ from, to, body })).status).toBe(200);
}

/**
 * The model's side of a turn, from the conversation so far (so the turn run again gets the same
 * answers): book `slot`, then send the reply (after `replyDelayMs`), then end the turn.
 */
function bookThenReply(slot: () => string, o: { replyDelayMs: () => number; bookDelayMs?: () => number }) {
  return (request: ChatRequest): ScriptedAnswer => {
    const results = request.body.messages.filter((m) => m.role === 'tool').length;
    if (results === 0) return { toolCalls: [{ name: 'book_appointment', arguments: { type: 'callback', start_time: slot() } }], delayMs: o.bookDelayMs?.() ?? 0 };
    if (results === 1) return { toolCalls: [{ name: 'send_reply', arguments: { text: 'You are booked in for a callback. Thanks!' } }], delayMs: o.replyDelayMs() };
    return { content: 'done' };
  };
}

const firstFreeCallback = () => freeSlots({ timezone: TZ, schedule: DEFAULT_SCHEDULE, type: 'callback', now: Date.now(), busy: [] })[0].start.toISOString();

describe.runIf(onPostgres)('an agent turn across a SIGKILL of its worker (PostgreSQL)', () => {
  beforeAll(async () => {
    own = (await databaseOfItsOwn('agent_crash'))!;
    ({ database, url } = own);
    fake = await startFakeTwilio();
    model = await startFakeOpenAI();
    server = await startTestServer({ database, env: { ...twilioEnv(fake), ...aiEnv() } });
    fake.deliverTo(server.url, PUBLIC_URL);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await server?.close();
    await model?.close();
    await fake?.close();
    await own?.drop();
  });

  it('killed while the model held its first answer, before anything was done: the turn run again books and answers once', async () => {
    const t = await agentCompany({ engine: 'llm' });
    const slot = firstFreeCallback();
    let bookDelay = 60_000;
    model.respond(bookThenReply(() => slot, { replyDelayMs: () => 0, bookDelayMs: () => bookDelay }));
    const from = randomAuMobile();
    const asked = model.requests.length;
    const first = startWorker();
    await say(t.number, from, 'Hi, I need my hot water system looked at');
    await until(() => model.requests.length > asked, 30_000, 'the turn to ask the model');
    await kill(first);
    expect(await bookings(t.companyId)).toEqual([]);
    expect(texts(from)).toEqual([]);

    bookDelay = 0;
    await endLeases(t.companyId);
    const second = startWorker();
    await allTurnsDone(t.companyId);
    expect(texts(from)).toEqual(['You are booked in for a callback. Thanks!']);
    expect(await bookings(t.companyId)).toHaveLength(1);
    await kill(second);
  }, 120_000);

  it('killed after it booked and its reply reached Twilio, before Twilio answered: answered once, booked once', async () => {
    const t = await agentCompany({ engine: 'llm' });
    const slot = firstFreeCallback();
    model.respond(bookThenReply(() => slot, { replyDelayMs: () => 0 }));
    const from = randomAuMobile();
    const hold = fake.holdAnswers();
    const first = startWorker();
    await say(t.number, from, 'Hi, can someone call me about solar?');
    await until(() => texts(from).length >= 1, 30_000, 'the reply to reach Twilio');
    await kill(first);
    hold.release();
    expect(await bookings(t.companyId)).toHaveLength(1);
    expect(await outbound(t.companyId)).toMatchObject([{ status: 'queued' }]);

    await endLeases(t.companyId);
    const second = startWorker();
    await allTurnsDone(t.companyId);
    expect(texts(from)).toEqual(['You are booked in for a callback. Thanks!']);
    expect(await outbound(t.companyId)).toHaveLength(1);
    const booked = await bookings(t.companyId);
    expect(booked).toHaveLength(1);
    expect(new Date(booked[0].start_time).toISOString()).toBe(slot);
    const jobs = await agentJobs(t.companyId);
    expect(jobs.map((j) => j.status)).toEqual(jobs.map(() => 'succeeded'));
    expect(jobs[0].attempts).toBe(2);
    const turns = await query<{ outcome: string }>(sql`select outcome from agent_turns where company_id = ${t.companyId}`);
    expect(turns).toEqual([{ outcome: 'done' }]);
    await kill(second);
  }, 120_000);

  it('killed while the model held its answer, after the booking and before the reply: answered once, booked once', async () => {
    const t = await agentCompany({ engine: 'llm' });
    const slot = firstFreeCallback();
    let replyDelay = 60_000;
    model.respond(bookThenReply(() => slot, { replyDelayMs: () => replyDelay }));
    const from = randomAuMobile();
    const asked = model.requests.length;
    const first = startWorker();
    await say(t.number, from, 'Hi, please call me back about a roof leak');
    // The model has the booking's result and holds its next answer: the turn is mid-way.
    await until(() => model.requests.slice(asked).some((r) => r.body.messages.some((m) => m.role === 'tool')), 30_000, 'the booking to reach the model');
    expect(await bookings(t.companyId)).toHaveLength(1);
    await kill(first);
    expect(texts(from)).toEqual([]);

    replyDelay = 0;
    await endLeases(t.companyId);
    const second = startWorker();
    await allTurnsDone(t.companyId);
    expect(texts(from)).toEqual(['You are booked in for a callback. Thanks!']);
    const booked = await bookings(t.companyId);
    expect(booked).toHaveLength(1);
    expect(new Date(booked[0].start_time).toISOString()).toBe(slot);
    expect((await agentJobs(t.companyId)).every((j) => j.status === 'succeeded')).toBe(true);
    await kill(second);
  }, 120_000);

  it('rules engine: killed after the confirmation of a booking reached Twilio: confirmed once, booked once', async () => {
    const t = await agentCompany({ engine: 'rules' });
    const from = randomAuMobile();
    let worker = startWorker();
    const answer = async (body: string) => {
      const before = texts(from).length;
      await say(t.number, from, body);
      await until(() => texts(from).length > before, 30_000, `an answer to "${body}"`);
    };
    await answer('Hi, need a roof quote');
    for (let i = 0; i < 8 && !texts(from).at(-1)!.includes('Reply 1'); i++) await answer(answerTo(texts(from).at(-1)!));
    expect(texts(from).at(-1)).toMatch(/Reply 1 for/);
    await allTurnsDone(t.companyId);
    const sentBefore = texts(from).length;

    const hold = fake.holdAnswers();
    await answer('1');
    await kill(worker);
    hold.release();
    expect(await bookings(t.companyId)).toHaveLength(1);

    await endLeases(t.companyId);
    worker = startWorker();
    await allTurnsDone(t.companyId);
    expect(texts(from)).toHaveLength(sentBefore + 1);
    expect(texts(from).at(-1)).toMatch(/You're booked in/);
    expect(await bookings(t.companyId)).toHaveLength(1);
    const jobs = await agentJobs(t.companyId);
    expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);
    expect(jobs.some((j) => j.attempts === 2), 'the turn ran again').toBe(true);
    await kill(worker);
  }, 180_000);
});

