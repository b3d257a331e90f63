import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers.js';
import { knownTimeZones } from './time-zones.js';

// A company's timezone is read by JavaScript (Intl: quote validity, the quote page) and by the
// database (the overview's weeks, a quote's expiry): only zones both know are accepted (issue 13: 6).
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

describe('company timezone', () => {
  it('refuses a zone Intl knows and the database does not (US/Pacific-New), and keeps the old one', async () => {
    const owner = await server.user();
    const res = await owner.call('PATCH', '/app/api/settings', { timezone: 'US/Pacific-New' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("'timezone' must be an IANA time zone, e.g. Australia/Sydney");
    expect((await owner.call('GET', '/app/api/settings')).body.timezone).toBe('Australia/Sydney');
    expect((await owner.call('GET', '/app/api/overview')).status).toBe(200);
  });

  it('takes a zone in any case, and stores the database name', async () => {
    const owner = await server.user();
    const res = await owner.call('PATCH', '/app/api/settings', { timezone: 'america/new_york' });
    expect(res.status).toBe(200);
    expect(res.body.timezone).toBe('America/New_York');
  });

  it('every accepted zone works in Intl and in every SQL the company timezone feeds', async () => {
    const zones = [...(await knownTimeZones(server.database.db)).values()];
    expect(zones.length).toBeGreaterThan(300);
    expect(zones).toContain('Australia/Sydney');
    for (const zone of zones) {
      expect(() => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())).not.toThrow();
    }
    // One statement over every zone, with the overview's week bounds and a quote's expiry.
    const result = await server.database.db.execute(sql`
      select count(*)::int as n from unnest(${`{${zones.map((z) => `"${z}"`).join(',')}}`}::text[]) as tz,
        lateral (select date_trunc('week', now() at time zone tz) as week) w
      where (w.week at time zone tz) is not null
        and ((w.week + interval '1 week') at time zone tz) is not null
        and ((current_date + 1)::timestamp at time zone tz) is not null`);
    expect(Number(rowsOf<{ n: number }>(result)[0].n)).toBe(zones.length);
  });

  it.each(['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu', 'America/St_Johns', 'Etc/GMT+12', 'UTC'])(
    'a company in %s gets its overview and sends a quote with a validity date',
    async (zone) => {
      const owner = await server.user();
      const zones = await knownTimeZones(server.database.db);
      if (![...zones.values()].includes(zone)) return; // not every engine knows every zone
      expect((await owner.call('PATCH', '/app/api/settings', { timezone: zone })).status).toBe(200);
      expect((await owner.call('GET', '/app/api/overview')).status).toBe(200);
      const lead = await owner.call('POST', '/v1/leads', { name: 'Zone Lead' });
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
      const draft = await owner.call('POST', '/v1/quotes', { lead_id: lead.body.data.id, valid_until: today, line_items: [{ description: 'Roof', quantity: 1, unit_price: 100 }] });
      expect(draft.status).toBe(201);
      expect((await owner.call('POST', `/v1/quotes/${draft.body.data.id}/send`, {})).status).toBe(200);
    },
  );

  it('lists the zones a company may choose (GET /app/api/time-zones): sorted, each one the PATCH takes', async () => {
    const owner = await server.user();
    const res = await owner.call('GET', '/app/api/time-zones');
    expect(res.status).toBe(200);
    const zones: string[] = res.body.data;
    expect(zones).toContain('Australia/Sydney');
    expect(zones).not.toContain('US/Pacific-New');
    expect([...zones].sort()).toEqual(zones);
    expect((await owner.call('PATCH', '/app/api/settings', { timezone: zones[zones.length - 1] })).status).toBe(200);
    expect((await server.fetch('GET', '/app/api/time-zones')).status).toBe(401);
  });
});
