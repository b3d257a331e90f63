import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.js';
import { createCompanies } from '../companies/companies.service.js';
import { createWebhookSender, type WebhookSender } from '../webhooks/webhook-sender.js';
import { createRetentionTask } from '../../worker/retention.js';
import { randomAuMobile, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import type { TestServer } from '../../../test/helpers.js';
import { deliverWebhooks, startReceiver, type Receiver } from '../../../test/webhook-receiver.js';

// DELETE /v1/leads/:id erases everything about the person, in every table that holds it. Each table
// of the schema is named here with how it is covered; a table added without a line here fails the
// first test, so whoever adds one decides (and tests) how erasing a lead reaches it.
const TABLES: Record<string, { covered: 'lead_id cascade' | 'erasure repo' | 'no lead data' | 'kept'; why?: string }> = {
  leads: { covered: 'erasure repo', why: 'the row itself' },
  quotes: { covered: 'lead_id cascade' },
  quote_line_items: { covered: 'no lead data', why: 'lines of a quote, deleted with it (quote_id cascade)' },
  appointments: { covered: 'lead_id cascade' },
  sms_messages: { covered: 'lead_id cascade' },
  conversations: { covered: 'lead_id cascade' },
  conversation_reads: { covered: 'lead_id cascade' },
  lead_submissions: { covered: 'lead_id cascade' },
  intake_forms: { covered: 'no lead data', why: "a company's web form: its key, sites and limits" },
  intake_form_texts: { covered: 'no lead data', why: 'how many automatic texts a form gave in one hour: a form id, an hour and a count' },
  jobs: { covered: 'lead_id cascade' },
  lead_counters: { covered: 'no lead data', why: 'counts per stage, kept by trigger' },
  appointment_counts: { covered: 'no lead data', why: 'counts, kept by trigger' },
  quote_status_counts: { covered: 'no lead data', why: 'counts, kept by trigger' },
  quote_number_counters: { covered: 'no lead data', why: "the company's next quote number" },
  lead_search_keys: { covered: 'no lead data', why: 'an index, not a table' },
  outbox_events: { covered: 'erasure repo', why: 'events whose data is the lead or names it by lead_id' },
  webhook_deliveries: { covered: 'erasure repo', why: 'copies of those events in the delivery log' },
  webhook_attempts: { covered: 'no lead data', why: "receivers' answers, deleted with their delivery" },
  idempotency_keys: { covered: 'erasure repo', why: 'sealed answers of keyed POSTs, found by their lead_id' },
  notifications: { covered: 'lead_id cascade' },
  team_texts: { covered: 'lead_id cascade', why: 'a team member\'s text about a lead goes with it; one about no lead names none' },
  lead_erasures: { covered: 'no lead data', why: 'the id of an erased lead until its events have gone out' },
  sms_opt_outs: { covered: 'kept', why: 'the suppression list: honouring a STOP must outlive the lead' },
  companies: { covered: 'no lead data' },
  api_tokens: { covered: 'no lead data' },
  users: { covered: 'no lead data', why: "the business's own staff" },
  sessions: { covered: 'no lead data' },
  invites: { covered: 'no lead data' },
  webhook_endpoints: { covered: 'no lead data' },
  agent_settings: { covered: 'no lead data', why: "the company's agent settings" },
  automations: { covered: 'no lead data', why: "the company's follow-up sequences (its steps are jobs, erased with the lead)" },
  job_pacing: { covered: 'no lead data', why: "when a company's next paced job (a follow-up) may be claimed: a company id, a kind and a time" },
  agent_turns: { covered: 'lead_id cascade' },
  price_book_items: { covered: 'no lead data', why: "the company's own prices" },
};

let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
let receiver: Receiver;
let sender: WebhookSender;
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

const tablesOfSchema = async () =>
  rowsOf<{ table_name: string }>(
    await server.database.db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
    ),
  )
    .map((r) => r.table_name)
    .filter((t) => !t.startsWith('__drizzle'));

