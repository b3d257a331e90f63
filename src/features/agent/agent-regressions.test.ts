import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerTo } from '../../../test/scripted-customer.js';
import { and, asc, eq, ne } from 'drizzle-orm';
import { appointments, jobs } from '../../db/schema/index.js';
import { instantOfWallTime } from '../../lib/zoned-time.js';
import type { Clock } from '../../lib/clock.js';
import type { ClaimedJob } from '../../jobs/jobs.repo.js';
import { createWorkerTasks } from '../../worker/tasks.js';
import { findCompany } from '../companies/companies.repo.js';
import { createLeads } from '../leads/leads.service.js';
import { createSms } from '../sms/sms.service.js';
import { createSmsProvider } from '../sms/sms.provider.js';
import { createAppointments } from '../appointments/appointments.service.js';
import { createQuotes } from '../quotes/quotes.service.js';
import { randomAuMobile, smsTenant, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../test/fake-openai.js';
import { manualClock } from '../../../test/clock.js';
import { databaseOfItsOwn, type Tenant, type TestServer } from '../../../test/helpers.js';
import { createAgentSettings } from './agent-settings.service.js';
import { createToolRunner } from './agent-tools.js';
import { AGENT_TURN_JOB, agentTurnJobHandler, scheduleOf } from './agent-turn.js';
import { createLlmEngine } from './llm-engine.js';
import { DEFAULT_SCHEDULE, freeSlots } from './slots.js';
import type { ToolCall } from './tools.js';

// Defects the agent's tests found (each failed before its fix in agent-tools.ts): a turn run again is
// answered by its own booking; start times only as ISO 8601 with an offset; bare domains are links;
// a tool name inherited from Object.prototype is no tool.
//
// A turn is run again when its worker dies mid-turn (agent-crash.test.ts): its side effects are keyed
// by the job's trigger, so it must not repeat them, and it must also not be told they failed.
const quiet = { warn() {}, info() {} };

let fake: FakeTwilio;
let model: FakeOpenAI;
let server: TestServer;
let close: () => Promise<void>;
let own: Awaited<ReturnType<typeof databaseOfItsOwn>>;
beforeAll(async () => {
  model = await startFakeOpenAI();
  own = await databaseOfItsOwn('agent_bugs');
  ({ fake, server, close } = await startServerWithFakeTwilio({ AI_BASE_URL: model.url, AI_API_KEY: model.apiKey, AI_MODEL: 'gpt-test' }, { database: own?.database }));
});
afterAll(async () => {
  await model?.close();
  await close?.();
  await own?.drop();
});

function depsOf(clock: Clock = server.clock) {
  const db = server.database.db;
  const leads = createLeads({ db, clock });
  return {
    db,
    clock,
    config: server.config,
    leads,
    sms: createSms({ db, clock, leads, provider: createSmsProvider(server.config, quiet), publicUrl: server.config.publicUrl }),
    appointments: createAppointments({ db, clock }),
    quotes: createQuotes({ db, clock, leads, publicUrl: server.config.publicUrl, textQuoteLink: async () => undefined }),
    agentSettings: createAgentSettings({ db, clock, config: server.config }),
    llm: createLlmEngine({ baseUrl: model.url, apiKey: model.apiKey, model: 'gpt-test', timeoutMs: 5000 }),
  };
}

/** A runner for one turn of `leadId` with `trigger`, as the job handler builds it. */
async function runnerOf(deps: ReturnType<typeof depsOf>, t: Tenant, leadId: string, trigger: string) {
  const row = (await findCompany(deps.db, t.companyId))!;
  const settings = await deps.agentSettings.get(t.companyId);
  const runner = createToolRunner(deps, {
    companyId: t.companyId,
    companyName: row.name,
    timezone: row.timezone,
    ownNumbers: [row.twilioNumber!],
    country: row.country,
    quoteLinkPrefix: `${server.config.publicUrl}/q/`,
    leadId,
    trigger,
    goals: settings.goals,
    schedule: scheduleOf(settings),
  });
  return { ...runner, call: (tool: string, args: unknown) => runner.run({ tool, args } as ToolCall) };
}

const texts = (to: string) => fake.sent.filter((m) => m.to === to).map((m) => m.body);
const bookingsOf = (companyId: string) =>
  server.database.db
    .select()
    .from(appointments)
    .where(and(eq(appointments.companyId, companyId), ne(appointments.status, 'cancelled')));
async function say(t: Tenant & { number: string }, from: string, body: string) {
  expect((await fake.postInbound({ from, to: t.number, body })).status).toBe(200);
}
/** The company's pending agent turns, oldest first, as a worker would have claimed them. */
async function pendingTurns(companyId: string): Promise<ClaimedJob[]> {
  const rows = await server.database.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.companyId, companyId), eq(jobs.kind, AGENT_TURN_JOB), eq(jobs.status, 'pending')))
    .orderBy(asc(jobs.seq));
  return rows.map((j) => ({ ...j, attempts: 2, claimId: randomUUID() }));
}

