import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../src/features/events/events.js';
import { createCompanies } from '../src/features/companies/companies.service.js';
import { createWebhookSender, type WebhookSender } from '../src/features/webhooks/webhook-sender.js';
import { randomAuMobile, startServerWithFakeTwilio, type FakeTwilio } from './fake-twilio.js';
import type { TestServer } from './helpers.js';
import { createWorkerTasks } from '../src/worker/tasks.js';
import { deliverWebhooks, startReceiver, type Receiver } from './webhook-receiver.js';

// Every event of A10 and B6 reaches a subscribed endpoint when its action happens, whichever feature
// records it: leads, quotes and their public page, appointments, inbound SMS.
let fake: FakeTwilio;
let server: TestServer;
let receiver: Receiver;
let sender: WebhookSender;

let close: () => Promise<void>;

beforeAll(async () => {
  ({ fake, server, close } = await startServerWithFakeTwilio({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }));
  receiver = await startReceiver();
  sender = createWebhookSender({ allowPrivateTargets: true });
});
afterAll(async () => {
  await sender?.close();
  await receiver?.close();
  await close?.();
});

// Free-form objects (the client's own, and what the agent gathered): their keys vary by lead.
const FREE_FORM = new Set(['custom_data', 'metadata', 'qualification']);

/** The keys of an object, and of the objects and first array items inside it, sorted. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, FREE_FORM.has(k) ? 'object' : shape((value as Record<string, unknown>)[k])]),
    );
  }
  return 'value';
}

const BROWSER = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148' };

describe('events end to end', () => {
  it('delivers every event type, each with the data its receivers read', async () => {
    const owner = await server.tenant({ name: 'Southern Cross Roofing' });
    const twilioNumber = randomAuMobile();
    await createCompanies({ db: server.database.db, clock: server.clock }).change(owner.companyId, { smsCredits: 10, twilioNumber });
    const hook = await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/all` });
    expect(hook.status).toBe(201);
    // The first text below leaves 9 credits: under this, sms.credits_low.
    expect((await owner.call('PATCH', '/v1/company', { low_credits_threshold: 10 })).status).toBe(200);

    const lead = (await owner.call('POST', '/v1/leads', { name: 'Dana Lee', phone: '0412 555 010' })).body.data;
    await owner.call('PATCH', `/v1/leads/${lead.id}`, { pipeline_stage: 'follow_up' });

    const line = [{ description: 'Re-roof, Colorbond', quantity: 1, unit_price: 18_500 }];
    const accepted = (await owner.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: line })).body.data;
    const declined = (await owner.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: line })).body.data;
    for (const q of [accepted, declined]) expect((await owner.call('POST', `/v1/quotes/${q.id}/send`, {})).status).toBe(200);
    const page = (q: { public_url: string }) => server.url + new URL(q.public_url).pathname;
    expect((await fetch(page(accepted), { headers: BROWSER })).status).toBe(200);
    const answer = (q: { public_url: string }, what: string) =>
      fetch(`${page(q)}/${what}`, { method: 'POST', redirect: 'manual', headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect((await answer(declined, 'decline')).status).toBe(303);
    expect((await answer(accepted, 'accept')).status).toBe(303);

    const booked = await owner.call('POST', '/v1/appointments', {
      lead_id: lead.id,
      appointment_type: 'onsite',
      start_time: '2031-03-02T09:00:00+11:00',
    });
    expect(booked.status).toBe(201);
    await owner.call('PATCH', `/v1/appointments/${booked.body.data.id}`, { status: 'confirmed' });

    // The lead agent hands a lead to a person when asked for one (agent.handed_off).
    expect((await owner.call('PATCH', '/v1/agent', { enabled: true })).status).toBe(200);
    const asker = (await owner.call('POST', '/v1/leads', { name: 'Kim Ng', phone: '0412 555 011' })).body.data;
    expect((await fake.postInbound({ from: '+61412555011', to: twilioNumber, body: 'Can I speak to a real person please' })).status).toBe(200);
    const agentTask = createWorkerTasks({ config: server.config, database: server.database, clock: server.clock, log: { warn() {}, info() {} } }).find((t) => t.name === 'agent')!;
    while ((await agentTask.runOnce()) > 0);
    expect((await owner.call('GET', `/v1/leads/${asker.id}`)).body.data.agent_paused).toBe(true);
    expect((await owner.call('PATCH', '/v1/agent', { enabled: false })).status).toBe(200);

    expect((await owner.call('POST', '/v1/sms', { lead_id: lead.id, message: 'See you Monday at 9' })).status).toBe(200);
    expect((await fake.postInbound({ from: '+61412555010', to: twilioNumber, body: 'Thanks, see you then' })).status).toBe(200);
    expect((await owner.call('DELETE', `/v1/leads/${lead.id}`)).status).toBe(204);

    await deliverWebhooks(server, sender, () => new Set(receiver.received.map((r) => r.body.event)).size === EVENT_TYPES.length);

    const byEvent = new Map<string, any[]>();
    for (const r of receiver.received) byEvent.set(r.body.event, [...(byEvent.get(r.body.event) ?? []), r.body]);
    expect([...byEvent.keys()].sort()).toEqual([...EVENT_TYPES].sort());

    const one = (event: string) => byEvent.get(event)!.at(-1);
    // Deliveries run side by side, so the last received is not always the last made: Dana's own texts.
    const dana = (event: string) => byEvent.get(event)!.find((e) => e.data.lead_id === lead.id);
    expect(one('quote.accepted').data).toMatchObject({ id: accepted.id, quote_id: accepted.id, status: 'accepted' });
    expect(one('quote.declined').data).toMatchObject({ quote_id: declined.id, status: 'declined' });
    expect(one('sale.completed').data).toMatchObject({ id: lead.id, pipeline_stage: 'closed_won', quote_id: accepted.id });
    expect(one('appointment.booked').data).toMatchObject({ lead_id: lead.id, lead_name: 'Dana Lee' });
    expect(one('appointment.updated').previous).toEqual({ status: 'scheduled' });
    expect(dana('sms.received').data).toMatchObject({ body: 'Thanks, see you then', lead_id: lead.id });
    expect(one('lead.deleted').data).toEqual({ id: lead.id });
    expect(byEvent.get('sms.credits_low')!.map((e) => e.data)).toEqual([{ credits_remaining: 9, threshold: 10 }]);
    expect(one('agent.handed_off').data).toMatchObject({ id: asker.id, agent_paused: true, handoff_reason: expect.stringContaining('person') });
    expect(one('agent.handed_off').actor).toMatchObject({ type: 'agent' });
    // Accepted by the provider: its MessageSid is known (Twilio answers a send with status queued).
    expect(dana('sms.sent').data).toMatchObject({ body: 'See you Monday at 9', lead_id: lead.id, provider_sid: expect.stringMatching(/^SM/) });
    // Who made each change: the key for what the API did, the customer for what they did.
    expect(dana('sms.sent').actor).toMatchObject({ type: 'api', id: expect.any(String) });
    expect(one('appointment.booked').actor.type).toBe('api');
    expect(one('quote.accepted').actor).toEqual({ type: 'lead', id: lead.id, name: 'Dana Lee' });
    expect(one('sale.completed').actor).toEqual({ type: 'lead', id: lead.id, name: 'Dana Lee' });
    expect(dana('sms.received').actor).toEqual({ type: 'lead', id: lead.id, name: 'Dana Lee' });
    expect(byEvent.get('lead.updated')!.map((e) => e.previous.pipeline_stage)).toEqual(
      expect.arrayContaining(['new_lead', 'follow_up', 'quoted']),
    );

    // A test delivery of each event has the shape of the real one, so a handler built on samples works.
    const samples = await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/samples` });
    for (const event of EVENT_TYPES) {
      const sent = await owner.call('POST', `/v1/webhooks/${samples.body.data.id}/test`, { event });
      expect(sent.status).toBe(200);
    }
    const sampled = receiver.received.filter((r) => r.path === '/samples');
    expect(sampled.map((r) => r.body.event)).toEqual([...EVENT_TYPES]);
    for (const r of sampled) {
      expect(r.headers['x-webhook-test']).toBe('true');
      expect(r.body.test).toBe(true);
      const real = one(r.body.event);
      expect(shape(r.body.data), r.body.event).toEqual(shape(real.data));
      expect(Object.keys(r.body.previous ?? {}).length > 0, r.body.event).toBe(real.previous !== undefined);
    }
  });
});
