import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../auth/principal.js';
import { createLeads } from '../leads/leads.service.js';
import { findLead } from '../leads/leads.repo.js';
import { startTestServer, type DashboardUser, type TestServer } from '../../../test/helpers.js';
import { manualClock } from '../../../test/clock.js';

// Home's today (issue 18) through HTTP, on both engines, on a clock the test sets: 9 am on Wednesday
// 10 June 2026 in Sydney (UTC+10), which is still Tuesday 9 June in UTC.
const NOW = Date.parse('2026-06-09T23:00:00Z');
const clock = manualClock(NOW);
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(() => server.close());

const PHONE_BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

async function today(u: DashboardUser) {
  const res = await u.call('GET', '/app/api/today');
  expect(res.status, res.text).toBe(200);
  return res.body;
}

describe('GET /app/api/today', () => {
  it("has today's and tomorrow's appointments by the company's days, not UTC's", async () => {
    const owner = await server.user();
    const call = (method: string, path: string, body?: unknown) => owner.call(method, path, body);
    const lead = (await call('POST', '/v1/leads', { name: 'Ari Booker', phone: '0412 000 111' })).body.data.id;
    const book = async (title: string, start: string) => {
      const res = await call('POST', '/v1/appointments', { lead_id: lead, title, appointment_type: 'onsite', start_time: start });
      expect(res.status, res.text).toBe(201);
      return res.body.data.id as string;
    };
    await book('Last night', '2026-06-09T23:30:00+10:00');
    const late = await book('Late quote visit', '2026-06-10T23:30:00+10:00'); // 13:30 UTC on the 10th: tomorrow in UTC
    const early = await book('Early callback', '2026-06-10T07:00:00+10:00');
    const next = await book('Just after midnight', '2026-06-11T00:30:00+10:00');
    await book('The day after', '2026-06-12T00:30:00+10:00');
    const cancelled = await book('Called off', '2026-06-10T12:00:00+10:00');
    expect((await call('PATCH', `/v1/appointments/${cancelled}`, { status: 'cancelled' })).status).toBe(200);

    const t = await today(owner);
    expect(t.timezone).toBe('Australia/Sydney');
    expect(t.today.date).toBe('2026-06-10');
    expect(t.today.appointments.map((a: any) => a.id)).toEqual([early, late]);
    expect(t.today.appointments[1]).toMatchObject({ lead_id: lead, lead_name: 'Ari Booker', title: 'Late quote visit', start_time: '2026-06-10T13:30:00.000Z' });
    expect(t.tomorrow).toMatchObject({ date: '2026-06-11', appointments: [expect.objectContaining({ id: next })] });

    // The same instant in Los Angeles is 4 pm on Tuesday 9 June: its today is the 9th, from 07:00 UTC.
    expect((await call('PATCH', '/app/api/settings', { timezone: 'America/Los_Angeles' })).status).toBe(200);
    const la = await today(owner);
    expect(la.today.date).toBe('2026-06-09');
    expect(la.today.appointments.map((a: any) => a.title)).toEqual(['Last night', 'Early callback']);
    expect(la.tomorrow.appointments.map((a: any) => a.title)).toEqual(['Late quote visit', 'Just after midnight']);
  });

  it('has conversations waiting, hot leads without a quote, and quotes viewed but not answered', async () => {
    const owner = await server.user();
    const call = (method: string, path: string, body?: unknown) => owner.call(method, path, body);
    const leads = createLeads({ db: server.database.db, clock });
    const hot = async (name: string) => {
      const id = (await call('POST', '/v1/leads', { name, phone: '0412 000 222' })).body.data.id as string;
      await server.database.db.transaction(async (tx) => {
        const row = (await findLead(tx, owner.companyId, id, { lock: true }))!;
        await leads.applyLeadChange(tx, owner.companyId, row, { aiStatus: 'hot', aiScore: 90 }, SYSTEM_ACTOR);
      });
      return id;
    };
    const unquoted = await hot('Hot Without Quote');
    const quoted = await hot('Hot With Quote');
    await call('POST', '/v1/leads', { name: 'Lukewarm', phone: '0412 000 333' });
    const draft = await call('POST', '/v1/quotes', { lead_id: quoted, line_items: [{ description: 'Gutter guard', quantity: 1, unit_price: 900 }] });
    expect(draft.status, draft.text).toBe(201);
    const sent = await call('POST', `/v1/quotes/${draft.body.data.id}/send`, {});
    expect(sent.status, sent.text).toBe(200);
    const page = new URL(sent.body.data.public_url).pathname;

    let t = await today(owner);
    expect(t.hot_leads.map((l: any) => l.id)).toEqual([unquoted]);
    expect(t.viewed_quotes).toEqual([]);

    expect((await server.fetch('GET', page, { headers: { 'user-agent': PHONE_BROWSER } })).status).toBe(200);
    t = await today(owner);
    expect(t.viewed_quotes).toEqual([expect.objectContaining({ id: draft.body.data.id, lead_id: quoted, lead_name: 'Hot With Quote', total_cents: '99000' })]);
    expect(t.waiting).toEqual({ count: 0, data: [] });

    const accepted = await server.fetch('POST', `${page}/accept`, { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': PHONE_BROWSER } });
    expect(accepted.status).toBeLessThan(400);
    expect((await today(owner)).viewed_quotes).toEqual([]);
  });

  it('needs a session', async () => {
    expect((await server.fetch('GET', '/app/api/today')).status).toBe(401);
  });
});
