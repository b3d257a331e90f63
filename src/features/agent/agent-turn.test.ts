import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerTo } from '../../../test/scripted-customer.js';
import { and, eq } from 'drizzle-orm';
import { agentTurns, jobs } from '../../db/schema/index.js';
import { claimDueJobsAnyCompany } from '../../jobs/jobs.repo.js';
import { createWorkerTasks } from '../../worker/tasks.js';
import { createCompanies } from '../companies/companies.service.js';
import { createWebhookSender, type WebhookSender } from '../webhooks/webhook-sender.js';
import { randomAuMobile, smsTenant, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../test/fake-openai.js';
import { deliverWebhooks, startReceiver, type Receiver } from '../../../test/webhook-receiver.js';
import type { Tenant, TestServer } from '../../../test/helpers.js';
import { AGENT_TURN_JOB, agentTurnJobHandler } from './agent-turn.js';
import { createAgentSettings } from './agent-settings.service.js';
import { createSms } from '../sms/sms.service.js';
import { createSmsProvider } from '../sms/sms.provider.js';
import { createLeads } from '../leads/leads.service.js';
import { createAppointments } from '../appointments/appointments.service.js';
import { createQuotes } from '../quotes/quotes.service.js';
import type { Clock } from '../../lib/clock.js';
import { manualClock } from '../../../test/clock.js';

// The lead agent end to end (issue 14): signed inbound texts from the fake Twilio, the agent's turns
// run by the worker's own task, its replies received by the fake Twilio, and what it leaves on the
// lead, the calendar and the webhooks. The model, where one is used, is the fake OpenAI-compatible
// server (test/fake-openai.ts).
let fake: FakeTwilio;
let model: FakeOpenAI;
let server: TestServer;
let receiver: Receiver;
let sender: WebhookSender;
let close: () => Promise<void>;
beforeAll(async () => {
  model = await startFakeOpenAI();
  ({ fake, server, close } = await startServerWithFakeTwilio({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    AI_BASE_URL: model.url,
    AI_API_KEY: model.apiKey,
    AI_MODEL: 'gpt-test',
  }));
  receiver = await startReceiver();
  sender = createWebhookSender({ allowPrivateTargets: true });
});
afterAll(async () => {
  await sender?.close();
  await receiver?.close();
  await model?.close();
  await close?.();
});

const quiet = { warn() {}, info() {} };
/** Runs every due agent turn, one lead's in order, as the worker's `agent` task does. */
async function turns(config = server.config, clock: Clock = server.clock) {
  const task = createWorkerTasks({ config, database: server.database, clock, log: quiet }).find((t) => t.name === 'agent')!;
  while ((await task.runOnce()) > 0);
}

type AgentTenant = Tenant & { number: string };
async function agentTenant(o: { credits?: number; settings?: Record<string, unknown> } = {}): Promise<AgentTenant> {
  const t = await smsTenant(server, o.credits ?? 50);
  const on = await t.call('PATCH', '/v1/agent', { enabled: true, ...o.settings });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
  return t;
}
const texts = (to: string) => fake.sent.filter((m) => m.to === to).map((m) => m.body);
async function leadOf(t: Tenant, phone: string) {
  const found = await t.call('GET', `/v1/leads?search=${encodeURIComponent(phone.slice(-8))}`);
  expect(found.body.data).toHaveLength(1);
  return found.body.data[0];
}
async function say(t: AgentTenant, from: string, body: string) {
  expect((await fake.postInbound({ from, to: t.number, body })).status).toBe(200);
}


describe('the lead agent, rules engine', () => {
  it('answers a texter at once, asks the script, scores, offers real slots and books the one chosen', async () => {
    const t = await agentTenant({ settings: { service_postcodes: ['2000-2234'] } });
    await t.call('POST', '/v1/webhooks', { url: `${receiver.url}/agent-${t.companyId}`, events: ['appointment.booked', 'lead.updated'] });
    const from = randomAuMobile();
    await say(t, from, 'Hi, need a roof quote');
    await turns();
    expect(texts(from)).toHaveLength(1);

    for (let i = 0; i < 8 && !texts(from).at(-1)!.includes('Reply 1'); i++) {
      const before = texts(from).length;
      await say(t, from, answerTo(texts(from).at(-1)!));
      await turns();
      // Each text is answered once.
      expect(texts(from)).toHaveLength(before + 1);
    }
    const offer = texts(from).at(-1)!;
    expect(offer).toMatch(/Reply 1 for/);

    const lead = await leadOf(t, from);
    expect(lead).toMatchObject({ ai_status: 'hot', ai_score: 100, pipeline_stage: 'follow_up', agent_paused: false });
    expect(lead.ai_score_reason).toBeTruthy();
    expect(lead.qualification.answers).toMatchObject({ postcode: '2150', timeframe: 'asap', owner: true });

    const offered = (await leadOf(t, from)).qualification.offered as { n: number; start: string }[];
    await say(t, from, '1');
    await turns();
    expect(texts(from).at(-1)).toMatch(/book/i);
    const booked = (await t.call('GET', `/v1/appointments?lead_id=${lead.id}`)).body.data;
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({ booked_by: 'ai', status: 'scheduled' });
    expect(new Date(booked[0].start_time).getTime()).toBe(new Date(offered.find((o) => o.n === 1)!.start).getTime());

    // Marked in the thread as the agent's, and the booking reaches the webhooks as any booking does.
    const thread = (await t.call('GET', `/v1/leads/${lead.id}/messages`)).body.data;
    expect(thread.filter((m: { direction: string }) => m.direction === 'outbound').every((m: { sender: { type: string } }) => m.sender.type === 'agent')).toBe(true);
    const path = `/agent-${t.companyId}`;
    await deliverWebhooks(server, sender, () => receiver.received.some((r) => r.path === path && r.body.event === 'appointment.booked'));
    const event = receiver.received.find((r) => r.path === path && r.body.event === 'appointment.booked')!;
    expect(event.body.data).toMatchObject({ lead_id: lead.id, booked_by: 'ai' });
    expect(event.body.actor).toMatchObject({ type: 'agent' });
  });

  it('greets a lead created with a phone, instead of the fixed instant reply', async () => {
    const t = await agentTenant();
    await createCompanies({ db: server.database.db, clock: server.clock }).change(t.companyId, { instantReply: 'Hi {first_name}, thanks!' });
    const phone = randomAuMobile();
    await t.call('POST', '/v1/leads', { first_name: 'Sam', phone });
    const kinds = await server.database.db.select({ kind: jobs.kind }).from(jobs).where(eq(jobs.companyId, t.companyId));
    expect(kinds.map((k) => k.kind)).toEqual([AGENT_TURN_JOB]);
    await turns();
    expect(texts(phone)).toHaveLength(1);
    expect(texts(phone)[0]).toMatch(/Sam/);
  });

  it('answers texts that arrive together with one reply, in order, each turn once', async () => {
    const t = await agentTenant();
    const from = randomAuMobile();
    await say(t, from, 'Hi');
    await say(t, from, 'need a roof quote, 2150');
    await turns();
    expect(texts(from)).toHaveLength(1);
    // The first text's turn answered both; the second's found it answered already (a lead made by its
    // own text has no turn of its own: its text's is the first).
    const outcomes = await server.database.db.select({ outcome: jobs.outcome }).from(jobs).where(and(eq(jobs.companyId, t.companyId), eq(jobs.kind, AGENT_TURN_JOB)));
    expect(outcomes.map((o) => (o.outcome as { result: string }).result).sort()).toEqual(['answered_already', 'done']);
  });

  it('a turn run again (a worker that died after its work) sends nothing twice and books nothing twice', async () => {
    const t = await agentTenant();
    const from = randomAuMobile();
    await say(t, from, 'Hi there');
    const claimed = await claimDueJobsAnyCompany(server.database.db, { now: new Date(), kinds: [{ kind: AGENT_TURN_JOB, leaseMs: 60_000 }], limit: 100, claimId: randomUUID() });
    const [job] = claimed.filter((j) => j.companyId === t.companyId);
    const handler = agentTurnJobHandler(depsOf());
    await handler.handle(job);
    await handler.handle(job);
    expect(texts(from)).toHaveLength(1);
    const recorded = await server.database.db.select().from(agentTurns).where(eq(agentTurns.companyId, t.companyId));
    expect(recorded).toHaveLength(1);
  });

  it('stops for a person: Take over silences it, Hand back resumes it, and a text from the dashboard takes over', async () => {
    const t = await agentTenant();
    const from = randomAuMobile();
    await say(t, from, 'Hello');
    await turns();
    const lead = await leadOf(t, from);
    expect((await t.call('PATCH', `/v1/leads/${lead.id}`, { agent_paused: true })).body.data).toMatchObject({ agent_paused: true });
    await say(t, from, '2150');
    await turns();
    expect(texts(from)).toHaveLength(1);

    expect((await t.call('PATCH', `/v1/leads/${lead.id}`, { agent_paused: false })).body.data).toMatchObject({ agent_paused: false, agent_paused_reason: null });
    await say(t, from, '2150');
    await turns();
    expect(texts(from)).toHaveLength(2);

    // An integration's text leaves the agent on; a person's (the dashboard) takes over.
    expect((await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Your booking is confirmed' })).status).toBe(200);
    expect((await leadOf(t, from)).agent_paused).toBe(false);
    const owner = await server.user({ companyId: t.companyId });
    expect((await owner.call('POST', '/v1/sms', { lead_id: lead.id, message: "Hi, it's Pat from the office" })).status).toBe(200);
    expect((await leadOf(t, from)).agent_paused).toBe(true);
  });

  it('answers within quiet hours someone who just texted, and holds a late turn until they end', async () => {
    const t = await agentTenant();
    // Quiet hours around now, in the company's timezone (Sydney).
    const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Australia/Sydney', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
    const now = Date.now();
    const span = { start: hhmm(now - 60 * 60_000), end: hhmm(now + 3 * 60 * 60_000) };
    expect((await t.call('PATCH', '/v1/company', { quiet_hours: span })).status).toBe(200);
    const from = randomAuMobile();
    await say(t, from, 'Hi, are you open?');
    await turns();
    expect(texts(from)).toHaveLength(1);

    // A text whose turn comes to run 90 minutes later (a backlog), still in quiet hours: it waits.
    await say(t, from, '2150');
    const late = manualClock(now + 90 * 60_000);
    await turns(server.config, late);
    expect(texts(from)).toHaveLength(1);
    const [held] = await server.database.db
      .select({ runAt: jobs.runAt, status: jobs.status, attempts: jobs.attempts })
      .from(jobs)
      .where(and(eq(jobs.companyId, t.companyId), eq(jobs.kind, AGENT_TURN_JOB), eq(jobs.status, 'pending')));
    expect(held.attempts).toBe(0);
    expect(Math.abs(held.runAt.getTime() - (now + 3 * 60 * 60_000))).toBeLessThan(61_000);
    // When they end, it is answered.
    late.set(held.runAt.getTime() + 1000);
    await turns(server.config, late);
    expect(texts(from)).toHaveLength(2);
  });

  it('STOP stops it for good', async () => {
    const t = await agentTenant();
    const from = randomAuMobile();
    await say(t, from, 'Hi');
    await turns();
    await say(t, from, 'STOP');
    await turns();
    await say(t, from, 'actually 2150');
    await turns();
    expect(texts(from)).toHaveLength(1);
  });

  it('out of credits: hands the lead to a person', async () => {
    const t = await agentTenant({ credits: 0 });
    const from = randomAuMobile();
    await say(t, from, 'Hi, I need solar panels');
    await turns();
    expect(texts(from)).toHaveLength(0);
    const lead = await leadOf(t, from);
    expect(lead).toMatchObject({ agent_paused: true });
    expect(lead.agent_paused_reason).toMatch(/credits/i);
    const events = await server.events(t.companyId);
    expect(events.map((e) => e.eventType)).toContain('agent.handed_off');
  });

  it('stops at the company’s message limit and hands over', async () => {
    const t = await agentTenant({ settings: { max_agent_messages_per_lead: 1 } });
    const from = randomAuMobile();
    await say(t, from, 'Hi');
    await turns();
    await say(t, from, '2150');
    await turns();
    expect(texts(from)).toHaveLength(1);
    expect((await leadOf(t, from)).agent_paused).toBe(true);
  });
});

describe('the lead agent, llm engine', () => {
  it('acts through the tools the model calls, and records the turn with its tokens', async () => {
    const t = await agentTenant({ settings: { engine: 'llm', instructions: 'We install solar panels in Western Sydney.' } });
    model.reply(
      { toolCalls: [{ name: 'set_score', arguments: JSON.stringify({ score: 80, status: 'hot', reason: 'Wants solar this month' }) }], usage: { prompt_tokens: 100, completion_tokens: 20 } },
      { toolCalls: [{ name: 'send_reply', arguments: JSON.stringify({ text: 'Thanks! What is the postcode of the property?' }) }], usage: { prompt_tokens: 120, completion_tokens: 10 } },
      { content: 'done', usage: { prompt_tokens: 130, completion_tokens: 1 } },
    );
    const from = randomAuMobile();
    await say(t, from, 'Hi, I want solar this month');
    await turns();
    expect(texts(from)).toEqual(['Thanks! What is the postcode of the property?']);
    const lead = await leadOf(t, from);
    expect(lead).toMatchObject({ ai_score: 80, ai_status: 'hot', ai_score_reason: 'Wants solar this month' });
    const [turn] = await server.database.db.select().from(agentTurns).where(eq(agentTurns.leadId, lead.id));
    expect(turn).toMatchObject({ engine: 'llm', outcome: 'done', promptTokens: 350, completionTokens: 31 });
    // The prompt carried the company's own instructions and the lead's text as data.
    const prompt = JSON.stringify(model.requests.at(-3)!.body.messages);
    expect(prompt).toContain('We install solar panels in Western Sydney.');
    expect(prompt).toContain('I want solar this month');
  });

  it('a model that fails: the holding reply and a hand-off', async () => {
    const t = await agentTenant({ settings: { engine: 'llm' } });
    model.reply({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    const from = randomAuMobile();
    await say(t, from, 'Hello?');
    await turns();
    expect(texts(from)).toEqual([`Thanks there, someone from Test Roofing will be in touch shortly.`]);
    expect((await leadOf(t, from)).agent_paused).toBe(true);
  });
});

describe('the agent’s usage, budget and console', () => {
  it('GET /v1/agent/usage: turns and tokens per day; a spent daily budget gets the holding reply and a hand-off', async () => {
    const t = await agentTenant({ settings: { engine: 'llm' } });
    model.reply(
      { toolCalls: [{ name: 'send_reply', arguments: JSON.stringify({ text: 'Hi! Which suburb is the job in?' }) }], usage: { prompt_tokens: 400, completion_tokens: 30 } },
      { content: 'done', usage: { prompt_tokens: 420, completion_tokens: 2 } },
    );
    const from = randomAuMobile();
    await say(t, from, 'Hi');
    await turns();
    const usage = await t.call('GET', '/v1/agent/usage');
    expect(usage.status).toBe(200);
    expect(usage.body.data).toEqual([{ date: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), turns: 1, prompt_tokens: 820, completion_tokens: 32, total_tokens: 852 }]);

    // 852 of a budget of 800 spent: the next turn does not call the model.
    const before = model.requests.length;
    await say(t, from, 'Parramatta');
    await turns({ ...server.config, aiDailyTokensPerCompany: 800 });
    expect(model.requests.length).toBe(before);
    expect(texts(from).at(-1)).toMatch(/will be in touch shortly/);
    expect((await leadOf(t, from)).agent_paused_reason).toMatch(/budget/);
  });

  it('POST /v1/agent/try: what the agent would answer and do, with nothing sent or stored, and a conversation that goes on', async () => {
    const t = await agentTenant();
    const sent = fake.sent.length;
    const first = await t.call('POST', '/v1/agent/try', { text: 'Hi, I need my gutters replaced', name: 'Jo Bloggs' });
    expect(first.status).toBe(200);
    expect(first.body.data.engine).toBe('rules');
    expect(first.body.data.replies).toHaveLength(1);
    expect(first.body.data.replies[0]).toMatch(/postcode/i);
    const second = await t.call('POST', '/v1/agent/try', { text: '2150', state: first.body.data.state });
    expect(second.body.data.replies[0]).not.toBe(first.body.data.replies[0]);
    expect(second.body.data.state.qualification.answers).toMatchObject({ postcode: '2150' });
    expect(second.body.data.state.thread).toHaveLength(4);
    expect(fake.sent.length).toBe(sent);
    expect((await t.call('GET', '/v1/leads')).body.meta.total).toBe(0);
    expect(await server.database.db.select().from(agentTurns).where(eq(agentTurns.companyId, t.companyId))).toHaveLength(0);
    const bad = await t.call('POST', '/v1/agent/try', { text: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/text/);
  });
});

function depsOf() {
  const db = server.database.db;
  const clock = server.clock;
  const leads = createLeads({ db, clock });
  const sms = createSms({ db, clock, leads, provider: createSmsProvider(server.config, quiet), publicUrl: server.config.publicUrl });
  return {
    db,
    clock,
    config: server.config,
    sms,
    leads,
    appointments: createAppointments({ db, clock }),
    quotes: createQuotes({ db, clock, leads, publicUrl: server.config.publicUrl, textQuoteLink: async () => undefined }),
    agentSettings: createAgentSettings({ db, clock, config: server.config }),
    llm: null,
  };
}
