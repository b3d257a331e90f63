import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase, onPostgres, startTestServer, type TestServer } from '../../../test/helpers.js';
import type { Database } from '../../db/client.js';
import { createTokens } from './tokens.service.js';

async function statusWithin(ms: number, probe: () => Promise<number>, want: number): Promise<number> {
  const deadline = Date.now() + ms;
  let status = await probe();
  while (status !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
    status = await probe();
  }
  return status;
}

// Another process is another connection pool on the same PostgreSQL: only NOTIFY reaches it.
describe.runIf(onPostgres)('the token cache across processes', () => {
  let server: TestServer;
  let other: Database;
  beforeAll(async () => {
    server = await startTestServer();
    other = await openTestDatabase();
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });

  it('forgets a token revoked by another process within moments of the commit', async () => {
    const t = await server.tenant();
    expect((await t.call('GET', '/v1/pipeline')).status).toBe(200); // now cached
    const revokedAt = Date.now();
    await createTokens({ db: other.db, clock: server.clock }).revokeAnyCompany(t.tokenId);
    const status = await statusWithin(1000, async () => (await t.call('GET', '/v1/pipeline')).status, 401);
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('serves nothing from the cache while its notification connection is down', async () => {
    const t = await server.tenant();
    expect((await t.call('GET', '/v1/pipeline')).status).toBe(200);
    // Cut the listening connection, then revoke behind the cache's back (no NOTIFY at all).
    await other.db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'LISTEN %quoteleads_auth%'`);
    await new Promise((r) => setTimeout(r, 100));
    await other.db.execute(sql`update api_tokens set revoked_at = now() where id = ${t.tokenId}`);
    expect((await t.call('GET', '/v1/pipeline')).body.error).toBe('API token has been revoked');
    // And after it reconnects, the old entry is gone too.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await t.call('GET', '/v1/pipeline')).status).toBe(401);
  });
});

describe('the token cache in one process', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('drops a revoked token before revokeToken returns', async () => {
    const t = await server.tenant();
    for (let i = 0; i < 3; i++) expect((await t.call('GET', '/v1/pipeline')).status).toBe(200);
    await createTokens({ db: server.database.db, clock: server.clock }).revokeAnyCompany(t.tokenId);
    expect((await t.call('GET', '/v1/pipeline')).body.error).toBe('API token has been revoked');
  });

  it('reads national numbers in a changed company country at once', async () => {
    const { createCompanies } = await import('../companies/companies.service.js');
    const t = await server.tenant({ country: 'AU' });
    expect((await t.call('POST', '/v1/leads', { phone: '021 123 4567' })).body.data.phone).toBe('+61211234567');
    await createCompanies({ db: server.database.db, clock: server.clock }).change(t.companyId, { country: 'NZ' });
    expect((await t.call('POST', '/v1/leads', { phone: '021 123 4567' })).body.data.phone).toBe('+64211234567');
  });

  // Changes made outside the API (an operator's SQL, another tool): the database itself tells every
  // process, by triggers on api_tokens and companies (drizzle/, auth_changes).
  const within = (ms: number, probe: () => Promise<number>, want: number) => statusWithin(ms, probe, want);

  it('forgets a token revoked by plain SQL', async () => {
    const t = await server.tenant();
    expect((await t.call('GET', '/v1/pipeline')).status).toBe(200); // now cached
    await server.database.db.execute(sql`update api_tokens set revoked_at = now() where id = ${t.tokenId}`);
    expect(await within(1000, async () => (await t.call('GET', '/v1/pipeline')).status, 401)).toBe(401);
    expect((await t.call('GET', '/v1/pipeline')).body.error).toBe('API token has been revoked');
  });

  it('forgets a token deleted by plain SQL, and every token of a deleted company', async () => {
    const t = await server.tenant();
    const u = await server.tenant();
    expect((await t.call('GET', '/v1/pipeline')).status).toBe(200);
    expect((await u.call('GET', '/v1/pipeline')).status).toBe(200);
    await server.database.db.execute(sql`delete from api_tokens where id = ${t.tokenId}`);
    await server.database.db.execute(sql`delete from companies where id = ${u.companyId}`);
    expect(await within(1000, async () => (await t.call('GET', '/v1/pipeline')).status, 401)).toBe(401);
    expect(await within(1000, async () => (await u.call('GET', '/v1/pipeline')).status, 401)).toBe(401);
    const post = await u.call('POST', '/v1/leads', { name: 'Gone' });
    expect(post.status).toBe(401);
    expect(post.body.error).toBe('Invalid API token');
  });

  it("reads a company's country changed by plain SQL", async () => {
    const t = await server.tenant({ country: 'AU' });
    expect((await t.call('POST', '/v1/leads', { phone: '021 123 4567' })).body.data.phone).toBe('+61211234567');
    await server.database.db.execute(sql`update companies set country = 'NZ' where id = ${t.companyId}`);
    await new Promise((r) => setTimeout(r, 200));
    expect((await t.call('POST', '/v1/leads', { phone: '021 123 4568' })).body.data.phone).toBe('+64211234568');
  });
});
