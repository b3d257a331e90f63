import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, notifications } from '../../db/schema/index.js';
import { manualClock } from '../../../test/clock.js';
import { startFakeSmtp, type FakeSmtp } from '../../../test/fake-smtp.js';
import { databaseOfItsOwn, startTestServer, type DashboardUser, type Tenant, type TestServer, runDueJobs } from '../../../test/helpers.js';
import { PUBLIC_URL, randomAuMobile, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import { createCompanies } from '../companies/companies.service.js';
import { answerTo } from '../../../test/scripted-customer.js';

// Alerts (issue 17) through HTTP, on both engines: events made by API calls become alerts by the
// outbox's trigger, the bell and the choices are read and changed through the dashboard's API, and
// emails go through the worker's own jobs task to a local SMTP relay (test/fake-smtp.ts) on a clock
// the test moves. On PostgreSQL in a database of its own: its jobs task takes no other file's jobs.
const clock = manualClock(Date.now());
let smtp: FakeSmtp;
let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
let own: Awaited<ReturnType<typeof databaseOfItsOwn>>;
beforeAll(async () => {
  own = await databaseOfItsOwn('alerts');
  smtp = await startFakeSmtp();
  ({ fake, server, close } = await startServerWithFakeTwilio(
    { SMTP_URL: smtp.url, MAIL_FROM: 'QuoteLeads <alerts@quoteleads.test>' },
    { clock, database: own?.database },
  ));
});
afterAll(async () => {
  await close?.();
  await smtp?.close();
  await own?.drop();
});

const work = (tasks?: string[]) => runDueJobs(server, clock, tasks);

type Team = { api: Tenant; owner: DashboardUser; admin: DashboardUser; member: DashboardUser; number: string };
/** A company with its Twilio number and credits, an owner, an admin, a member and an API key. */
async function team(credits = 100): Promise<Team> {
  const owner = await server.user({ role: 'owner' });
  const number = randomAuMobile();
  await createCompanies({ db: server.database.db, clock }).change(owner.companyId, { smsCredits: credits, twilioNumber: number });
  const admin = await server.user({ role: 'admin', companyId: owner.companyId });
  const member = await server.user({ role: 'member', companyId: owner.companyId });
  const api = await server.tenantOf(owner.companyId);
  return { api, owner, admin, member, number };
}
async function bell(u: DashboardUser, query = '') {
  const res = await u.call('GET', `/app/api/notifications${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { data: any[]; unread: number; next_before: string | null };
}
const rowsOf = (userId: string) => server.database.db.select().from(notifications).where(eq(notifications.userId, userId));

describe('alerts of a new lead, by role', () => {
  it('owners and admins get it in the dashboard and by email, members in the dashboard only, until they choose', async () => {
    const t = await team();
    const lead = await t.api.call('POST', '/v1/leads', { name: 'Dana Reyes', phone: '0412 345 678', service_type: 'Roof restoration', source: 'website' });
    expect(lead.status).toBe(201);
    for (const u of [t.owner, t.admin, t.member]) {
      const b = await bell(u);
      expect(b.unread).toBe(1);
      expect(b.data).toHaveLength(1);
      expect(b.data[0]).toMatchObject({ kind: 'new_lead', event_type: 'lead.created', title: 'New lead: Dana Reyes', lead_id: lead.body.data.id, path: `/app/leads/${lead.body.data.id}`, read: false });
      expect(b.data[0].body).toContain('Roof restoration');
    }
    expect((await rowsOf(t.owner.userId))[0]).toMatchObject({ emailStatus: 'pending', smsStatus: null });
    expect((await rowsOf(t.admin.userId))[0]).toMatchObject({ emailStatus: 'pending', smsStatus: null });
    expect((await rowsOf(t.member.userId))[0]).toMatchObject({ emailStatus: null, smsStatus: null });
  });

  it('leads of a batch (written with their events in one statement) are each alerted, each tied to its lead', async () => {
    const t = await team();
    const batch = await t.api.call('POST', '/v1/leads/batch', { leads: [{ name: 'Batch One', phone: '0412 100 001' }, { name: 'Batch Two', phone: '0412 100 002' }] });
    expect(batch.status, batch.text).toBe(200);
    const mine = (await bell(t.owner)).data;
    expect(mine.map((n) => n.title).sort()).toEqual(['New lead: Batch One', 'New lead: Batch Two']);
    // Tied to the lead, so erasing it erases the alert.
    expect(mine.every((n) => typeof n.lead_id === 'string')).toBe(true);
  });

  it('nobody is alerted of what they did themselves', async () => {
    const t = await team();
    const made = await t.owner.call('POST', '/v1/leads', { name: 'Own Entry', phone: '0412 000 111' });
    expect(made.status, made.text).toBe(201);
    expect((await bell(t.owner)).data).toHaveLength(0);
    expect((await bell(t.admin)).data.map((n) => n.title)).toEqual(['New lead: Own Entry']);
  });

  it('a quote viewed is not alerted by default; accepted is; the list follows the choices made', async () => {
    const t = await team();
    const prefs = await t.member.call('GET', '/app/api/me/notifications');
    expect(prefs.status).toBe(200);
    const viewed = prefs.body.kinds.find((k: any) => k.kind === 'quote_viewed');
    expect(viewed).toMatchObject({ in_app: false, email: false, sms: false, chosen: { in_app: null, email: null, sms: null } });
    expect(prefs.body.kinds.find((k: any) => k.kind === 'new_lead')).toMatchObject({ in_app: true, email: false, defaults: { in_app: true, email: false, sms: false } });
    expect(prefs.body.channels.email).toEqual({ available: true, reason: null });
    expect(prefs.body.channels.sms).toMatchObject({ available: false, mobile: null, mobile_verified: false });

    const changed = await t.member.call('PATCH', '/app/api/me/notifications', { kinds: { new_lead: { in_app: false }, quote_viewed: { in_app: true, email: true } } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.kinds.find((k: any) => k.kind === 'quote_viewed')).toMatchObject({ in_app: true, email: true, chosen: { in_app: true, email: true, sms: null } });
    await t.api.call('POST', '/v1/leads', { name: 'Quiet One', phone: '0412 222 333' });
    expect((await bell(t.member)).data).toHaveLength(0);
    // Back to the default.
    const reset = await t.member.call('PATCH', '/app/api/me/notifications', { kinds: { new_lead: { in_app: null } } });
    expect(reset.body.kinds.find((k: any) => k.kind === 'new_lead')).toMatchObject({ in_app: true, chosen: { in_app: null } });
    await t.api.call('POST', '/v1/leads', { name: 'Heard One', phone: '0412 222 444' });
    expect((await bell(t.member)).data.map((n) => n.title)).toEqual(['New lead: Heard One']);
  });

  it('refuses a kind or channel it does not know, naming it', async () => {
    const t = await team();
    const bad = await t.owner.call('PATCH', '/app/api/me/notifications', { kinds: { new_leads: { email: true } } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('new_leads');
    const badChannel = await t.owner.call('PATCH', '/app/api/me/notifications', { kinds: { new_lead: { pager: true } } });
    expect(badChannel.status).toBe(400);
    expect(badChannel.text).toContain('pager');
  });
});

describe('the bell', () => {
  it('pages newest first, marks read (one, or all), and never marks another user’s', async () => {
    const t = await team();
    for (const name of ['One', 'Two', 'Three']) {
      clock.advance(1000);
      await t.api.call('POST', '/v1/leads', { name, phone: `0412 555 ${String(name.length).padStart(3, '0')}${name.length}`.slice(0, 12) });
    }
    const first = await bell(t.owner, '?limit=2');
    expect(first.data.map((n) => n.title)).toEqual(['New lead: Three', 'New lead: Two']);
    expect(first.next_before).toBe(first.data[1].id);
    const second = await bell(t.owner, `?limit=2&before=${first.next_before}`);
    expect(second.data.map((n) => n.title)).toEqual(['New lead: One']);
    expect(second.next_before).toBeNull();

    const adminsOwn = (await bell(t.admin)).data[0].id;
    const marked = await t.owner.call('POST', '/app/api/notifications/read', { ids: [first.data[0].id, adminsOwn] });
    expect(marked.body).toEqual({ marked: 1, unread: 2 });
    expect((await bell(t.admin)).unread).toBe(3);
    expect((await bell(t.owner, '?unread=true')).data.map((n) => n.title)).toEqual(['New lead: Two', 'New lead: One']);
    const all = await t.owner.call('POST', '/app/api/notifications/read', { all: true });
    expect(all.body).toEqual({ marked: 2, unread: 0 });
    expect((await t.owner.call('POST', '/app/api/notifications/read', {})).status).toBe(400);
  });

  it('erasing a lead erases its alerts', async () => {
    const t = await team();
    const lead = await t.api.call('POST', '/v1/leads', { name: 'Gone Soon', phone: '0412 777 888' });
    expect((await bell(t.owner)).data).toHaveLength(1);
    expect((await t.api.call('DELETE', `/v1/leads/${lead.body.data.id}`)).status).toBe(204);
    expect((await bell(t.owner)).data).toHaveLength(0);
    expect(await rowsOf(t.owner.userId)).toHaveLength(0);
    expect(await server.database.db.select().from(jobs).where(eq(jobs.leadId, lead.body.data.id))).toHaveLength(0);
  });
});

describe('email alerts through SMTP', () => {
  it('sends the alert once, after commit, with its words, a link to the lead and our headers', async () => {
    const t = await team();
    const toTeam = () => smtp.received.filter((m) => [t.owner.email, t.admin.email, t.member.email].includes(m.envelope.to[0]));
    const lead = await t.api.call('POST', '/v1/leads', { name: 'Mail Me', phone: '0412 999 000', service_type: 'Gutter guard' });
    await work();
    const mails = toTeam();
    expect(mails.map((m) => m.envelope.to[0]).sort()).toEqual([t.owner.email, t.admin.email].sort());
    const mail = mails.find((m) => m.envelope.to[0] === t.owner.email)!;
    expect(mail.subject).toBe('New lead: Mail Me · Test Roofing');
    expect(mail.text).toContain('Gutter guard');
    expect(mail.text).toContain(`${PUBLIC_URL}/app/leads/${lead.body.data.id}`);
    expect(mail.html).toContain(`href="${PUBLIC_URL}/app/leads/${lead.body.data.id}"`);
    expect(mail.text).toContain(`${PUBLIC_URL}/app/settings#alerts`);
    expect(mail.from?.value[0]).toMatchObject({ name: 'QuoteLeads', address: 'alerts@quoteleads.test' });
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.headers.get('x-quoteleads-alert')).toBe('new_lead');
    const [row] = await rowsOf(t.owner.userId);
    expect(mail.messageId).toBe(`<alert-${row.id}@api.quoteleads.test>`);
    expect(row.emailStatus).toBe('sent');
    // Running the jobs again sends nothing more.
    clock.advance(3_600_000);
    await work();
    expect(toTeam()).toHaveLength(2);
  });

  it('is retried when the relay refuses once (421), and failed for good on a 550', async () => {
    const t = await team();
    await server.database.db.execute(
      // Only the owner takes email here, to count one message.
      (await import('drizzle-orm')).sql`update users set alert_prefs = '{"new_lead":{"email":false}}' where id = ${t.admin.userId}`,
    );
    const before = smtp.received.length;
    smtp.refuse(1, 421);
    await t.api.call('POST', '/v1/leads', { name: 'Try Again', phone: '0412 111 222' });
    await work();
    expect(smtp.received.length).toBe(before);
    expect((await rowsOf(t.owner.userId))[0].emailStatus).toBe('pending');
    clock.advance(11_000);
    await work();
    expect(smtp.received.slice(before).map((m) => m.subject)).toEqual(['New lead: Try Again · Test Roofing']);
    expect((await rowsOf(t.owner.userId))[0].emailStatus).toBe('sent');

    smtp.refuse(1, 550);
    await t.api.call('POST', '/v1/leads', { name: 'No Such Box', phone: '0412 111 333' });
    await work();
    clock.advance(3_600_000);
    await work();
    const failed = (await rowsOf(t.owner.userId)).find((r) => (r.data as { name?: string }).name === 'No Such Box')!;
    expect(failed.emailStatus).toBe('failed');
    expect(String(failed.emailDetail?.error)).toContain('Mailbox unavailable');
    expect(smtp.received.length - before).toBe(1);
  });
});

