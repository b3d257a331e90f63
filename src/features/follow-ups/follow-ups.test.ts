import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, smsMessages } from '../../db/schema/index.js';
import { createWorkerTasks } from '../../worker/tasks.js';
import { randomAuMobile, smsTenant, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import { manualClock } from '../../../test/clock.js';
import { databaseOfItsOwn, type Tenant, type TestServer } from '../../../test/helpers.js';

// Follow-up sequences (issue 15) through HTTP, on both engines: the changes that start and stop them are API calls and
// signed inbound texts from the fake Twilio, the steps are sent by the worker's own jobs task on a
// clock the test moves, and what the customer gets is what the fake Twilio received.
const clock = manualClock();
let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
let own: Awaited<ReturnType<typeof databaseOfItsOwn>>;
beforeAll(async () => {
  // Its worker tasks run years ahead: on PostgreSQL, in a database of its own, so they take no other file's jobs.
  own = await databaseOfItsOwn('follow_ups');
  ({ fake, server, close } = await startServerWithFakeTwilio({}, { clock, database: own?.database }));
});
afterAll(async () => {
  await close?.();
  await own?.drop();
});

const quiet = { warn() {}, info() {} };
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Runs what is due, as the worker's tasks do: the jobs task (follow-ups) and the agent's. */
async function work() {
  const tasks = createWorkerTasks({ config: server.config, database: server.database, clock, log: quiet }).filter((t) => t.name === 'jobs' || t.name === 'agent');
  for (let round = 0; round < 10; round++) {
    let done = 0;
    for (const task of tasks) while ((await task.runOnce()) > 0) done++;
    if (done === 0) return;
  }
}
/** Moves the clock on by `ms` and runs what fell due. */
async function after(ms: number) {
  clock.advance(ms);
  await work();
}
const texts = (to: string) => fake.sent.filter((m) => m.to === to).map((m) => m.body);

type SmsTenant = Tenant & { number: string };
async function company(o: { sequences?: Record<string, unknown>; settings?: Record<string, unknown>; credits?: number } = {}): Promise<SmsTenant> {
  const t = await smsTenant(server, o.credits ?? 100);
  const set = await t.call('PATCH', '/v1/company', { name: 'Ridge Roofing', timezone: 'Australia/Sydney', ...o.settings });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  for (const [kind, body] of Object.entries(o.sequences ?? {})) {
    const on = await t.call('PATCH', `/v1/automations/${kind}`, body);
    expect(on.status, JSON.stringify(on.body)).toBe(200);
  }
  return t;
}
async function newLead(t: Tenant, body: Record<string, unknown> = {}) {
  const phone = randomAuMobile();
  const res = await t.call('POST', '/v1/leads', { name: 'Sam Jones', phone, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.data.id as string, phone };
}
async function followUps(t: Tenant, leadId: string) {
  const res = await t.call('GET', `/v1/leads/${leadId}/follow-ups`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { id: string; sequence: string; step: number; status: string; reason: string | null; due_at: string; message_id: string | null }[];
}
const statuses = (list: { status: string; reason: string | null }[]) => list.map((f) => (f.reason ? `${f.status}:${f.reason}` : f.status));
async function say(t: SmsTenant, from: string, body: string) {
  expect((await fake.postInbound({ from, to: t.number, body })).status).toBe(200);
}
/** A Sydney wall time as an instant: "2030-12-10T10:00" with its offset. */
const sydney = (local: string, offset = '+11:00') => Date.parse(`${local}:00${offset}`);

const NURTURE = { enabled: true };
const INSTANT = { instant_reply: 'Hi {first_name}, thanks for contacting {company}!' };

describe('/v1/automations', () => {
  it('answers the four sequences with their defaults, off, and the segments each step takes', async () => {
    const t = await company();
    const res = await t.call('GET', '/v1/automations');
    expect(res.status).toBe(200);
    expect(res.body.data.map((s: { kind: string }) => s.kind)).toEqual(['lead_nurture', 'quote_chase', 'appointment_reminder', 'review_request']);
    expect(res.body.data.every((s: { enabled: boolean }) => !s.enabled)).toBe(true);
    const chase = res.body.data[1];
    expect(chase.steps.map((s: { offset_minutes: number }) => s.offset_minutes)).toEqual([2 * 1440, 5 * 1440, 10 * 1440]);
    expect(chase.steps[0].text).toContain('{quote_link}');
    expect(chase.placeholders).toContain('{quote_link}');
    expect(res.body.data[2].steps.map((s: { offset_minutes: number }) => s.offset_minutes)).toEqual([-1440, -120]);
    for (const s of res.body.data) for (const step of s.steps) expect(step.segments).toBeGreaterThanOrEqual(1);
  });

  it('refuses steps a business cannot mean, naming the problem', async () => {
    const t = await company();
    const refused = async (kind: string, body: unknown, words: string) => {
      const res = await t.call('PATCH', `/v1/automations/${kind}`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toContain(words);
    };
    await refused('lead_nurture', { steps: [{ offset_minutes: 0, text: 'Hi' }] }, 'must not be 0');
    await refused('lead_nurture', { steps: [{ offset_minutes: 30, text: 'a' }, { offset_minutes: 30, text: 'b' }] }, 'at least 1 minute after step 1');
    await refused('lead_nurture', { steps: [{ offset_minutes: 1.5, text: 'a' }] }, 'whole number of minutes');
    await refused('appointment_reminder', { steps: [{ offset_minutes: 60, text: 'a' }] }, 'must be negative');
    await refused('quote_chase', { steps: [{ offset_minutes: -60, text: 'a' }] }, 'must be positive');
    await refused('lead_nurture', { steps: [{ offset_minutes: 60, text: 'Your quote: {quote_link}' }] }, 'unknown placeholder {quote_link}');
    await refused('review_request', { steps: [{ offset_minutes: 60, text: 'Hi {firstname}' }] }, '{firstname}');
    await refused('lead_nurture', { steps: [{ offset_minutes: 60, text: 'x'.repeat(450) }] }, 'would be 4 segments');
    await refused('lead_nurture', {}, 'No valid fields to update');
    const unknown = await t.call('PATCH', '/v1/automations/birthday', { enabled: true });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain('Unknown sequence: birthday');

    const ok = await t.call('PATCH', '/v1/automations/lead_nurture', { enabled: true, steps: [{ offset_minutes: 30, text: 'Hi {first_name}' }] });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ kind: 'lead_nurture', enabled: true, steps: [{ offset_minutes: 30, text: 'Hi {first_name}', segments: 1 }] });
    const reader = await server.tenant({ scopes: ['leads:read'] });
    expect((await reader.call('PATCH', '/v1/automations/lead_nurture', { enabled: true })).status).toBe(403);
    expect((await reader.call('GET', '/v1/automations')).status).toBe(403);
  });
});

describe('lead nurture', () => {
  it('follows a silent lead up from our last text, with the company name and the opt-out, and stops on a reply', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ settings: INSTANT, sequences: { lead_nurture: NURTURE } });
    const lead = await newLead(t);
    await work();
    expect(texts(lead.phone)).toEqual(['Hi Sam, thanks for contacting Ridge Roofing!']);
    const planned = await followUps(t, lead.id);
    expect(statuses(planned)).toEqual(['scheduled', 'scheduled', 'scheduled']);
    expect(planned.map((f) => Date.parse(f.due_at) - clock.now())).toEqual([2 * HOUR, DAY, 3 * DAY]);

    await after(2 * HOUR - MIN);
    expect(texts(lead.phone)).toHaveLength(1);
    await after(MIN);
    expect(texts(lead.phone)).toHaveLength(2);
    expect(texts(lead.phone)[1]).toMatch(/^Ridge Roofing: Hi Sam, just checking you got our message\..* Reply STOP to opt out$/);
    const sent = await followUps(t, lead.id);
    expect(statuses(sent)).toEqual(['sent', 'scheduled', 'scheduled']);
    const thread = await t.call('GET', `/v1/leads/${lead.id}/messages`);
    const message = thread.body.data.find((m: { id: string }) => m.id === sent[0].message_id);
    expect(message).toMatchObject({ direction: 'outbound', sender: { type: 'automation', name: 'Follow-up: new lead' } });
    const events = await server.events(t.companyId);
    expect(events.filter((e) => e.eventType === 'sms.sent').map((e) => (e.data as { sender: { type: string } }).sender.type)).toEqual(['automation', 'automation']);

    await say(t, lead.phone, 'Yes got it, can you come Friday?');
    expect(statuses(await followUps(t, lead.id))).toEqual(['sent', 'cancelled:lead_replied', 'cancelled:lead_replied']);
    await after(4 * DAY);
    expect(texts(lead.phone)).toHaveLength(2);
  });

  it('stops on a stage change, a person taking over, the AI switched off, STOP, and a cancel from the API', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ settings: INSTANT, sequences: { lead_nurture: NURTURE } });
    const stage = await newLead(t);
    const takeover = await newLead(t);
    const aiOff = await newLead(t);
    const stop = await newLead(t);
    const cancelled = await newLead(t);
    await work();
    expect((await t.call('PATCH', `/v1/leads/${stage.id}`, { pipeline_stage: 'quote_in_progress' })).status).toBe(200);
    expect((await t.call('POST', '/v1/sms', { lead_id: takeover.id, message: 'Hi, Dave here, I will call you', pause_agent: true })).status).toBe(200);
    expect((await t.call('PATCH', `/v1/leads/${aiOff.id}`, { ai_enabled: false })).status).toBe(200);
    await say(t, stop.phone, 'STOP');
    const one = (await followUps(t, cancelled.id))[0];
    const gone = await t.call('DELETE', `/v1/leads/${cancelled.id}/follow-ups/${one.id}`);
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    expect(gone.body.data).toMatchObject({ id: one.id, status: 'cancelled', reason: 'cancelled_by_user' });
    expect((await t.call('DELETE', `/v1/leads/${cancelled.id}/follow-ups/${one.id}`)).status).toBe(409);
    expect((await t.call('DELETE', `/v1/leads/${stage.id}/follow-ups/${one.id}`)).status).toBe(404);

    expect(statuses(await followUps(t, stage.id))).toEqual(Array(3).fill('cancelled:stage_changed'));
    expect(statuses(await followUps(t, takeover.id))).toEqual(Array(3).fill('cancelled:taken_over'));
    expect(statuses(await followUps(t, aiOff.id))).toEqual(Array(3).fill('cancelled:ai_disabled'));
    expect(statuses(await followUps(t, stop.id))).toEqual(Array(3).fill('cancelled:opted_out'));
    await after(DAY);
    for (const l of [stage, aiOff, stop]) expect(texts(l.phone)).toHaveLength(1);
    expect(texts(takeover.phone)).toHaveLength(2); // the instant reply and the person's text
    expect(texts(cancelled.phone)).toHaveLength(2); // the second step still goes
    expect(statuses(await followUps(t, cancelled.id))).toEqual(['cancelled:cancelled_by_user', 'sent', 'scheduled']);
  });

  it('stops when an appointment is booked, and when a person texts from the dashboard', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ settings: INSTANT, sequences: { lead_nurture: NURTURE } });
    const booked = await newLead(t);
    const texted = await newLead(t);
    await work();
    const start = new Date(sydney('2030-12-12T10:00')).toISOString();
    expect((await t.call('POST', '/v1/appointments', { lead_id: booked.id, appointment_type: 'onsite', start_time: start })).status).toBe(201);
    const person = await server.user({ role: 'member', companyId: t.companyId });
    const sent = await person.call('POST', '/v1/sms', { lead_id: texted.id, message: 'Hi, Dana here. Free to chat?' });
    expect(sent.status, sent.text).toBe(200);
    expect(statuses(await followUps(t, booked.id))).toEqual(Array(3).fill('cancelled:appointment_booked'));
    // A person's text takes over from the agent first (its own change), which stops the nurture.
    expect(statuses(await followUps(t, texted.id))).toEqual(Array(3).fill('cancelled:taken_over'));
  });

  it('records a step that cannot be sent (no credits) with why, and stops the rest of the sequence', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ settings: INSTANT, sequences: { lead_nurture: NURTURE }, credits: 1 });
    const lead = await newLead(t);
    await work();
    await after(2 * HOUR);
    const list = await followUps(t, lead.id);
    expect(list[0].status).toBe('skipped');
    expect(list[0].reason).toContain('Insufficient SMS credits');
    expect(statuses(list).slice(1)).toEqual(['cancelled:sequence_stopped', 'cancelled:sequence_stopped']);
  });
});

