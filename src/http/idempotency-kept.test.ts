import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import { smsTenant, startServerWithFakeTwilio, type FakeTwilio } from '../../test/fake-twilio.js';
import { withInsertFailure, type Tenant, type TestServer } from '../../test/helpers.js';

// B2's answer is kept by the change itself: for every keyed POST that writes, the stored answer and
// the row the change wrote were written by one transaction (PostgreSQL's xmin, the id of the
// transaction that wrote a row version, is the same), so no crash can leave one without the other.
// idempotency-crash.test.ts kills real servers at each step on PostgreSQL; this covers every route.
let server: TestServer;
let fake: FakeTwilio;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ server, fake, close } = await startServerWithFakeTwilio());
});
afterAll(() => close());

const newKey = () => ({ 'idempotency-key': `kept-${Math.random().toString(36).slice(2)}` });

async function writerOf(table: string, id: string): Promise<string> {
  const rows = rowsOf<{ x: string }>(await server.database.db.execute(sql`select xmin::text x from ${sql.identifier(table)} where id = ${id}`));
  expect(rows, `${table} ${id}`).toHaveLength(1);
  return rows[0].x;
}

async function keptBy(t: Tenant, headers: Record<string, string>): Promise<{ xmin: string; status: number | null }> {
  const rows = rowsOf<{ x: string; status_code: number | null }>(
    await server.database.db.execute(
      sql`select xmin::text x, status_code from idempotency_keys where company_id = ${t.companyId} and key = ${headers['idempotency-key']}`,
    ),
  );
  expect(rows).toHaveLength(1);
  return { xmin: rows[0].x, status: rows[0].status_code };
}

describe('a keyed POST keeps its answer in the transaction of its change', () => {
  it.each([
    ['POST /v1/leads', 'leads', async (t: Tenant, h: Record<string, string>) => (await t.call('POST', '/v1/leads', { name: 'Kept Lead' }, h)).body.data.id],
    [
      'POST /v1/quotes',
      'quotes',
      async (t: Tenant, h: Record<string, string>) => {
        const lead = (await t.call('POST', '/v1/leads', { name: 'Quoted' })).body.data;
        return (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Gutters', quantity: 1, unit_price: 400 }] }, h)).body
          .data.id;
      },
    ],
    [
      'POST /v1/quotes/:id/send',
      'quotes',
      async (t: Tenant, h: Record<string, string>) => {
        const lead = (await t.call('POST', '/v1/leads', { name: 'Sent', phone: '0412 345 111' })).body.data;
        const quote = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Roof', quantity: 1, unit_price: 900 }] })).body.data;
        const sent = await t.call('POST', `/v1/quotes/${quote.id}/send`, { sms: true }, h);
        expect(sent.status).toBe(200);
        return quote.id;
      },
    ],
    [
      'POST /v1/appointments',
      'appointments',
      async (t: Tenant, h: Record<string, string>) => {
        const lead = (await t.call('POST', '/v1/leads', { name: 'Booked' })).body.data;
        const at = { lead_id: lead.id, appointment_type: 'onsite', start_time: '2027-03-01T23:00:00Z' };
        return (await t.call('POST', '/v1/appointments', at, h)).body.data.id;
      },
    ],
    ['POST /v1/webhooks', 'webhook_endpoints', async (t: Tenant, h: Record<string, string>) => (await t.call('POST', '/v1/webhooks', { url: 'https://1.1.1.1/hook' }, h)).body.data.id],
    [
      'POST /v1/webhooks/:id/rotate-secret',
      'webhook_endpoints',
      async (t: Tenant, h: Record<string, string>) => {
        const hook = (await t.call('POST', '/v1/webhooks', { url: 'https://1.1.1.1/hook' })).body.data;
        expect((await t.call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, undefined, h)).status).toBe(200);
        return hook.id;
      },
    ],
  ])('%s', async (_route, table, post) => {
    const t = await smsTenant(server, 10);
    const headers = newKey();
    const id = await post(t, headers);
    const kept = await keptBy(t, headers);
    expect(kept.status).toBeGreaterThanOrEqual(200);
    expect(kept.xmin).toBe(await writerOf(table, id));
  });

  it('POST /v1/sms: kept with the message and its credits, before the provider is called', async () => {
    const t = await smsTenant(server, 10);
    const lead = (await t.call('POST', '/v1/leads', { name: 'Texted', phone: '0412 345 222' })).body.data;
    const headers = newKey();
    const before = fake.sent.length;
    const hold = fake.holdAnswers();
    const answer = t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'See you Tuesday' }, headers);
    while (fake.sent.length === before) await new Promise((r) => setTimeout(r, 10));
    // The provider has the text and has not answered: the answer is already kept, by the transaction
    // that wrote the message.
    const kept = await keptBy(t, headers);
    expect(kept.status).toBe(200);
    const [message] = rowsOf<{ id: string }>(await server.database.db.execute(sql`select id from sms_messages where lead_id = ${lead.id}`));
    expect(kept.xmin).toBe(await writerOf('sms_messages', message.id));
    hold.release();
    const sent = await answer;
    expect(sent.status).toBe(200);
    expect(sent.body.message_id).toBe(message.id);
    const retry = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'See you Tuesday' }, headers);
    expect(retry.text).toBe(sent.text);
    expect(fake.sent.length).toBe(before + 1);
  });

  it('POST /v1/sms: a text the provider refuses frees the key, so the retry really retries', async () => {
    const t = await smsTenant(server, 10);
    const lead = (await t.call('POST', '/v1/leads', { name: 'Outage', phone: '0412 345 333' })).body.data;
    const headers = newKey();
    fake.failNext(1);
    const failed = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Hello' }, headers);
    expect(failed.status).toBe(500);
    const retry = await t.call('POST', '/v1/sms', { lead_id: lead.id, message: 'Hello' }, headers);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body.credits_remaining).toBe(9);
  });

  it("POST /v1/quotes/:id/send with sms: a send that dies after its text went never texts the link again", async () => {
    const t = await smsTenant(server, 10);
    const lead = (await t.call('POST', '/v1/leads', { name: 'Twice', phone: '0412 345 444' })).body.data;
    const quote = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Solar', quantity: 1, unit_price: 5000 }] })).body.data;
    const before = fake.sent.length;
    const headers = newKey();
    // The text goes, then the transaction that marks the quote sent fails (as a crash there would).
    const failure = { name: 'refuse_quote_sent', table: 'outbox_events' as const, when: 'before' as const, condition: "NEW.event_type = 'quote.sent'" };
    const died = await withInsertFailure(server.database, failure, () => t.call('POST', `/v1/quotes/${quote.id}/send`, { sms: true }, headers));
    expect(died.status).toBe(500);
    expect(fake.sent.length).toBe(before + 1);
    // Its hold on the draft lapses (60 s); the retry marks the quote sent without a second text.
    await server.database.db.execute(sql`update quotes set sending_until = null where id = ${quote.id}`);
    const retry = await t.call('POST', `/v1/quotes/${quote.id}/send`, { sms: true }, headers);
    expect(retry.status).toBe(200);
    expect(retry.body.data.status).toBe('sent');
    expect(fake.sent.length).toBe(before + 1);
  });
});