/** Rows of `table` whose text mentions any of `needles`: the whole row cast to text, whatever its columns. */
async function mentions(table: string, needles: string[]): Promise<number> {
  const any = sql.join(
    needles.map((n) => sql`position(${n} in t::text) > 0`),
    sql` or `,
  );
  const [row] = rowsOf<{ n: number }>(await server.database.db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} t where ${any}`));
  return row.n;
}

const deliverAll = () => deliverWebhooks(server, sender);

describe('erasing a lead', () => {
  it('every table of the schema says how erasing a lead covers it', async () => {
    const tables = await tablesOfSchema();
    expect(tables.filter((t) => !(t in TABLES)), 'tables this test does not know: add them to TABLES').toEqual([]);
    // What claims to cascade does: its lead_id references leads ON DELETE CASCADE.
    const cascading = rowsOf<{ table_name: string }>(
      await server.database.db.execute(sql`
        select c.conrelid::regclass::text as table_name from pg_constraint c
        where c.contype = 'f' and c.confrelid = 'leads'::regclass and c.confdeltype = 'c'`),
    ).map((r) => r.table_name);
    for (const [table, { covered }] of Object.entries(TABLES)) {
      if (covered === 'lead_id cascade' && tables.includes(table)) expect(cascading, table).toContain(table);
    }
    // And every table with a lead_id column is one of those, or holds no personal data.
    const withLeadId = rowsOf<{ table_name: string }>(
      await server.database.db.execute(
        sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'lead_id'`,
      ),
    ).map((r) => r.table_name);
    for (const table of withLeadId) {
      expect(cascading.includes(table) || ['no lead data', 'erasure repo'].includes(TABLES[table]?.covered), table).toBe(true);
    }
  });

  it('leaves nothing of the person in any table, once their events have gone out', async () => {
    const owner = await server.tenant({ name: 'Erasure Roofing' });
    const number = randomAuMobile();
    await createCompanies({ db: server.database.db, clock: server.clock }).change(owner.companyId, { smsCredits: 10, twilioNumber: number, instantReply: 'Hi {first_name}!' });
    expect((await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/all` })).status).toBe(201);
    const phone = randomAuMobile();
    const email = `erase-${phone.slice(-8)}@example.com`;
    const lead = (
      await owner.call('POST', '/v1/leads', { first_name: 'Erin', last_name: 'Zed', phone, email, notes: 'Side gate code 4471' }, { 'Idempotency-Key': `erase-${phone}` })
    ).body.data;
    await owner.call('PATCH', `/v1/leads/${lead.id}`, { pipeline_stage: 'follow_up' });
    await owner.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Hello Erin' });
    await fake.postInbound({ from: phone, to: number, body: 'Call me at 4pm' });
    const quote = (
      await owner.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Gutters for Erin', quantity: 1, unit_price: 900 }] })
    ).body.data;
    await owner.call('POST', `/v1/quotes/${quote.id}/send`, {});
    await owner.call('POST', '/v1/appointments', { lead_id: lead.id, appointment_type: 'onsite', start_time: '2031-03-02T09:00:00+11:00' });
    await deliverAll();
    const needles = [lead.id, email, phone, 'Side gate code 4471'];
    // Before: the person is in many places.
    expect(await mentions('outbox_events', needles)).toBeGreaterThan(0);
    expect(await mentions('webhook_deliveries', needles)).toBeGreaterThan(0);
    expect(await mentions('idempotency_keys', needles)).toBeGreaterThan(0);

    expect((await owner.call('DELETE', `/v1/leads/${lead.id}`)).status).toBe(204);
    await deliverAll();
    await createRetentionTask({ db: server.database.db, clock: server.clock }).runOnce();

    const left: Record<string, number> = {};
    for (const table of await tablesOfSchema()) {
      const n = await mentions(table, needles);
      if (n) left[table] = n;
    }
    // What stays: lead.deleted (its id only, for receivers) and the number's suppression if it had one.
    expect(left).toEqual({ outbox_events: 1, webhook_deliveries: 1 });
    const [deleted] = rowsOf<{ event_type: string; data: unknown }>(
      await server.database.db.execute(sql`select event_type, data from outbox_events where position(${lead.id} in data::text) > 0`),
    );
    expect(deleted).toEqual({ event_type: 'lead.deleted', data: { id: lead.id } });
  });

  it('an event still on its way is delivered as committed, then erased by the retention task', async () => {
    const owner = await server.tenant({ name: 'Late Roofing' });
    // An endpoint that fails for now: its deliveries stay pending.
    receiver.answer((r) => (r.path.startsWith('/status/503') ? { status: 503 } : {}));
    expect((await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/status/503` })).status).toBe(201);
    const lead = (await owner.call('POST', '/v1/leads', { name: 'Pending Pat', email: 'pending-pat@example.com' })).body.data;
    await deliverAll();
    expect((await owner.call('DELETE', `/v1/leads/${lead.id}`)).status).toBe(204);
    const pending = async () =>
      rowsOf<{ n: number }>(
        await server.database.db.execute(
          sql`select count(*)::int as n from webhook_deliveries where company_id = ${owner.companyId} and data->>'id' = ${lead.id} and event_type <> 'lead.deleted'`,
        ),
      )[0].n;
    expect(await pending()).toBe(1);
    const retention = createRetentionTask({ db: server.database.db, clock: server.clock });
    await retention.runOnce();
    expect(await pending()).toBe(1); // still on its way: kept
    // The delivery ends (here: the receiver gave up on; any final state will do).
    await server.database.db.execute(sql`update webhook_deliveries set status = 'failed' where company_id = ${owner.companyId}`);
    await retention.runOnce();
    expect(await pending()).toBe(0);
    expect(await mentions('lead_erasures', [lead.id])).toBe(0);
    expect(await mentions('webhook_deliveries', ['pending-pat@example.com'])).toBe(0);
  });
});
