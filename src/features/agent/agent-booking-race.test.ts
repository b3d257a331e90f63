import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.js';
import { instantOfWallTime } from '../../lib/zoned-time.js';
import { findCompany } from '../companies/companies.repo.js';
import { createLeads } from '../leads/leads.service.js';
import { createSms } from '../sms/sms.service.js';
import { createSmsProvider } from '../sms/sms.provider.js';
import { createAppointments } from '../appointments/appointments.service.js';
import { createQuotes } from '../quotes/quotes.service.js';
import { manualClock } from '../../../test/clock.js';
import { onPostgres, startTestServer, type Tenant, type TestServer } from '../../../test/helpers.js';
import { randomAuMobile } from '../../../test/fake-twilio.js';
import { createAgentSettings } from './agent-settings.service.js';
import { createToolRunner, type ToolDeps } from './agent-tools.js';
import { scheduleOf } from './agent-turn.js';
import { DEFAULT_SCHEDULE, freeSlots } from './slots.js';
import type { ToolResult } from './tools.js';

// Turns of different leads of one company that book the same free slot at the same moment, on
// PostgreSQL (PGlite has one connection, so nothing there runs at once): the runner's check of the
// slot and its insert are one transaction under the company's booking lock, so exactly one wins and
// the others are told the time is not free. The clock stands still on a Monday, 09:00 in Sydney.
const TZ = 'Australia/Sydney';
const MONDAY = '2031-06-02';
const clock = manualClock(instantOfWallTime(MONDAY, '09:00', TZ));
const MINUTE = 60_000;

let server: TestServer;
let deps: ToolDeps;

describe.runIf(onPostgres)('agent bookings racing for one slot (PostgreSQL)', () => {
  beforeAll(async () => {
    server = await startTestServer();
    const db = server.database.db;
    const leads = createLeads({ db, clock });
    deps = {
      db,
      clock,
      leads,
      sms: createSms({ db, clock, leads, provider: createSmsProvider(server.config, { warn() {}, info() {} }), publicUrl: server.config.publicUrl }),
      appointments: createAppointments({ db, clock }),
      quotes: createQuotes({ db, clock, leads, publicUrl: server.config.publicUrl, textQuoteLink: async () => undefined }),
    };
  });
  afterAll(async () => {
    await server?.close();
  });

  async function leadOf(t: Tenant): Promise<string> {
    const r = await t.call('POST', '/v1/leads', { name: 'Racer', phone: randomAuMobile() });
    expect(r.status).toBe(201);
    return r.body.data.id;
  }
  /** A new turn of `leadId`, as the job handler builds it. */
  async function turnOf(t: Tenant, leadId: string) {
    const row = (await findCompany(deps.db, t.companyId))!;
    const settings = await createAgentSettings({ db: deps.db, clock, config: server.config }).get(t.companyId);
    return createToolRunner(deps, {
      companyId: t.companyId,
      companyName: row.name,
      timezone: row.timezone,
      ownNumbers: [],
      country: row.country,
      quoteLinkPrefix: `${server.config.publicUrl}/q/`,
      leadId,
      trigger: `race:${randomUUID()}`,
      goals: settings.goals,
      schedule: scheduleOf(settings),
    });
  }
  const book = async (t: Tenant, leadId: string, type: 'callback' | 'onsite', start: number): Promise<ToolResult> =>
    (await turnOf(t, leadId)).run({ tool: 'book_appointment', args: { type, start_time: new Date(start).toISOString() } });

  async function overlaps(companyId: string): Promise<unknown[]> {
    return rowsOf(
      await deps.db.execute(sql`
        select a.id, b.id as other from appointments a join appointments b
          on a.company_id = b.company_id and a.id < b.id and a.start_time < b.end_time and b.start_time < a.end_time
        where a.company_id = ${companyId} and a.status <> 'cancelled' and b.status <> 'cancelled'`),
    );
  }
  async function count(companyId: string): Promise<number> {
    return rowsOf<{ n: number }>(await deps.db.execute(sql`select count(*)::int n from appointments where company_id = ${companyId} and status <> 'cancelled'`))[0].n;
  }
  function expectOneWinner(results: ToolResult[], what: string) {
    const won = results.filter((r) => r.ok);
    expect(won, what).toHaveLength(1);
    for (const r of results.filter((x) => !x.ok)) expect(!r.ok && r.error, what).toMatch(/^that time is not free; free \w+ slots are: /);
  }

  it('two leads booking the same slot at once: one wins each time, the other is told it is not free', async () => {
    const t = await server.tenant();
    const [a, b] = [await leadOf(t), await leadOf(t)];
    const slots = freeSlots({ timezone: TZ, schedule: DEFAULT_SCHEDULE, type: 'callback', now: clock.now(), busy: [] });
    const rounds = 60;
    for (let i = 0; i < rounds; i++) {
      const start = slots[i * 3].start.getTime();
      // Each lead's turn is built first, so that the two bookings start together.
      const [ta, tb] = [await turnOf(t, a), await turnOf(t, b)];
      const call = { tool: 'book_appointment' as const, args: { type: 'callback' as const, start_time: new Date(start).toISOString() } };
      const results = await Promise.all([ta.run(call), tb.run(call)]);
      expectOneWinner(results, `round ${i}`);
    }
    expect(await count(t.companyId)).toBe(rounds);
    expect(await overlaps(t.companyId)).toEqual([]);
  }, 120_000);

  it('an onsite hour and a callback inside it, booked at once: one wins', async () => {
    const t = await server.tenant();
    const [a, b] = [await leadOf(t), await leadOf(t)];
    const hours = freeSlots({ timezone: TZ, schedule: DEFAULT_SCHEDULE, type: 'onsite', now: clock.now(), busy: [] });
    const rounds = 30;
    for (let i = 0; i < rounds; i++) {
      const start = hours[i].start.getTime();
      const results = await Promise.all([book(t, a, 'onsite', start), book(t, b, 'callback', start + 15 * MINUTE + (i % 3) * 15 * MINUTE)]);
      expectOneWinner(results, `round ${i}`);
    }
    expect(await count(t.companyId)).toBe(rounds);
    expect(await overlaps(t.companyId)).toEqual([]);
  }, 120_000);

  it('eight leads at once for one slot: one wins; two companies never hold each other up', async () => {
    const [t, other] = [await server.tenant(), await server.tenant()];
    const leads = await Promise.all(Array.from({ length: 8 }, () => leadOf(t)));
    const otherLead = await leadOf(other);
    const slots = freeSlots({ timezone: TZ, schedule: DEFAULT_SCHEDULE, type: 'callback', now: clock.now(), busy: [] });
    for (let i = 0; i < 15; i++) {
      const start = slots[i * 5].start.getTime();
      const results = await Promise.all([...leads.map((l) => book(t, l, 'callback', start)), book(other, otherLead, 'callback', start)]);
      expectOneWinner(results.slice(0, 8), `round ${i}`);
      // The other company's calendar is its own: the same time is free there.
      expect(results[8].ok, `round ${i}, the other company`).toBe(true);
    }
    expect(await overlaps(t.companyId)).toEqual([]);
    expect(await count(other.companyId)).toBe(15);
  }, 120_000);
});