describe('the times a step goes out', () => {
  it('waits out quiet hours and Sundays on the company clock, unless the company allows Sundays', async () => {
    const steps = [{ offset_minutes: 600, text: 'Hi {first_name}, still keen?' }];
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ settings: INSTANT, sequences: { lead_nurture: { enabled: true, steps } } });
    const lead = await newLead(t);
    await work();
    await after(10 * HOUR); // 20:00: quiet hours (20:00–08:00)
    expect(texts(lead.phone)).toHaveLength(1);
    expect((await followUps(t, lead.id))[0].due_at).toBe(new Date(sydney('2030-12-11T08:00')).toISOString());
    clock.set(sydney('2030-12-11T07:59'));
    await work();
    expect(texts(lead.phone)).toHaveLength(1);
    await after(MIN);
    expect(texts(lead.phone)).toHaveLength(2);

    // Saturday 14 December, 10:00 + 24 h is a Sunday: Monday 08:00 (Monday's quiet hours end then).
    clock.set(sydney('2030-12-14T10:00'));
    const weekend = await company({ settings: INSTANT, sequences: { lead_nurture: { enabled: true, steps: [{ offset_minutes: 1440, text: 'Hi {first_name}' }] } } });
    const sat = await newLead(weekend);
    await work();
    await after(DAY);
    expect(texts(sat.phone)).toHaveLength(1);
    expect((await followUps(weekend, sat.id))[0].due_at).toBe(new Date(sydney('2030-12-16T08:00')).toISOString());

    clock.set(sydney('2030-12-14T10:00'));
    const sundays = await company({
      settings: { ...INSTANT, follow_ups_on_sundays: true },
      sequences: { lead_nurture: { enabled: true, steps: [{ offset_minutes: 1440, text: 'Hi {first_name}' }] } },
    });
    const sun = await newLead(sundays);
    await work();
    await after(DAY);
    expect(texts(sun.phone)).toHaveLength(2);
  });

  it('skips no step and sends none twice across both daylight-saving changes in Australia/Sydney', async () => {
    const steps = [{ offset_minutes: 120, text: 'Hi {first_name}' }];
    const cases = [
      // Clocks go forward at 02:00 on Sunday 6 October 2030 (+10 → +11), back at 03:00 on Sunday 6 April 2031.
      { anchor: sydney('2030-10-05T19:00', '+10:00'), morning: sydney('2030-10-06T08:00', '+11:00') },
      { anchor: sydney('2031-04-05T19:00', '+11:00'), morning: sydney('2031-04-06T08:00', '+10:00') },
    ];
    for (const c of cases) {
      clock.set(c.anchor);
      const t = await company({ settings: { ...INSTANT, follow_ups_on_sundays: true }, sequences: { lead_nurture: { enabled: true, steps } } });
      const lead = await newLead(t);
      await work();
      await after(2 * HOUR); // 21:00 Saturday: quiet until 08:00 Sunday, on the other side of the change
      expect((await followUps(t, lead.id))[0].due_at).toBe(new Date(c.morning).toISOString());
      for (let h = 0; h < 14; h++) await after(HOUR);
      expect(texts(lead.phone)).toHaveLength(2);
      expect((await followUps(t, lead.id))[0]).toMatchObject({ status: 'sent' });
    }
  });
});

