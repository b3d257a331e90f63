import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertToken } from '../src/features/tokens/tokens.repo.js';
import { generateToken } from '../src/lib/tokens.js';
import { ALL_SCOPES } from '../src/auth/scopes.js';
import { MANAGER_SCOPES } from '../src/auth/roles.js';
import { startTestServer, type DashboardUser, type TestServer } from './helpers.js';
import { fillPath, SECURED_ROUTES } from './security.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

it('every /v1 route of the OpenAPI document has its security cases', async () => {
  const doc = (await server.fetch('GET', '/v1/openapi.json')).body;
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  expect(documented).toEqual(SECURED_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
});

describe.each(SECURED_ROUTES)('$method $path', (route) => {
  async function request(auth: string | undefined, params: Record<string, string> = {}) {
    return server.fetch(route.method, fillPath(route.path, params), {
      body: typeof route.body === 'function' ? route.body(params) : route.body,
      headers: auth === undefined ? {} : { authorization: auth },
    });
  }
  async function target() {
    const owner = await server.tenant();
    return { owner, params: { ...route.params, ...(route.target ? await route.target(owner, server) : {}) } };
  }

  it('refuses a request without a token', async () => {
    const { params } = await target();
    const res = await request(undefined, params);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('Missing or invalid Authorization header. Use: Bearer <api_token>');
  });

  it('refuses a revoked token', async () => {
    const { owner, params } = await target();
    const { createTokens } = await import('../src/features/tokens/tokens.service.js');
    await createTokens({ db: server.database.db, clock: server.clock }).revokeAnyCompany(owner.tokenId);
    const res = await request(`Bearer ${owner.token}`, params);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('API token has been revoked');
  });

  it('refuses an expired token', async () => {
    const { owner, params } = await target();
    const { token, digest, prefix } = generateToken();
    await insertToken(server.database.db, {
      companyId: owner.companyId,
      name: 'expired',
      tokenHash: digest,
      prefix,
      scopes: ALL_SCOPES,
      expiresAt: new Date(server.clock.now() - 1000),
    });
    const res = await request(`Bearer ${token}`, params);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('API token has expired');
  });

  it(route.scope ? `needs ${route.scope}` : 'serves any valid token, whatever its scopes', async () => {
    const { owner, params } = await target();
    if (!route.scope) {
      // A token needs one scope at least: one that grants nothing else here.
      const narrow = await server.token(owner.companyId, ['pipeline:read']);
      expect((await request(`Bearer ${narrow.token}`, params)).status).toBe(route.ok);
      return;
    }
    const without = await server.token(owner.companyId, ALL_SCOPES.filter((s) => s !== route.scope));
    const refused = await request(`Bearer ${without.token}`, params);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: `Insufficient scope: ${route.scope} required`, code: 'forbidden' });

    const only = await server.token(owner.companyId, [route.scope]);
    const allowed = await request(`Bearer ${only.token}`, params);
    expect(allowed.status).toBe(route.ok);
  });

  it("does not reach another company's data", async () => {
    const { params } = await target();
    const stranger = await server.tenant();
    const res = await request(`Bearer ${stranger.token}`, params);
    if (route.target) {
      expect(res.status).toBe(404);
    } else if (route.method === 'GET' && res.body?.meta) {
      expect(res.body.meta.total).toBe(0);
    } else if (route.path === '/v1/pipeline') {
      expect(Object.values(res.body.data).every((n) => n === 0)).toBe(true);
    } else {
      expect(res.status).toBe(route.ok);
    }
  });

  // The dashboard's session on the same route: the role grants scopes; writes need our Origin.
  async function asUser(user: DashboardUser, params: Record<string, string>, headers: Record<string, string> = {}) {
    return user.call(route.method, fillPath(route.path, params), typeof route.body === 'function' ? route.body(params) : route.body, headers);
  }

  const managed = route.scope !== undefined && MANAGER_SCOPES.includes(route.scope);
  it(managed ? `refuses a member session (owners and admins hold ${route.scope})` : 'serves a member session', async () => {
    const { owner, params } = await target();
    const member = await server.user({ role: 'member', companyId: owner.companyId });
    const res = await asUser(member, params);
    if (managed) {
      expect(res.status).toBe(403);
      expect(res.body.error).toBe(`Insufficient scope: ${route.scope} required`);
    } else {
      expect(res.status).toBe(route.ok);
    }
  });

  it("does not let another company's session reach the data", async () => {
    const { params } = await target();
    const stranger = await server.user();
    const res = await asUser(stranger, params);
    if (route.target) expect(res.status).toBe(404);
    else expect(res.status).toBe(route.ok);
  });

  if (route.method !== 'GET') {
    it('refuses a session write from another origin (CSRF)', async () => {
      const { owner, params } = await target();
      const admin = await server.user({ role: 'admin', companyId: owner.companyId });
      const res = await asUser(admin, params, { origin: 'https://attacker.example' });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('Cross-site request refused (Origin check)');
    });
  }
});
