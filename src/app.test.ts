import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { apiTokens } from './db/schema/index.js';
import { manualClock } from '../test/clock.js';
import { generateToken, isPlausibleToken } from './lib/tokens.js';
import { createTokens } from './features/tokens/tokens.service.js';
import { startTestServer, withRedis, type TestServer } from '../test/helpers.js';

let server: TestServer;
const clock = manualClock(Date.parse('2026-06-01T09:00:00Z'));
beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(() => server.close());

describe('authentication (A1)', () => {
  it.each([
    [undefined, 'Missing or invalid Authorization header. Use: Bearer <api_token>'],
    ['Basic dXNlcjpwYXNz', 'Missing or invalid Authorization header. Use: Bearer <api_token>'],
    ['qlhq_abc', 'Missing or invalid Authorization header. Use: Bearer <api_token>'],
    ['Bearer', 'Empty bearer token'],
    ['Bearer    ', 'Empty bearer token'],
    ['Bearer not-a-token', 'Invalid API token'],
    [`Bearer ${generateToken().token}`, 'Invalid API token'],
  ])('%s → 401 %s', async (header, message) => {
    const res = await server.fetch('GET', '/v1/leads', { headers: header === undefined ? {} : { authorization: header } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: message, code: 'unauthorized', request_id: res.headers.get('x-request-id') });
  });

  it.each([
    ['/%761/leads', 'Missing or invalid Authorization header. Use: Bearer <api_token>'],
    ['/v1/%6ceads', 'Missing or invalid Authorization header. Use: Bearer <api_token>'],
    ['/app/%61pi/keys', 'Not logged in'],
  ])('authenticates %s like the route the router decodes it to', async (path, message) => {
    const res = await server.fetch('GET', path);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe(message);
  });

  it('checks the checksum of issued tokens before any lookup', () => {
    const { token } = generateToken();
    expect(token).toMatch(/^qlhq_[0-9A-Za-z]{46}$/);
    expect(isPlausibleToken(token)).toBe(true);
    const i = 10;
    const typo = token.slice(0, i) + (token[i] === 'a' ? 'b' : 'a') + token.slice(i + 1);
    expect(isPlausibleToken(typo)).toBe(false);
    expect(isPlausibleToken(token.slice(0, -1))).toBe(false);
  });

  it('accepts an imported token of the original service by its digest', async () => {
    const t = await server.tenant();
    const legacy = 'qlhq_' + randomBytes(48).toString('hex');
    await createTokens({ db: server.database.db, clock }).importByDigest({
      companyId: t.companyId,
      sha256: createHash('sha256').update(legacy).digest('hex'),
      prefix: legacy.slice(0, 12),
      scopes: ['leads:read'],
    });
    const res = await server.fetch('GET', '/v1/leads', { headers: { authorization: `Bearer ${legacy}` } });
    expect(res.status).toBe(200);
    const denied = await server.fetch('GET', '/v1/pipeline', { headers: { authorization: `Bearer ${legacy}` } });
    expect(denied.body.error).toBe('Insufficient scope: pipeline:read required');
  });

  it('records last use at most once a minute', async () => {
    const t = await server.tenant();
    const lastUsed = async () => {
      await new Promise((r) => setTimeout(r, 50)); // the write is not awaited by the request
      const [row] = await server.database.db.select().from(apiTokens).where(eq(apiTokens.id, t.tokenId));
      return row.lastUsedAt?.getTime() ?? null;
    };
    expect(await lastUsed()).toBeNull();
    await t.call('GET', '/v1/leads');
    const first = await lastUsed();
    expect(first).toBe(clock.now());
    clock.advance(30_000);
    await t.call('GET', '/v1/leads');
    expect(await lastUsed()).toBe(first);
    clock.advance(31_000);
    await t.call('GET', '/v1/leads');
    expect(await lastUsed()).toBe(clock.now());
  });

  it('stops a revoked token at once', async () => {
    const t = await server.tenant();
    expect((await t.call('GET', '/v1/leads')).status).toBe(200);
    const { createTokens } = await import('./features/tokens/tokens.service.js');
    await createTokens({ db: server.database.db, clock }).revokeAnyCompany(t.tokenId);
    expect((await t.call('GET', '/v1/leads')).body.error).toBe('API token has been revoked');
  });
});

describe('the rest of A11 and B1', () => {
  it('answers an unknown /v1 route with 404 after authentication', async () => {
    const t = await server.tenant();
    const res = await t.call('GET', '/v1/whatever');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('Unknown route: GET /v1/whatever');
    expect((await server.fetch('GET', '/v1/whatever')).status).toBe(401);
  });

  it('serves health without auth and readiness with the database state', async () => {
    expect((await server.fetch('GET', '/health')).body).toEqual({ status: 'ok', service: 'quoteleadshq-api' });
    const ready = await server.fetch('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', database: 'ok', redis: withRedis ? 'ok' : 'not_configured' });
  });

  it('allows any origin on /v1 and answers preflight without auth', async () => {
    const preflight = await server.fetch('OPTIONS', '/v1/leads', {
      headers: { origin: 'https://crm.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const t = await server.tenant();
    const res = await t.call('GET', '/v1/leads', undefined, { origin: 'https://crm.example.com' });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('puts a request id on every answer', async () => {
    for (const path of ['/health', '/v1/leads', '/nowhere']) {
      const res = await server.fetch('GET', path);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('publishes OpenAPI 3.1 from the route schemas, and a reference page', async () => {
    const doc = await server.fetch('GET', '/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths['/v1/leads']).sort()).toEqual(['get', 'post']);
    const list = doc.body.paths['/v1/leads'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['ai_status', 'page', 'per_page', 'search', 'stage']);
    const created = doc.body.paths['/v1/leads'].post.responses['201'].content['application/json'].schema;
    expect(JSON.stringify(created)).toContain('Lead');
    expect(doc.body.components.schemas.Lead.properties.pipeline_stage.enum).toContain('quote_in_progress');
    const page = await server.fetch('GET', '/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
  });
});