describe('quote chase', () => {
  it('chases a sent quote with its link on day 2 and 5, and stops when it is accepted', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ sequences: { quote_chase: { enabled: true } } });
    const lead = await newLead(t, { name: 'Jo Customer' });
    const draft = await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Ridge capping', quantity: 1, unit_price: 900 }], valid_until: '2031-01-31' });
    expect(draft.status).toBe(201);
    const sent = await t.call('POST', `/v1/quotes/${draft.body.data.id}/send`);
    expect(sent.status).toBe(200);
    const link = sent.body.data.public_url as string;
    const planned = await followUps(t, lead.id);
    expect(planned.map((f) => [f.sequence, f.status])).toEqual(Array(3).fill(['quote_chase', 'scheduled']));
    expect(planned.map((f) => Date.parse(f.due_at) - clock.now())).toEqual([2 * DAY, 5 * DAY, 10 * DAY]);

    await after(2 * DAY);
    expect(texts(lead.phone)).toEqual([expect.stringMatching(new RegExp(`^Ridge Roofing: Hi Jo, did you get a chance to look at your quote\\? ${link} Reply STOP to opt out$`))]);
    const accepted = await fetch(`${server.url}${new URL(link).pathname}/accept`, {
      method: 'POST',
      body: '',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(accepted.status).toBe(303);
    expect(statuses(await followUps(t, lead.id))).toEqual(['sent', 'cancelled:quote_accepted', 'cancelled:quote_accepted']);
    await after(10 * DAY);
    expect(texts(lead.phone)).toHaveLength(1);
  });

  it('stops the chase of a quote when a new one is sent, and skips steps past its expiry', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ sequences: { quote_chase: { enabled: true } } });
    const lead = await newLead(t);
    const quote = async (validUntil: string) => {
      const d = await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Gutters', quantity: 1, unit_price: 400 }], valid_until: validUntil });
      expect((await t.call('POST', `/v1/quotes/${d.body.data.id}/send`)).status).toBe(200);
      return d.body.data.id as string;
    };
    await quote('2031-01-31');
    // The second is good to the end of Sunday 15 December: day 2 (Thursday) and day 5 (that Sunday) are planned, day 10 is not.
    const second = await quote('2030-12-15');
    const list = await followUps(t, lead.id);
    expect(statuses(list).filter((s) => s.startsWith('cancelled'))).toEqual(Array(3).fill('cancelled:new_quote_sent'));
    expect(list.filter((f) => f.status === 'scheduled').map((f) => (f as unknown as { quote_id: string }).quote_id)).toEqual([second, second]);
    await after(2 * DAY);
    expect(texts(lead.phone)).toHaveLength(1);
    // Sunday's step would wait for Monday 08:00, past the expiry: skipped.
    await after(3 * DAY);
    expect(statuses((await followUps(t, lead.id)).filter((f) => f.status !== 'cancelled'))).toEqual(['sent', 'skipped:quiet_until_quote_expiry']);
  });

  it('stops the chase on a decline, a reply from the lead, and the lead closed', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ sequences: { quote_chase: { enabled: true } } });
    const sent = async () => {
      const lead = await newLead(t);
      const d = await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Gutters', quantity: 1, unit_price: 400 }] });
      const res = await t.call('POST', `/v1/quotes/${d.body.data.id}/send`);
      return { ...lead, link: res.body.data.public_url as string };
    };
    const declined = await sent();
    const replied = await sent();
    const closed = await sent();
    const post = await fetch(`${server.url}${new URL(declined.link).pathname}/decline`, {
      method: 'POST',
      body: '',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(post.status).toBe(303);
    await say(t, replied.phone, 'Can you do it for less?');
    expect((await t.call('PATCH', `/v1/leads/${closed.id}`, { pipeline_stage: 'closed_lost' })).status).toBe(200);
    expect(statuses(await followUps(t, declined.id))).toEqual(Array(3).fill('cancelled:quote_declined'));
    expect(statuses(await followUps(t, replied.id))).toEqual(Array(3).fill('cancelled:lead_replied'));
    expect(statuses(await followUps(t, closed.id))).toEqual(Array(3).fill('cancelled:lead_closed'));
  });

  it('skips a step that comes due after its quote expired (a worker that was down)', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ sequences: { quote_chase: { enabled: true, steps: [{ offset_minutes: 1440, text: 'Hi {first_name}: {quote_link}' }] } } });
    const lead = await newLead(t);
    const d = await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Gutters', quantity: 1, unit_price: 400 }], valid_until: '2030-12-11' });
    expect((await t.call('POST', `/v1/quotes/${d.body.data.id}/send`)).status).toBe(200);
    await after(2 * DAY);
    expect(statuses(await followUps(t, lead.id))).toEqual(['skipped:quote_expired']);
    expect(texts(lead.phone)).toHaveLength(0);
  });
});