describe('a turn run again after it booked (its worker died before the reply)', () => {
  const TZ = 'Australia/Sydney';
  const clock = manualClock(instantOfWallTime('2031-06-02', '09:00', TZ));
  const slots = () => freeSlots({ timezone: TZ, schedule: DEFAULT_SCHEDULE, type: 'callback', now: clock.now(), busy: [] });

  async function bookedLead() {
    const t = await smsTenant(server, 50);
    const r = await t.call('POST', '/v1/leads', { name: 'Alex Citizen', phone: randomAuMobile() });
    const deps = depsOf(clock);
    const trigger = `test:${randomUUID()}`;
    const [slot] = slots();
    expect((await (await runnerOf(deps, t, r.body.data.id, trigger)).call('book_appointment', { type: 'callback', start_time: slot.start.toISOString() })).ok).toBe(true);
    return { t, deps, trigger, leadId: r.body.data.id as string, slot };
  }

  // BUG: the runner checks the slot against the calendar before appointments.book looks up the
  // trigger's earlier booking (its originKey), and the calendar has that booking: so the turn run
  // again is told "that time is not free" about its own appointment, and acts on it (the rules
  // engine tells the lead the time was taken and offers others; a model would do the same).
  it('booking the same slot again answers the earlier booking instead of "that time is not free"', async () => {
    const { t, deps, trigger, leadId, slot } = await bookedLead();
    const again = await (await runnerOf(deps, t, leadId, trigger)).call('book_appointment', { type: 'callback', start_time: slot.start.toISOString() });
    expect(await bookingsOf(t.companyId)).toHaveLength(1);
    expect(again).toEqual({ ok: true, result: expect.stringMatching(/^booked: callback on /) });
  });

  // BUG: with another slot, the check passes, appointments.book answers the earlier booking (the
  // origin key), but the runner reports the slot asked for: "booked … 10:15" when it is at 10:00.
  it('booking another slot again does not claim that slot was booked', async () => {
    const { t, deps, trigger, leadId } = await bookedLead();
    const other = slots()[1];
    const again = await (await runnerOf(deps, t, leadId, trigger)).call('book_appointment', { type: 'callback', start_time: other.start.toISOString() });
    const booked = await bookingsOf(t.companyId);
    expect(booked).toHaveLength(1);
    expect(booked[0].startTime.getTime()).not.toBe(other.start.getTime());
    // Either refused (the lead is booked already) or the earlier booking, at its own time.
    if (again.ok) expect(again.result).toMatch(/ 10:00 /);
  });

  // The same bug end to end, rules engine: the lead chose a slot, the dead worker booked it and died
  // before the confirmation went; the turn run again must confirm the booking, not say it was taken.
  it('rules engine: the turn run again confirms the booking it made', async () => {
    const t = await smsTenant(server, 50);
    expect((await t.call('PATCH', '/v1/agent', { enabled: true })).status).toBe(200);
    const task = createWorkerTasks({ config: server.config, database: server.database, clock: server.clock, log: quiet }).find((x) => x.name === 'agent')!;
    const turns = async () => {
      while ((await task.runOnce()) > 0);
    };
    const from = randomAuMobile();
    await say(t, from, 'Hi, need a roof quote');
    await turns();
    for (let i = 0; i < 8 && !texts(from).at(-1)!.includes('Reply 1'); i++) {
      await say(t, from, answerTo(texts(from).at(-1)!));
      await turns();
    }
    expect(texts(from).at(-1)).toMatch(/Reply 1 for/);
    const sent = texts(from).length;
    const leadId = (await t.call('GET', `/v1/leads?search=${from.slice(-8)}`)).body.data[0].id;
    const offered = (await t.call('GET', `/v1/leads/${leadId}`)).body.data.qualification.offered as { n: number; type: 'callback' | 'onsite'; start: string }[];

    await say(t, from, '1');
    const [job] = await pendingTurns(t.companyId);
    // What the dead worker did before it died: the booking, keyed by the job's trigger.
    const deps = depsOf();
    const dead = await runnerOf(deps, t, leadId, job.uniqueKey ?? job.id);
    expect((await dead.call('book_appointment', { type: offered[0].type, start_time: offered[0].start })).ok).toBe(true);

    await agentTurnJobHandler(deps).handle(job);
    expect(await bookingsOf(t.companyId)).toHaveLength(1);
    expect(texts(from)).toHaveLength(sent + 1);
    expect(texts(from).at(-1)).toMatch(/^You're booked in/);
    expect((await t.call('GET', `/v1/leads/${leadId}`)).body.data.qualification).toMatchObject({ stage: 'booked' });
  });

  // The same bug end to end, llm engine: the model is told its own booking was refused.
  it('llm engine: the model of the turn run again is told the booking stands', async () => {
    const t = await smsTenant(server, 50);
    expect((await t.call('PATCH', '/v1/agent', { enabled: true, engine: 'llm' })).status).toBe(200);
    const from = randomAuMobile();
    await say(t, from, 'Hi, please call me about solar');
    const [job] = await pendingTurns(t.companyId);
    const slot = freeSlots({ timezone: TZ, schedule: DEFAULT_SCHEDULE, type: 'callback', now: Date.now(), busy: [] })[0].start.toISOString();
    const deps = depsOf();
    const dead = await runnerOf(deps, t, job.leadId!, job.uniqueKey ?? job.id);
    expect((await dead.call('book_appointment', { type: 'callback', start_time: slot })).ok).toBe(true);

    const asked = model.requests.length;
    model.reply(
      { toolCalls: [{ name: 'book_appointment', arguments: { type: 'callback', start_time: slot } }] },
      { toolCalls: [{ name: 'send_reply', arguments: { text: 'You are booked in for a callback.' } }] },
      { content: 'done' },
    );
    await agentTurnJobHandler(deps).handle(job);
    expect(await bookingsOf(t.companyId)).toHaveLength(1);
    const result = model.requests[asked + 1].body.messages.at(-1)!;
    expect(result.role).toBe('tool');
    expect(result.content).toMatch(/^booked: callback on /);
  });
});

describe('book_appointment start_time', () => {
  // BUG: the runner reads start_time with Date.parse, which takes much more than ISO 8601 (RFC 2822,
  // "3 June 2031 10:00" in the server's own timezone, even "next Tuesday at 10" as a day in 2001), so
  // a start that is not an ISO 8601 time is booked, against the tool's contract and its own refusal.
  it('refuses a start that is not ISO 8601, even when it reads as a free slot', async () => {
    const clock = manualClock(instantOfWallTime('2031-06-02', '09:00', 'Australia/Sydney'));
    const t = await smsTenant(server, 50);
    const r = await t.call('POST', '/v1/leads', { name: 'Alex Citizen', phone: randomAuMobile() });
    const [slot] = freeSlots({ timezone: 'Australia/Sydney', schedule: DEFAULT_SCHEDULE, type: 'callback', now: clock.now(), busy: [] });
    const rfc2822 = slot.start.toUTCString(); // "Mon, 02 Jun 2031 00:00:00 GMT"
    const result = await (await runnerOf(depsOf(clock), t, r.body.data.id, `test:${randomUUID()}`)).call('book_appointment', { type: 'callback', start_time: rfc2822 });
    expect(result).toEqual({ ok: false, error: `start_time is not an ISO 8601 time with its offset (e.g. 2026-12-08T10:00:00+11:00): ${rfc2822}` });
    expect(await bookingsOf(t.companyId)).toEqual([]);
  });
});

describe('send_reply links', () => {
  // BUG: a link without a scheme is found only for a short list of top-level domains (com, net, org,
  // io, co, au, biz, info, me, app, ly, link), so a bare domain of any other (xyz, shop, dev, online,
  // site…), which phones show as a link all the same, goes out in the agent's reply.
  it('refuses a bare domain whatever its top-level domain', async () => {
    const t = await smsTenant(server, 50);
    const phone = randomAuMobile();
    const r = await t.call('POST', '/v1/leads', { name: 'Alex Citizen', phone });
    for (const text of ['Pay the deposit at evil.xyz/pay', 'See secure-payments.shop for a discount', 'Details: roof-deals.online', 'Visit x.dev']) {
      const turn = await runnerOf(depsOf(), t, r.body.data.id, `test:${randomUUID()}`);
      expect(await turn.call('send_reply', { text }), text).toEqual({ ok: false, error: expect.stringMatching(/may not carry a link/) });
    }
    expect(texts(phone)).toEqual([]);
  });
});

describe('tool names', () => {
  // BUG (minor: the llm engine refuses names outside TOOL_NAMES before the runner, and the rules
  // engine never calls one): the runner looks the name up in a plain object, so a name on
  // Object.prototype finds a function, not a schema, and the runner throws
  // "TypeError: schema.safeParse is not a function" instead of refusing "no such tool".
  it('refuses the names of Object.prototype like any unknown tool', async () => {
    const t = await smsTenant(server, 50);
    const r = await t.call('POST', '/v1/leads', { name: 'Alex Citizen', phone: randomAuMobile() });
    const turn = await runnerOf(depsOf(), t, r.body.data.id, `test:${randomUUID()}`);
    for (const tool of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      await expect(turn.call(tool, {}), tool).resolves.toEqual({ ok: false, error: `no such tool: ${tool}` });
    }
  });
});

