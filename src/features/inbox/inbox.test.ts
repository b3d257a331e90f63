import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationReads } from '../../db/schema/index.js';
import { manualClock } from '../../../test/clock.js';
import { databaseOfItsOwn, type DashboardUser, type Tenant, type TestServer, runDueJobs } from '../../../test/helpers.js';
import { randomAuMobile, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import { createCompanies } from '../companies/companies.service.js';

// The inbox (issue 18) through HTTP, on both engines: conversations made by API calls and signed
// inbound texts, read per user through the dashboard's API. On PostgreSQL in a database of its own,
// since the hand-off runs the worker's agent task, which must take no other file's jobs.
const clock = manualClock(Date.now());
let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
let own: Awaited<ReturnType<typeof databaseOfItsOwn>>;
beforeAll(async () => {
  own = await databaseOfItsOwn('inbox');
  ({ fake, server, close } = await startServerWithFakeTwilio({}, { clock, database: own?.database }));
});
afterAll(async () => {
  await close?.();
  await own?.drop();
});

const work = (tasks: string[]) => runDueJobs(server, clock, tasks);

type Team = { api: Tenant; owner: DashboardUser; member: DashboardUser; number: string };
async function team(): Promise<Team> {
  const owner = await server.user({ role: 'owner' });
  const number = randomAuMobile();
  await createCompanies({ db: server.database.db, clock }).change(owner.companyId, { smsCredits: 100, twilioNumber: number });
  const member = await server.user({ role: 'member', companyId: owner.companyId });
  const api = await server.tenantOf(owner.companyId);
  return { api, owner, member, number };
}
async function inbox(u: DashboardUser, query = '') {
  const res = await u.call('GET', `/app/api/inbox${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { data: any[]; unread: number; next_before: string | null };
}
const unreadOf = async (u: DashboardUser) => (await u.call('GET', '/app/api/inbox/unread')).body.unread as number;
const minute = () => clock.advance(60_000);
async function newLead(t: Team, body: Record<string, unknown>) {
  minute();
  const res = await t.api.call('POST', '/v1/leads', body);
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
}
async function text(t: Team, from: string, body: string) {
  minute();
  expect((await fake.postInbound({ from, to: t.number, body })).status).toBe(200);
}

describe('GET /app/api/inbox', () => {
  it('lists conversations newest item first, a texter by the text, and pages with next_before', async () => {
    const t = await team();
    const dana = await newLead(t, { name: 'Dana Reyes', phone: randomAuMobile() });
    const texter = randomAuMobile();
    await text(t, texter, 'Hi, my gutters are leaking, can you come Friday?');
    const sam = await newLead(t, { name: 'Sam Ortiz', email: 'sam@example.com' });
    minute();
    expect((await t.api.call('POST', '/v1/sms', { lead_id: dana, message: 'On our way Tuesday' })).status).toBeLessThan(300);

    const page = await inbox(t.owner);
    expect(page.data.map((c) => c.lead_name ?? c.phone)).toEqual(['Dana Reyes', 'Sam Ortiz', expect.stringMatching(/^\+61/)]);
    expect(page.data[0]).toMatchObject({ lead_id: dana, last_message: { body: 'On our way Tuesday', direction: 'outbound', sender_type: 'api' }, needs_reply: false });
    expect(page.data[1]).toMatchObject({ lead_id: sam, last_message: null, unread: true, needs_reply: false });
    expect(page.data[2]).toMatchObject({ phone: texter, last_message: { body: 'Hi, my gutters are leaking, can you come Friday?', direction: 'inbound' }, unread: true, needs_reply: true });
    expect(page.unread).toBe(3);

    const first = await inbox(t.owner, '?limit=2');
    expect(first.data.map((c) => c.lead_id)).toEqual([dana, sam]);
    const second = await inbox(t.owner, `?limit=2&before=${encodeURIComponent(first.next_before!)}`);
    expect(second.data.map((c) => c.phone)).toEqual([texter]);
    expect(second.next_before).toBeNull();
    expect((await t.owner.call('GET', '/app/api/inbox?before=yesterday')).status).toBe(400);
  });

  it('is unread per user: opening marks it read for that user only, and a new text unreads it', async () => {
    const t = await team();
    const from = randomAuMobile();
    await text(t, from, 'Do you do solar panels?');
    const leadId = (await inbox(t.owner)).data[0].lead_id;
    expect([await unreadOf(t.owner), await unreadOf(t.member)]).toEqual([1, 1]);

    const read = await t.owner.call('POST', `/app/api/inbox/${leadId}/read`);
    expect(read.status, read.text).toBe(200);
    expect(read.body).toEqual({ unread: 0 });
    expect((await inbox(t.owner)).data[0].unread).toBe(false);
    expect((await inbox(t.member)).data[0].unread).toBe(true);
    expect(await unreadOf(t.member)).toBe(1);
    expect((await inbox(t.owner, '?filter=unread')).data).toEqual([]);

    // A reply from the team is no news; the customer's next text is.
    minute();
    expect((await t.api.call('POST', '/v1/sms', { lead_id: leadId, message: 'Yes we do' })).status).toBeLessThan(300);
    expect(await unreadOf(t.owner)).toBe(0);
    await text(t, from, 'Great, 6.6 kW please');
    expect(await unreadOf(t.owner)).toBe(1);
    expect((await inbox(t.owner, '?filter=unread')).data.map((c) => c.lead_id)).toEqual([leadId]);
  });

  it('needs a reply when the lead wrote last, until the team answers', async () => {
    const t = await team();
    const from = randomAuMobile();
    await text(t, from, 'How much for a roof inspection?');
    const quiet = await newLead(t, { name: 'No Texts Yet', phone: randomAuMobile() });
    const waiting = await inbox(t.owner, '?filter=needs_reply');
    expect(waiting.data.map((c) => c.phone)).toEqual([from]);
    expect(waiting.data.some((c) => c.lead_id === quiet)).toBe(false);

    minute();
    expect((await t.owner.call('POST', '/v1/sms', { lead_id: waiting.data[0].lead_id, message: '$180, when suits?' })).status).toBeLessThan(300);
    expect((await inbox(t.owner, '?filter=needs_reply')).data).toEqual([]);
  });

  it('needs a reply when the agent handed off, even after its own last text, until a person texts', async () => {
    const t = await team();
    expect((await t.api.call('PATCH', '/v1/agent', { enabled: true })).status).toBe(200);
    const from = randomAuMobile();
    await text(t, from, 'Hi, I need a quote for a new roof');
    await work(['agent']);
    await text(t, from, 'Can I talk to a real person please');
    await work(['agent']);
    const [c] = (await inbox(t.owner)).data;
    const lead = (await t.api.call('GET', `/v1/leads/${c.lead_id}`)).body.data;
    expect(lead).toMatchObject({ agent_paused: true, qualification: { stage: 'handed_off' } });
    expect(c.needs_reply).toBe(true);
    // What the agent texted last (if it did) does not answer the customer: the hand-off still waits.
    if (c.last_message.direction === 'outbound') expect(c.last_message.sender_type).toBe('agent');

    minute();
    expect((await t.owner.call('POST', '/v1/sms', { lead_id: c.lead_id, message: "Hi, it's Dana here" })).status).toBeLessThan(300);
    expect((await inbox(t.owner)).data[0]).toMatchObject({ lead_id: c.lead_id, needs_reply: false });
  });

  it("keeps to the company and its session: another company's lead is not found", async () => {
    const t = await team();
    const other = await team();
    const theirs = await newLead(other, { name: 'Not Yours', phone: randomAuMobile() });
    expect((await inbox(t.owner)).data).toEqual([]);
    expect((await t.owner.call('POST', `/app/api/inbox/${theirs}/read`)).status).toBe(404);
    expect(await unreadOf(other.owner)).toBe(1);
    expect((await server.fetch('GET', '/app/api/inbox')).status).toBe(401);
    expect((await server.fetch('GET', '/app/api/inbox/unread')).status).toBe(401);
    expect((await t.owner.call('POST', '/app/api/inbox/not-a-lead/read')).status).toBe(400);
  });

  it("erases a lead's conversation and everyone's read state with the lead", async () => {
    const t = await team();
    const leadId = await newLead(t, { name: 'Erase Me', phone: randomAuMobile() });
    for (const u of [t.owner, t.member]) expect((await u.call('POST', `/app/api/inbox/${leadId}/read`)).status).toBe(200);
    const reads = () => server.database.db.select().from(conversationReads).where(eq(conversationReads.leadId, leadId));
    expect(await reads()).toHaveLength(2);
    expect((await t.api.call('DELETE', `/v1/leads/${leadId}`)).status).toBeLessThan(300);
    expect(await reads()).toEqual([]);
    expect((await inbox(t.owner)).data).toEqual([]);
  });

  it("erases a user's read state with the user", async () => {
    const t = await team();
    const leadId = await newLead(t, { name: 'Read By Member', phone: randomAuMobile() });
    expect((await t.member.call('POST', `/app/api/inbox/${leadId}/read`)).status).toBe(200);
    expect((await t.owner.call('DELETE', `/app/api/team/${t.member.userId}`)).status).toBe(204);
    const left = await server.database.db.select().from(conversationReads).where(and(eq(conversationReads.userId, t.member.userId)));
    expect(left).toEqual([]);
  });
});
