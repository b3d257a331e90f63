import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { manualClock } from '../../test/clock.js';
import { idempotencyKeys } from '../db/schema/index.js';
import { startTestServer, withInsertFailure, type TestServer } from '../../test/helpers.js';

let server: TestServer;
const clock = manualClock(Date.parse('2026-05-01T00:00:00Z'));
beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(() => server.close());

const key = (label: string) => ({ 'idempotency-key': `${label}-${Math.random().toString(36).slice(2)}` });

describe('Idempotency-Key', () => {
  it('replays the first answer to a retry and does the work once', async () => {
    const t = await server.tenant();
    const headers = key('create');
    const first = await t.call('POST', '/v1/leads', { name: 'Once Only', phone: '0412 555 000' }, headers);
    const retry = await t.call('POST', '/v1/leads', { phone: '0412 555 000', name: 'Once Only' }, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await t.call('GET', '/v1/leads')).body.meta.total).toBe(1);
  });

  it('keeps the stored answer sealed: a webhook secret shown once is not in the database in clear', async () => {
    const t = await server.tenant();
    const headers = key('webhook');
    // A public address literal: accepted without DNS, and nothing is sent on creation.
    const first = await t.call('POST', '/v1/webhooks', { url: 'https://1.1.1.1/hook' }, headers);
    expect(first.status).toBe(201);
    const secret: string = first.body.data.secret;
    expect(secret).toMatch(/^whsec_/);
    const stored = await server.database.db.select().from(idempotencyKeys).where(sql`company_id = ${t.companyId}`);
    expect(stored).toHaveLength(1);
    expect(stored[0].responseBody).not.toContain(secret.slice(6));
    expect(stored[0].responseBody).not.toContain('1.1.1.1');
    const retry = await t.call('POST', '/v1/webhooks', { url: 'https://1.1.1.1/hook' }, headers);
    expect(retry.text).toBe(first.text);
  });

  it('refuses the same key with a different body', async () => {
    const t = await server.tenant();
    const headers = key('reuse');
    await t.call('POST', '/v1/leads', { name: 'First' }, headers);
    const res = await t.call('POST', '/v1/leads', { name: 'Second' }, headers);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'Idempotency-Key reused with a different request' });
    expect((await t.call('GET', '/v1/leads')).body.meta.total).toBe(1);
  });

  it('keeps keys per company', async () => {
    const a = await server.tenant();
    const b = await server.tenant();
    const headers = key('shared');
    await a.call('POST', '/v1/leads', { name: 'A lead' }, headers);
    const res = await b.call('POST', '/v1/leads', { name: 'B lead' }, headers);
    expect(res.status).toBe(201);
    expect(res.body.data.name).toBe('B lead');
  });

  it('replays a stored 400 too', async () => {
    const t = await server.tenant();
    const headers = key('bad');
    const first = await t.call('POST', '/v1/leads', { source: 'web' }, headers);
    const retry = await t.call('POST', '/v1/leads', { source: 'web' }, headers);
    expect(first.status).toBe(400);
    expect(retry.status).toBe(400);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('lets one of two concurrent requests do the work; the other gets the same answer or 409', async () => {
    const t = await server.tenant();
    const headers = key('race');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => t.call('POST', '/v1/leads', { name: 'Raced' }, headers)),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.body.data.id)).size).toBe(1);
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect((await t.call('GET', '/v1/leads')).body.meta.total).toBe(1);
  });

  it('does not keep a 5xx, so a retry really retries', async () => {
    const t = await server.tenant();
    const headers = key('flaky');
    const failure = { name: 'refuse_flaky_lead', table: 'leads', when: 'before', condition: "new.name = 'Flaky Lead'" } as const;
    await withInsertFailure(server.database, failure, async () => {
      const failed = await t.call('POST', '/v1/leads', { name: 'Flaky Lead' }, headers);
      expect(failed.status).toBe(500);
    });
    const retry = await t.call('POST', '/v1/leads', { name: 'Flaky Lead' }, headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });

  it('releases a key whose first request died after 60 seconds, and forgets keys after 24 hours', async () => {
    const t = await server.tenant();
    const now = clock.now();
    // A request that took the key and never finished (its process crashed).
    await server.database.db.insert(idempotencyKeys).values({
      companyId: t.companyId,
      key: 'crashed',
      requestHash: 'whatever',
      lockedAt: new Date(now - 61_000),
      createdAt: new Date(now - 61_000),
    });
    // A day-old answer to something else.
    await server.database.db.insert(idempotencyKeys).values({
      companyId: t.companyId,
      key: 'yesterday',
      requestHash: 'old',
      statusCode: 201,
      responseBody: '{"old":true}',
      lockedAt: new Date(now - 25 * 3600_000),
      createdAt: new Date(now - 25 * 3600_000),
    });
    // The crashed request's hash differs from any real body: a taken-over key is the new request's.
    const crashed = await t.call('POST', '/v1/leads', { name: 'After Crash' }, { 'idempotency-key': 'crashed' });
    expect(crashed.status).toBe(422);
    const fresh = await t.call('POST', '/v1/leads', { name: 'Next Day' }, { 'idempotency-key': 'yesterday' });
    expect(fresh.status).toBe(201);
    expect(fresh.body.data.name).toBe('Next Day');
  });

  it('takes over an abandoned key for the same request', async () => {
    const t = await server.tenant();
    const headers = { 'idempotency-key': 'abandoned' };
    // First attempt: stored as in progress, as if the process had died before answering.
    const first = await t.call('POST', '/v1/leads', { name: 'Survivor' }, headers);
    await server.database.db.execute(
      sql`update idempotency_keys set status_code = null, response_body = null, locked_at = ${new Date(clock.now() - 30_000)} where company_id = ${t.companyId} and key = 'abandoned'`,
    );
    clock.advance(31_000);
    const retry = await t.call('POST', '/v1/leads', { name: 'Survivor' }, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.data.id).not.toBe(first.body.data.id);
  });

  it('refuses a key over 255 characters', async () => {
    const t = await server.tenant();
    const res = await t.call('POST', '/v1/leads', { name: 'X' }, { 'idempotency-key': 'k'.repeat(256) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Idempotency-Key must be 1 to 255 characters');
  });
});