describe('email alerts without SMTP', () => {
  it('are skipped, and the choices say why', async () => {
    const plain = await startTestServer({ clock, database: own?.database });
    try {
      const owner = await plain.user();
      const prefs = await owner.call('GET', '/app/api/me/notifications');
      expect(prefs.body.channels.email.available).toBe(false);
      expect(prefs.body.channels.email.reason).toContain('SMTP_URL');
      const invite = await owner.call('POST', '/app/api/invites', { role: 'member', email: 'someone@example.com' });
      expect(invite.status).toBe(400);
      expect(invite.body.error).toContain('SMTP_URL');
      expect((await owner.call('POST', '/app/api/invites', { role: 'member' })).status).toBe(201);
    } finally {
      await plain.close();
    }
  });
});

describe('alerts of what customers and the agent do', () => {
  const titles = async (u: DashboardUser) => (await bell(u)).data.map((n) => n.title);

  it('a reply from a lead; a first text from a stranger is one new-lead alert, not two', async () => {
    const t = await team();
    const phone = randomAuMobile();
    await t.api.call('POST', '/v1/leads', { name: 'Jo Texter', phone });
    expect((await fake.postInbound({ from: phone, to: t.number, body: 'Yes, Thursday works' })).status).toBe(200);
    expect(await titles(t.owner)).toEqual(['Reply from Jo Texter', 'New lead: Jo Texter']);
    expect((await bell(t.owner)).data[0].body).toBe('“Yes, Thursday works”');

    const stranger = randomAuMobile();
    expect((await fake.postInbound({ from: stranger, to: t.number, body: 'Do you do skylights?' })).status).toBe(200);
    const after = await bell(t.owner);
    expect(after.data.filter((n) => n.kind === 'new_lead')).toHaveLength(2);
    expect(after.data.filter((n) => n.kind === 'lead_reply')).toHaveLength(1);
  });

  it('a quote viewed (not alerted by default), accepted and declined', async () => {
    const t = await team();
    const lead = (await t.api.call('POST', '/v1/leads', { name: 'Quinn Quote', phone: randomAuMobile() })).body.data;
    const quote = async () => {
      const draft = await t.api.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Ridge capping', quantity: 1, unit_price: 1250 }] });
      const sent = await t.api.call('POST', `/v1/quotes/${draft.body.data.id}/send`, {});
      expect(sent.status, sent.text).toBe(200);
      return new URL(sent.body.data.public_url).pathname;
    };
    await t.admin.call('PATCH', '/app/api/me/notifications', { kinds: { quote_viewed: { in_app: true }, quote_declined: { in_app: true } } });
    const accepted = await quote();
    expect((await server.fetch('GET', accepted)).status).toBe(200);
    expect((await server.fetch('POST', `${accepted}/accept`, { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBeLessThan(400);
    const declined = await quote();
    expect((await server.fetch('POST', `${declined}/decline`, { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBeLessThan(400);

    expect((await titles(t.owner)).filter((s) => s.includes('quote'))).toEqual([expect.stringMatching(/^Quinn Quote accepted quote Q-\d{5}$/)]);
    const admins = (await bell(t.admin)).data.filter((n) => n.kind.startsWith('quote_'));
    expect(admins.map((n) => n.kind)).toEqual(['quote_declined', 'quote_accepted', 'quote_viewed']);
    expect(admins[1].body).toBe('AUD 1375.00');
    await work();
    expect(smtp.received.filter((m) => m.envelope.to[0] === t.owner.email).map((m) => m.subject)).toContainEqual(expect.stringMatching(/accepted quote/));
  });

  it('a hand-off by the agent', async () => {
    const t = await team();
    expect((await t.api.call('PATCH', '/v1/agent', { enabled: true })).status).toBe(200);
    const phone = randomAuMobile();
    await fake.postInbound({ from: phone, to: t.number, body: 'Hi, I need a quote for a new roof' });
    await work(['agent']);
    // The customer writes a minute after the agent's answer.
    clock.advance(60_000);
    await fake.postInbound({ from: phone, to: t.number, body: 'Can I talk to a real person please' });
    await work(['agent']);
    const handoff = (await bell(t.owner)).data.find((n) => n.kind === 'handoff');
    expect(handoff, JSON.stringify(await titles(t.owner))).toBeDefined();
    expect(handoff.title).toMatch(/needs a person$/);
    expect(handoff.body).toContain('asked for a person');
  });

  it('an appointment the agent books with the customer, for those who chose it', async () => {
    const t = await team();
    await t.owner.call('PATCH', '/app/api/me/notifications', { kinds: { appointment_booked: { in_app: true } } });
    expect((await t.api.call('PATCH', '/v1/agent', { enabled: true, service_postcodes: ['2000-2234'] })).status).toBe(200);
    const phone = randomAuMobile();
    const texts = () => fake.sent.filter((m) => m.to === phone).map((m) => m.body);
    const say = async (body: string) => {
      clock.advance(60_000);
      expect((await fake.postInbound({ from: phone, to: t.number, body })).status).toBe(200);
      await work(['agent']);
    };
    await say('Hi, need a roof quote');
    for (let i = 0; i < 8 && !texts().at(-1)!.includes('Reply 1'); i++) await say(answerTo(texts().at(-1)!));
    expect(texts().at(-1)).toMatch(/Reply 1 for/);
    await say('1');
    const booked = (await bell(t.owner)).data.filter((n) => n.kind === 'appointment_booked');
    expect(booked, JSON.stringify(texts())).toHaveLength(1);
    expect(booked[0].title).toMatch(/^Booked: \+61\d+, \w{3}, \d{1,2} \w{3}, \d{1,2}:\d{2} [ap]m$/);
  });

  it('an appointment booked through the API is not alerted (whoever booked it knows)', async () => {
    const t = await team();
    const lead = (await t.api.call('POST', '/v1/leads', { name: 'Booked Bo', phone: randomAuMobile() })).body.data;
    const booked = await t.api.call('POST', '/v1/appointments', { lead_id: lead.id, appointment_type: 'onsite', start_time: new Date(clock.now() + 86_400_000).toISOString() });
    expect(booked.status, booked.text).toBe(201);
    expect((await bell(t.owner)).data.map((n) => n.kind)).toEqual(['new_lead']);
  });

  it('SMS credits running low: once, as the balance goes below the threshold, for those who chose it; an event for webhooks', async () => {
    const t = await team(12);
    expect((await t.owner.call('PATCH', '/app/api/settings', { low_credits_threshold: 10 })).body.low_credits_threshold).toBe(10);
    await t.owner.call('PATCH', '/app/api/me/notifications', { kinds: { credits_low: { in_app: true, email: true } } });
    const lead = (await t.api.call('POST', '/v1/leads', { name: 'Credit Check', phone: randomAuMobile() })).body.data;
    for (const message of ['one', 'two', 'three', 'four']) {
      expect((await t.api.call('POST', '/v1/sms', { lead_id: lead.id, message })).status).toBe(200);
    }
    const low = (await bell(t.owner)).data.filter((n) => n.kind === 'credits_low');
    expect(low.map((n) => n.title)).toEqual(['SMS credits low: 9 left']);
    expect(low[0].path).toBe('/app/settings');
    expect((await server.events(t.api.companyId)).filter((e) => e.eventType === 'sms.credits_low').map((e) => e.data)).toEqual([{ credits_remaining: 9, threshold: 10 }]);
    // Not chosen by the admin: nothing.
    expect((await bell(t.admin)).data.filter((n) => n.kind === 'credits_low')).toHaveLength(0);
  });
});

describe('team invitations by email', () => {
  it('emails the link when an email is given, once, and shows how it went', async () => {
    const t = await team();
    const made = await t.owner.call('POST', '/app/api/invites', { role: 'member', email: 'New.Hire@Example.com' });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({ email: 'new.hire@example.com', email_status: 'pending' });
    await work();
    const mails = smtp.received.filter((m) => m.envelope.to[0] === 'new.hire@example.com');
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('Join Test Roofing on QuoteLeads');
    expect(mails[0].text).toContain(made.body.url);
    expect(mails[0].html).toContain(`href="${made.body.url}"`);
    const teamView = await t.owner.call('GET', '/app/api/team');
    expect(teamView.body.invites.find((i: any) => i.id === made.body.id)).toMatchObject({ email: 'new.hire@example.com', email_status: 'sent' });
    // The link is the one that works.
    expect((await server.fetch('GET', `/app/api/invites/${made.body.url.split('/').pop()}`)).status).toBe(200);
    clock.advance(3_600_000);
    await work();
    expect(smtp.received.filter((m) => m.envelope.to[0] === 'new.hire@example.com')).toHaveLength(1);
  });

  it('an invitation withdrawn before its email went is not emailed; a bad address is refused', async () => {
    const t = await team();
    const made = await t.owner.call('POST', '/app/api/invites', { role: 'admin', email: 'gone@example.com' });
    expect((await t.owner.call('DELETE', `/app/api/invites/${made.body.id}`)).status).toBe(204);
    await work();
    expect(smtp.received.filter((m) => m.envelope.to[0] === 'gone@example.com')).toHaveLength(0);
    const bad = await t.owner.call('POST', '/app/api/invites', { role: 'member', email: 'not an email' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('email');
  });
});

describe('choices made at once', () => {
  it('two changes of one user sent together both stay', async () => {
    const t = await team();
    const kinds = ['quote_viewed', 'quote_declined', 'appointment_booked', 'credits_low'] as const;
    const answers = await Promise.all(kinds.map((k) => t.owner.call('PATCH', '/app/api/me/notifications', { kinds: { [k]: { in_app: true } } })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const prefs = await t.owner.call('GET', '/app/api/me/notifications');
    for (const k of kinds) expect(prefs.body.kinds.find((x: any) => x.kind === k).chosen.in_app, k).toBe(true);
  });
});
