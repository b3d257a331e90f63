import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type DashboardUser, type TestServer } from '../../../test/helpers.js';
import { manualClock } from '../../../test/clock.js';
import { leads, type PipelineStage } from '../../db/schema/index.js';

// The dashboard's home: funnel counts, new leads per week in the company's timezone, the win rate.
describe('GET /app/api/overview', () => {
  const clock = manualClock(Date.parse('2026-09-01T00:00:00Z'));
  let server: TestServer;
  let owner: DashboardUser;
  beforeAll(async () => {
    server = await startTestServer({ clock });
    owner = await server.user();
  });
  afterAll(() => server.close());

  // The clock jumps weeks ahead, past the session's idle end: a new session of the company each time.
  const at = async (iso: string) => {
    clock.set(Date.parse(iso));
    return server.user({ companyId: owner.companyId });
  };
  // Leads take their creation time from the database, so leads of past weeks are written directly.
  const leadAt = async (iso: string, stage: PipelineStage = 'new_lead') => {
    const [row] = await server.database.db
      .insert(leads)
      .values({ companyId: owner.companyId, name: `Lead ${iso}`, pipelineStage: stage, createdAt: new Date(iso), updatedAt: new Date(iso) })
      .returning({ id: leads.id });
    return row.id;
  };
  const decide = async (leadId: string, decision: 'accept' | 'decline') => {
    const owner = await at('2026-11-25T13:30:00+11:00');
    const draft = await owner.call('POST', '/v1/quotes', { lead_id: leadId, line_items: [{ description: 'Roof', quantity: 1, unit_price: 100 }] });
    const sent = await owner.call('POST', `/v1/quotes/${draft.body.data.id}/send`, {});
    const res = await fetch(server.url + new URL(sent.body.data.public_url).pathname + `/${decision}`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBeLessThan(400);
  };

  it('counts stages, weeks (Monday to Sunday in Sydney) and decided quotes', async () => {
    await leadAt('2026-09-01T03:00:00+10:00'); // before the 12 weeks
    await leadAt('2026-09-07T00:30:00+10:00', 'follow_up'); // Monday of the first week (Sunday in UTC)
    await leadAt('2026-09-06T23:30:00+10:00'); // the Sunday before: outside
    const won = await leadAt('2026-11-16T10:00:00+11:00', 'quoted');
    const lost = await leadAt('2026-11-23T09:00:00+11:00', 'quoted');
    await leadAt('2026-11-25T13:00:00+11:00', 'quoted');
    await decide(won, 'accept');
    await decide(lost, 'decline');

    const res = await (await at('2026-11-25T14:00:00+11:00')).call('GET', '/app/api/overview');
    expect(res.status).toBe(200);
    expect(res.body.pipeline).toEqual({ new_lead: 2, follow_up: 1, quote_in_progress: 0, quoted: 1, closed_won: 1, closed_lost: 1 });
    const weeks = res.body.new_leads_by_week;
    expect(weeks).toHaveLength(12);
    expect(weeks[0]).toEqual({ week_start: '2026-09-07', count: 1 });
    expect(weeks[10]).toEqual({ week_start: '2026-11-16', count: 1 });
    expect(weeks[11]).toEqual({ week_start: '2026-11-23', count: 2 });
    expect(weeks.reduce((n: number, w: { count: number }) => n + w.count, 0)).toBe(4);
    expect(res.body.quotes).toEqual({ sent: 2, accepted: 1, declined: 1, win_rate: 0.5 });
  });

  it('is for logged-in users only, and counts only their company', async () => {
    expect((await server.fetch('GET', '/app/api/overview')).status).toBe(401);
    const stranger = await server.user();
    const res = await stranger.call('GET', '/app/api/overview');
    expect(Object.values(res.body.pipeline).every((n) => n === 0)).toBe(true);
    expect(res.body.quotes.win_rate).toBeNull();
  });
});