describe('appointment reminders', () => {
  async function book(t: Tenant, leadId: string, start: string, type = 'onsite') {
    const res = await t.call('POST', '/v1/appointments', { lead_id: leadId, appointment_type: type, start_time: new Date(sydney(start)).toISOString() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data.id as string;
  }

  it('reminds 24 h and 2 h before, skips a step already past, moves with a reschedule and goes with a cancel', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ sequences: { appointment_reminder: { enabled: true } } });
    const lead = await newLead(t);
    const friday = await book(t, lead.id, '2030-12-13T10:00');
    expect((await followUps(t, lead.id)).map((f) => f.due_at)).toEqual([
      new Date(sydney('2030-12-12T10:00')).toISOString(),
      new Date(sydney('2030-12-13T08:00')).toISOString(),
    ]);
    // Tomorrow 09:00: the 24 h reminder is past already, the 2 h one (07:00) waits for 08:00.
    const lead2 = await newLead(t);
    await book(t, lead2.id, '2030-12-11T09:00');
    expect((await followUps(t, lead2.id)).map((f) => f.step)).toEqual([2]);

    const moved = await t.call('PATCH', `/v1/appointments/${friday}`, { start_time: new Date(sydney('2030-12-13T14:00')).toISOString() });
    expect(moved.status).toBe(200);
    const list = await followUps(t, lead.id);
    expect(statuses(list).filter((s) => s.startsWith('cancelled'))).toEqual(['cancelled:rescheduled', 'cancelled:rescheduled']);
    expect(list.filter((f) => f.status === 'scheduled').map((f) => f.due_at)).toEqual([
      new Date(sydney('2030-12-12T14:00')).toISOString(),
      new Date(sydney('2030-12-13T12:00')).toISOString(),
    ]);

    clock.set(sydney('2030-12-11T08:00'));
    await work();
    expect(texts(lead2.phone)).toEqual(['Hi Sam, Ridge Roofing here: see you at 9:00am today. Reply C to confirm or R to change the time.']);
    clock.set(sydney('2030-12-12T14:00'));
    await work();
    expect(texts(lead.phone)).toEqual([
      'Hi Sam, a reminder from Ridge Roofing: we see you Friday 13 December at 2:00pm. Reply C to confirm or R to change the time.',
    ]);
    expect((await t.call('PATCH', `/v1/appointments/${friday}`, { status: 'cancelled' })).status).toBe(200);
    expect(statuses(await followUps(t, lead.id)).at(-1)).toBe('cancelled:appointment_cancelled');
    await after(DAY);
    expect(texts(lead.phone)).toHaveLength(1);
  });

  it('C confirms the appointment (appointment.updated) and starts no agent turn', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ sequences: { appointment_reminder: { enabled: true } } });
    const lead = await newLead(t);
    const id = await book(t, lead.id, '2030-12-12T11:00');
    expect((await t.call('PATCH', '/v1/agent', { enabled: true })).status).toBe(200);
    await after(DAY + HOUR);
    expect(texts(lead.phone)).toHaveLength(1);
    await say(t, lead.phone, ' c ');
    await work();
    const appointment = (await t.call('GET', `/v1/appointments/${id}`)).body.data;
    expect(appointment.status).toBe('confirmed');
    const updated = (await server.events(t.companyId)).filter((e) => e.eventType === 'appointment.updated');
    expect(updated.at(-1)).toMatchObject({ data: { id, status: 'confirmed' }, previous: { status: 'scheduled' } });
    expect(texts(lead.phone)[1]).toBe("Thanks Sam, you're confirmed for Thursday 12 December at 11:00am. See you then.");
    const turns = await server.database.db.select().from(jobs).where(and(eq(jobs.leadId, lead.id), eq(jobs.kind, 'agent_turn')));
    expect(turns.filter((j) => j.uniqueKey?.startsWith('inbound:'))).toHaveLength(0);
    const [inbound] = await server.database.db.select().from(smsMessages).where(and(eq(smsMessages.leadId, lead.id), eq(smsMessages.direction, 'inbound')));
    expect(inbound.kind).toBe('reminder_reply');
    // A C with no reminder before it is a plain text (the agent answers it).
    const other = await newLead(t);
    await say(t, other.phone, 'C');
    const otherTurns = await server.database.db.select().from(jobs).where(and(eq(jobs.leadId, other.id), eq(jobs.kind, 'agent_turn')));
    expect(otherTurns.filter((j) => j.uniqueKey?.startsWith('inbound:'))).toHaveLength(1);
  });

  it('R asks for another time: the business sees it, the agent offers free slots, and the pick moves the appointment', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ sequences: { appointment_reminder: { enabled: true } } });
    const lead = await newLead(t);
    const id = await book(t, lead.id, '2030-12-12T11:00');
    expect((await t.call('PATCH', '/v1/agent', { enabled: true, goals: ['onsite'] })).status).toBe(200);
    await after(DAY + HOUR);
    await say(t, lead.phone, 'R');
    await work();
    const asked = (await t.call('GET', `/v1/appointments/${id}`)).body.data;
    expect(asked.reschedule_requested_at).toBe(new Date(clock.now()).toISOString());
    const offer = texts(lead.phone)[1];
    expect(offer).toMatch(/^No problem Sam\. Reply 1 for .+, 2 for .+ for a new time\.$/);
    await say(t, lead.phone, '2');
    await work();
    const moved = (await t.call('GET', `/v1/appointments/${id}`)).body.data;
    expect(moved.start_time).not.toBe(asked.start_time);
    expect(moved).toMatchObject({ status: 'scheduled', reschedule_requested_at: null });
    const all = (await t.call('GET', `/v1/appointments?lead_id=${lead.id}`)).body.data;
    expect(all).toHaveLength(1);
    expect(texts(lead.phone)[2]).toContain("You're booked in for a visit");
    // The reminders follow the new time.
    const scheduled = (await followUps(t, lead.id)).filter((f) => f.status === 'scheduled');
    expect(scheduled.length).toBeGreaterThan(0);
    for (const f of scheduled) expect(Date.parse(f.due_at)).toBeLessThan(Date.parse(moved.start_time));
  });
});

describe('review request', () => {
  it('asks for a review with the company link 2 days after closed_won, once per lead', async () => {
    clock.set(sydney('2030-12-10T10:00'));
    const t = await company({ settings: { review_url: 'https://g.page/r/ridge/review' }, sequences: { review_request: { enabled: true } } });
    const lead = await newLead(t);
    expect((await t.call('PATCH', `/v1/leads/${lead.id}`, { pipeline_stage: 'closed_won' })).status).toBe(200);
    expect((await followUps(t, lead.id)).map((f) => Date.parse(f.due_at) - clock.now())).toEqual([2 * DAY]);
    await after(2 * DAY);
    expect(texts(lead.phone)).toEqual(['Ridge Roofing: Hi Sam, thanks for choosing us. Would you leave us a quick review? https://g.page/r/ridge/review Reply STOP to opt out']);
    await t.call('PATCH', `/v1/leads/${lead.id}`, { pipeline_stage: 'follow_up' });
    await t.call('PATCH', `/v1/leads/${lead.id}`, { pipeline_stage: 'closed_won' });
    await after(3 * DAY);
    expect(texts(lead.phone)).toHaveLength(1);
    expect(await followUps(t, lead.id)).toHaveLength(1);
  });
});
