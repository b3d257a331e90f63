import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../../../test/helpers.js';

// Quote and appointment lists, like lead lists (src/db/client.test.ts): each order must come from an
// index, and the counters behind their totals must equal the rows.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const COMPANY = '518ae6bc-3b15-4f80-935c-e1c49110d6cf';
const LEAD = '0b4f6f0e-2d7c-4c55-9a51-3f8f2a1c9e77';

async function plan(query: string): Promise<string> {
  return server.database.db.transaction(async (tx) => {
    // Tiny test tables make any plan cheap: leave the planner only the ordered index or a sort.
    for (const setting of ['enable_seqscan', 'enable_bitmapscan', 'enable_sort']) await tx.execute(sql.raw(`set local ${setting} = off`));
    const result = await tx.execute(sql.raw(`explain ${query}`));
    return (result as unknown as { rows: Record<string, string>[] }).rows.map((r) => Object.values(r)[0]).join('\n');
  });
}

describe('list indexes', () => {
  it.each([
    ['quotes', 'quotes', '', 'created_at'],
    ['quotes by stored status', 'quotes', "and status = 'draft'", 'created_at'],
    ['quotes by open status', 'quotes', "and status = 'sent' and (expires_at is null or expires_at > now())", 'created_at'],
    ['appointments', 'appointments', '', 'start_time'],
    ['appointments by type', 'appointments', "and appointment_type = 'onsite'", 'start_time'],
    ['appointments by status', 'appointments', "and status = 'confirmed'", 'start_time'],
    ['appointments in a range', 'appointments', "and start_time >= now() and start_time < now() + interval '7 days'", 'start_time'],
  ])('serve %s in order without sorting', async (_name, table, filter, order) => {
    const p = await plan(`select * from ${table} where company_id = '${COMPANY}' ${filter} order by ${order} desc, id desc limit 25 offset 50`);
    expect(p).toContain('Index Scan Backward');
    expect(p).not.toMatch(/Sort/);
  });

  // A lead's rows are found by the lead's index, not by scanning the company's and filtering.
  it.each([
    ['quotes', 'quotes', '', 'created_at'],
    ['quotes by status', 'quotes', "and status = 'draft'", 'created_at'],
    ['appointments', 'appointments', '', 'start_time'],
    ['appointments by type and status', 'appointments', "and appointment_type = 'onsite' and status = 'confirmed'", 'start_time'],
    ['appointments in a range', 'appointments', "and start_time >= now() and start_time < now() + interval '7 days'", 'start_time'],
  ])("serve one lead's %s in order without sorting", async (_name, table, filter, order) => {
    const p = await plan(
      `select *, count(*) over () from ${table} where company_id = '${COMPANY}' and lead_id = '${LEAD}' ${filter} order by ${order} desc, id desc limit 25 offset 50`,
    );
    expect(p).toMatch(new RegExp(`Index Scan Backward using ${table}_lead_\\w+_idx`));
    expect(p).toMatch(/Index Cond: \(+lead_id = /);
    expect(p).not.toMatch(/Sort/);
  });
});

describe('list counters', () => {
  it('equal the rows after creates, sends, answers and erasures', async () => {
    const t = await server.tenant();
    const leads = [];
    for (let i = 0; i < 3; i++) leads.push((await t.call('POST', '/v1/leads', { name: `Counted ${i}` })).body.data.id);
    for (const lead of leads) {
      for (let i = 0; i < 3; i++) {
        const q = (await t.call('POST', '/v1/quotes', { lead_id: lead, line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] })).body.data;
        if (i > 0) await t.call('POST', `/v1/quotes/${q.id}/send`);
        if (i > 1) await server.fetch('POST', `${new URL(q.public_url).pathname}/accept`);
        await t.call('POST', '/v1/appointments', { lead_id: lead, appointment_type: i % 2 ? 'onsite' : 'callback', start_time: `2030-01-0${i + 1}T00:00:00Z` });
      }
    }
    await t.call('DELETE', `/v1/leads/${leads[0]}`);
    const rows = async (q: string) => ((await server.database.db.execute(sql.raw(q))) as unknown as { rows: unknown[] }).rows;
    expect(await rows(`select status, n::int from quote_status_counts where company_id = '${t.companyId}' and n <> 0 order by 1`)).toEqual(
      await rows(`select status, count(*)::int n from quotes where company_id = '${t.companyId}' group by 1 order by 1`),
    );
    expect(
      await rows(`select appointment_type, status, n::int from appointment_counts where company_id = '${t.companyId}' and n <> 0 order by 1, 2`),
    ).toEqual(await rows(`select appointment_type, status, count(*)::int n from appointments where company_id = '${t.companyId}' group by 1, 2 order by 1, 2`));
    expect((await t.call('GET', '/v1/quotes')).body.meta.total).toBe(6);
    expect((await t.call('GET', '/v1/quotes?status=accepted')).body.meta.total).toBe(2);
    expect((await t.call('GET', '/v1/appointments?type=onsite')).body.meta.total).toBe(2);
  });
});
