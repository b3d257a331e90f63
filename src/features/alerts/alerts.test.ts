import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, notifications } from '../../db/schema/index.js';
import { createWorkerTasks } from '../../worker/tasks.js';
import { manualClock } from '../../../test/clock.js';
import { startFakeSmtp, type FakeSmtp } from '../../../test/fake-smtp.js';
import { databaseOfItsOwn, startTestServer, type DashboardUser, type Tenant, type TestServer } from '../../../test/helpers.js';

// Alerts (issue 17) through HTTP, on both engines: events made by API calls become alerts by the
// outbox's trigger, the bell and the choices are read and changed through the dashboard's API, and
// emails go through the worker's own jobs task to a local SMTP relay (test/fake-smtp.ts) on a clock
// the test moves. On PostgreSQL in a database of its own: its jobs task takes no other file's jobs.
const clock = manualClock(Date.now());
let smtp: FakeSmtp;
let server: TestServer;
let own: Awaited<ReturnType<typeof databaseOfItsOwn>>;
beforeAll(async () => {
  own = await databaseOfItsOwn('alerts');
  smtp = await startFakeSmtp();
  server = await startTestServer({ clock, database: own?.database, env: { SMTP_URL: smtp.url, MAIL_FROM: 'QuoteLeads <alerts@quoteleads.test>', PUBLIC_URL: 'https://crm.example.test' } });
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await own?.drop();
});

const quiet = { warn() {}, info() {} };
/** Runs the due jobs as the worker's jobs task does; jobs a trigger enqueued are due at the database's now. */
async function work() {
  clock.set(Math.max(clock.now(), Date.now() + 1000));
  const task = createWorkerTasks({ config: server.config, database: server.database, clock, log: quiet }).find((t) => t.name === 'jobs')!;
  while ((await task.runOnce()) > 0);
}

type Team = { api: Tenant; owner: DashboardUser; admin: DashboardUser; member: DashboardUser };
async function team(): Promise<Team> {
  const owner = await server.user({ role: 'owner' });
  const admin = await server.user({ role: 'admin', companyId: owner.companyId });
  const member = await server.user({ role: 'member', companyId: owner.companyId });
  const { token, tokenId } = await server.token(owner.companyId);
  const api: Tenant = {
    companyId: owner.companyId,
    token,
    tokenId,
    call: (method, path, body, headers = {}) => server.fetch(method, path, { body, headers: { authorization: `Bearer ${token}`, ...headers } }),
  };
  return { api, owner, admin, member };
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
    expect(mail.text).toContain(`https://crm.example.test/app/leads/${lead.body.data.id}`);
    expect(mail.html).toContain(`href="https://crm.example.test/app/leads/${lead.body.data.id}"`);
    expect(mail.from?.value[0]).toMatchObject({ name: 'QuoteLeads', address: 'alerts@quoteleads.test' });
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.headers.get('x-quoteleads-alert')).toBe('new_lead');
    const [row] = await rowsOf(t.owner.userId);
    expect(mail.messageId).toBe(`<alert-${row.id}@crm.example.test>`);
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
    } finally {
      await plain.close();
    }
  });
});
