import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../../test/clock.js';
import { startTestServer, type Tenant, type TestServer } from '../../../test/helpers.js';

const DAY = 86_400_000;
const clock = manualClock(Date.parse('2026-12-01T00:00:00Z'));
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(() => server.close());

const upsert = (t: Tenant, body: unknown, headers?: Record<string, string>) => t.call('POST', '/v1/leads/upsert', body, headers);
const leadUpdates = async (t: Tenant, leadId: string) =>
  (await server.events(t.companyId)).filter((e) => e.eventType === 'lead.updated' && (e.data as { id: string }).id === leadId);
const totalLeads = async (t: Tenant) => (await t.call('GET', '/v1/leads')).body.meta.total;

describe('POST /v1/leads/upsert', () => {
  it('creates with 201, then records the same external_id on that lead with 200, its fields replaced', async () => {
    const t = await server.tenant();
    const first = await upsert(t, { external_id: 'crm-1', first_name: 'Sarah', last_name: 'Mitchell', phone: '0412 345 678', source: 'crm' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ deduplicated: false, matched_by: null, data: { name: 'Sarah Mitchell', external_id: 'crm-1', phone: '+61412345678' } });
    const again = await upsert(t, { external_id: 'crm-1', last_name: 'Nguyen', pipeline_stage: 'quoted', email: 'sarah@example.com' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ deduplicated: true, matched_by: 'external_id' });
    // The integration's record: what it sends is the truth; a derived name follows its parts.
    expect(again.body.data).toMatchObject({ id: first.body.data.id, name: 'Sarah Nguyen', pipeline_stage: 'quoted', email: 'sarah@example.com' });
    const updates = await leadUpdates(t, first.body.data.id);
    expect(updates).toHaveLength(1);
    expect(updates[0].previous).toMatchObject({ name: 'Sarah Mitchell', last_name: 'Mitchell', pipeline_stage: 'new_lead', email: null });
    expect(await totalLeads(t)).toBe(1);
  });

  it.each([
    ['0412 345 678', '+61 412 345 678'],
    ['(04) 1234 5678', '0061412345678'],
  ])('records a phone given as %s on the open lead with %s, filling only what it lacks', async (firstPhone, secondPhone) => {
    const t = await server.tenant();
    const first = await upsert(t, { name: 'Sam Roofer', phone: firstPhone, custom_data: { roof: 'tile' } });
    clock.advance(1000);
    const second = await upsert(t, { name: 'A Stranger', phone: secondPhone, email: 'Sam@Example.COM', postcode: '2150', custom_data: { roof: 'metal', storeys: 2 } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ deduplicated: true, matched_by: 'phone' });
    // Name kept (never overwritten by a stranger's post), email and postcode filled, custom data gains keys only.
    expect(second.body.data).toMatchObject({ id: first.body.data.id, name: 'Sam Roofer', email: 'sam@example.com', postcode: '2150', custom_data: { roof: 'tile', storeys: 2 } });
    const [update] = await leadUpdates(t, first.body.data.id);
    expect(update.previous).toEqual({ email: null, postcode: null, custom_data: { roof: 'tile' } });
    const subs = await t.call('GET', `/v1/leads/${first.body.data.id}/submissions`);
    expect(subs.body.meta.total).toBe(2);
    expect(subs.body.data.map((s: { matched_by: string | null }) => s.matched_by)).toEqual(['phone', null]);
    expect(subs.body.data[0].fields).toMatchObject({ name: 'A Stranger', email: 'sam@example.com' });
  });

  it('matches an email in any case, and phone wins when phone and email are two leads', async () => {
    const t = await server.tenant();
    const byEmail = await upsert(t, { name: 'Email Person', email: 'Jo@Example.com' });
    const again = await upsert(t, { name: 'Jo', email: 'jo@EXAMPLE.com' });
    expect(again.body).toMatchObject({ matched_by: 'email', data: { id: byEmail.body.data.id } });
    const byPhone = await upsert(t, { name: 'Phone Person', phone: '0412 111 222' });
    const both = await upsert(t, { phone: '0412111222', email: 'jo@example.com' });
    expect(both.body).toMatchObject({ matched_by: 'phone', data: { id: byPhone.body.data.id, email: 'jo@example.com' } });
  });

  it('records nothing on the lead when nothing is new: no lead.updated, but the submission is kept', async () => {
    const t = await server.tenant();
    const first = await upsert(t, { name: 'Same', phone: '0412 222 333', attribution: { utm_source: 'google', gclid: 'abc' } });
    clock.advance(1000);
    const again = await upsert(t, { name: 'Same', phone: '0412222333', attribution: { utm_source: 'facebook' } });
    expect(again.status).toBe(200);
    // The first touch stays on the lead; the later one is on its submission.
    expect(again.body.data.attribution).toEqual({ utm_source: 'google', gclid: 'abc' });
    expect(await leadUpdates(t, first.body.data.id)).toHaveLength(0);
    const subs = await t.call('GET', `/v1/leads/${first.body.data.id}/submissions`);
    expect(subs.body.data.map((s: { attribution: unknown }) => s.attribution)).toEqual([{ utm_source: 'facebook' }, { utm_source: 'google', gclid: 'abc' }]);
  });

  it('dedupes within the window and not a millisecond past it, counting the last text as seen', async () => {
    const t = await server.tenant();
    const start = clock.now();
    const first = await upsert(t, { name: 'Window', phone: '0412 333 444' });
    clock.set(start + 30 * DAY);
    expect((await upsert(t, { phone: '0412333444' })).body.matched_by).toBe('phone');
    // That submission is the last time the lead was seen: the window runs from it.
    clock.set(start + 60 * DAY);
    expect((await upsert(t, { phone: '0412333444' })).body.data.id).toBe(first.body.data.id);
    clock.set(start + 90 * DAY + 1);
    const late = await upsert(t, { phone: '0412333444' });
    expect(late.status).toBe(201);
    expect(late.body.data.id).not.toBe(first.body.data.id);
    clock.set(start);
  });

  it('makes a new lead when the match is closed or dedupe is off, and follows a changed window', async () => {
    const t = await server.tenant();
    const won = await upsert(t, { name: 'Won', phone: '0412 444 555' });
    await t.call('PATCH', `/v1/leads/${won.body.data.id}`, { pipeline_stage: 'closed_won' });
    expect((await upsert(t, { name: 'Again', phone: '0412444555' })).status).toBe(201);

    const off = await t.call('PATCH', '/v1/company', { dedupe: { enabled: false, window_days: 30 } });
    expect(off.body.data.dedupe).toEqual({ enabled: false, window_days: 30 });
    const a = await upsert(t, { name: 'Off', email: 'off@example.com' });
    const b = await upsert(t, { name: 'Off', email: 'off@example.com' });
    expect([a.status, b.status]).toEqual([201, 201]);
    // external_id still matches with dedupe off: it is the integration's own key, not a guess.
    await upsert(t, { name: 'Ext', external_id: 'x-1' });
    expect((await upsert(t, { external_id: 'x-1', notes: 'n' })).status).toBe(200);

    const bad = await t.call('PATCH', '/v1/company', { dedupe: { enabled: true, window_days: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("'dedupe' must have a window_days of at least 1");
  });

  it('does not record a post on a lead that carries another external_id', async () => {
    const t = await server.tenant();
    await upsert(t, { name: 'One', phone: '0412 555 666', external_id: 'a' });
    clock.advance(1000);
    const other = await upsert(t, { name: 'Two', phone: '0412 555 666', external_id: 'b' });
    expect(other.status).toBe(201);
    expect((await upsert(t, { phone: '0412 555 666' })).body.data.external_id).toBe('b');
  });

  it('refuses what cannot be a lead with a 400 naming the field, and stores nothing', async () => {
    const t = await server.tenant();
    const noName = await upsert(t, { source: 'web' });
    expect(noName.status).toBe(400);
    expect(noName.body.error).toBe("At least a 'name' (or 'first_name'/'last_name') or a 'phone' is required");
    const badPhone = await upsert(t, { phone: 'call me' });
    expect(badPhone.body.error).toBe("'phone' is not a valid phone number: call me");
    const badEmail = await upsert(t, { name: 'x', email: 'nope' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.error).toContain("'email'");
    expect(await totalLeads(t)).toBe(0);
  });

  it('answers a retry with the same Idempotency-Key as the first time, recording it once', async () => {
    const t = await server.tenant();
    const key = { 'idempotency-key': 'upsert-1' };
    const first = await upsert(t, { name: 'Kept', phone: '0412 666 777' }, key);
    const second = await upsert(t, { name: 'Kept', phone: '0412 666 777' }, key);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect((await t.call('GET', `/v1/leads/${first.body.data.id}/submissions`)).body.meta.total).toBe(1);
  });

  it('makes one lead of identical submissions that race', async () => {
    const t = await server.tenant();
    const answers = await Promise.all(Array.from({ length: 12 }, () => upsert(t, { name: 'Racer', phone: '0412 777 888', email: 'racer@example.com' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.data.id)).size).toBe(1);
    expect(await totalLeads(t)).toBe(1);
  });
});

describe('POST /v1/leads with external_id', () => {
  it('refuses an external_id already in use with a 409 naming it', async () => {
    const t = await server.tenant();
    expect((await t.call('POST', '/v1/leads', { name: 'A', external_id: 'dup-1' })).status).toBe(201);
    const dup = await t.call('POST', '/v1/leads', { name: 'B', external_id: 'dup-1' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe("'external_id' dup-1 is already used by another lead");
    // Another company may use the same id; and a client that never sends one always creates.
    expect((await (await server.tenant()).call('POST', '/v1/leads', { name: 'C', external_id: 'dup-1' })).status).toBe(201);
    expect((await t.call('POST', '/v1/leads', { name: 'A', phone: '0412 000 999' })).status).toBe(201);
    expect((await t.call('POST', '/v1/leads', { name: 'A', phone: '0412 000 999' })).status).toBe(201);
    const other = await t.call('POST', '/v1/leads', { name: 'D', external_id: 'dup-2' });
    const patched = await t.call('PATCH', `/v1/leads/${other.body.data.id}`, { external_id: 'dup-1' });
    expect(patched.status).toBe(409);
  });
});

describe('POST /v1/leads/batch', () => {
  it('records 500 items, each on its own: good ones created or updated, bad ones named; a replay records nothing', async () => {
    const t = await server.tenant();
    const existing = await upsert(t, { name: 'Existing', phone: '0412 900 000' });
    const items: unknown[] = Array.from({ length: 500 }, (_, i) => ({ name: `Batch ${i}`, phone: `0413 ${String(100_000 + i).slice(1)}`, external_id: `b-${i}` }));
    items[3] = { name: 'Bad email', email: 'not-an-email' };
    items[7] = { phone: 'call me' };
    items[11] = 'not an object';
    items[13] = { source: 'no name' };
    items[17] = { name: 'Existing again', phone: '+61412900000' };
    // Two items that are one person: the second is recorded on the first's new lead.
    items[20] = { name: 'Twin', email: 'twin@example.com' };
    items[21] = { first_name: 'Twin', email: 'TWIN@example.com', postcode: '3000' };
    const key = { 'idempotency-key': 'batch-1' };
    const res = await t.call('POST', '/v1/leads/batch', { leads: items }, key);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(500);
    expect(res.body.data[3]).toMatchObject({ index: 3, status: 'error', id: null, field: 'email' });
    expect(res.body.data[3].error).toContain("'email'");
    expect(res.body.data[7]).toMatchObject({ status: 'error', field: 'phone', error: "'phone' is not a valid phone number: call me" });
    expect(res.body.data[11]).toMatchObject({ status: 'error' });
    expect(res.body.data[13]).toMatchObject({ status: 'error', field: 'name' });
    expect(res.body.data[17]).toMatchObject({ status: 'updated', id: existing.body.data.id, matched_by: 'phone' });
    expect(res.body.data[21]).toMatchObject({ status: 'updated', id: res.body.data[20].id, matched_by: 'email' });
    expect(res.body).toMatchObject({ created: 494, updated: 2, errors: 4 });
    expect(await totalLeads(t)).toBe(495);
    const twin = await t.call('GET', `/v1/leads/${res.body.data[20].id}`);
    expect(twin.body.data).toMatchObject({ name: 'Twin', postcode: '3000' });
    const created = (await server.events(t.companyId)).filter((e) => e.eventType === 'lead.created');
    expect(created).toHaveLength(495);

    const replay = await t.call('POST', '/v1/leads/batch', { leads: items }, key);
    expect(replay.body).toEqual(res.body);
    expect(await totalLeads(t)).toBe(495);
    expect((await t.call('GET', `/v1/leads/${existing.body.data.id}/submissions`)).body.meta.total).toBe(2);

    // The same batch again without a key: every item finds its lead by external_id (or phone).
    const again = await t.call('POST', '/v1/leads/batch', { leads: items });
    expect(again.body).toMatchObject({ created: 0, updated: 496, errors: 4 });
  });

  it('refuses an empty batch or one over 500 as a whole', async () => {
    const t = await server.tenant();
    expect((await t.call('POST', '/v1/leads/batch', { leads: [] })).status).toBe(400);
    const over = await t.call('POST', '/v1/leads/batch', { leads: Array.from({ length: 501 }, (_, i) => ({ name: `L${i}` })) });
    expect(over.status).toBe(400);
    expect(over.body.error).toContain('500');
  });
});

describe('erasing a lead', () => {
  it('removes its submissions', async () => {
    const t = await server.tenant();
    const lead = await upsert(t, { name: 'Forget me', phone: '0412 888 999' });
    await upsert(t, { phone: '0412888999', notes: 'second form' });
    expect((await t.call('DELETE', `/v1/leads/${lead.body.data.id}`)).status).toBe(204);
    const rows = await server.database.db.execute(`select count(*)::int as n from lead_submissions where lead_id = '${lead.body.data.id}'`);
    expect((rows as unknown as { rows: { n: number }[] }).rows[0].n).toBe(0);
    expect((await t.call('GET', `/v1/leads/${lead.body.data.id}/submissions`)).status).toBe(404);
  });
});
