import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sessionCookieOf, startTestServer, type TestServer } from '../../../test/helpers.js';
import { manualClock } from '../../../test/clock.js';
import { eq, sql } from 'drizzle-orm';
import { companies } from '../../db/schema/index.js';

const newEmail = () => `owner-${randomBytes(6).toString('hex')}@example.com`;
const withoutRequestId = (body: Record<string, unknown>) => ({ ...body, request_id: undefined });

describe('dashboard accounts and sessions', () => {
  let server: TestServer;
  const origin = () => ({ origin: server.url });
  // A client address of this file's own (behind a "proxy"): the log-in limits are per address, and on
  // a shared Redis other runs' failures from 127.0.0.1 must not count here.
  const client = { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
  beforeAll(async () => {
    server = await startTestServer({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => server.close());

  const signup = (body: Record<string, unknown>) => server.fetch('POST', '/app/api/signup', { body, headers: origin() });
  const login = (email: string, password: string) =>
    server.fetch('POST', '/app/api/login', { body: { email, password }, headers: { ...origin(), ...client } });

  it('signs up a company and its owner, who logs in and reads the company\'s leads with the cookie', async () => {
    const email = newEmail();
    const res = await signup({ company_name: 'Ridge Roofing', name: 'Rita Ridge', email: email.toUpperCase(), password: 'a long passphrase' });
    expect(res.status).toBe(202);

    const session = await login(email, 'a long passphrase');
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ email, name: 'Rita Ridge', role: 'owner' });
    expect(session.body.company.name).toBe('Ridge Roofing');
    expect(session.body.scopes).toContain('webhooks:manage');
    const setCookie = session.headers.getSetCookie().find((c) => c.startsWith('ql_session='))!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/); // http://: a Secure cookie would never come back

    const cookie = sessionCookieOf(session.headers);
    const created = await server.fetch('POST', '/v1/leads', { body: { name: 'Cookie Lead' }, headers: { cookie, ...origin() } });
    expect(created.status).toBe(201);
    const list = await server.fetch('GET', '/v1/leads', { headers: { cookie } });
    expect(list.body.data.map((l: { name: string }) => l.name)).toEqual(['Cookie Lead']);
    const me = await server.fetch('GET', '/app/api/me', { headers: { cookie } });
    expect(me.body.company.id).toBe(session.body.company.id);
  });

  it('answers sign-up alike for a new and a registered email, and never replaces the account', async () => {
    const email = newEmail();
    const first = await signup({ company_name: 'First Co', name: 'First', email, password: 'first password!' });
    const again = await signup({ company_name: 'Second Co', name: 'Second', email, password: 'second password' });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect((await login(email, 'second password')).status).toBe(401);
    const still = await login(email, 'first password!');
    expect(still.body.company.name).toBe('First Co');
  });

  it('leaves one company behind when the same email signs up several times at once', async () => {
    const email = newEmail();
    const name = `Race Roofing ${randomBytes(4).toString('hex')}`;
    // The database holds each company insert a moment, so on PostgreSQL every sign-up passes the
    // "email taken?" check before any commits: a real race, decided by the users' unique index.
    const db = server.database.db;
    await db.execute(
      sql.raw(`create or replace function slow_race_company() returns trigger language plpgsql as $$
        begin if new.name = '${name}' then perform pg_sleep(0.3); end if; return new; end $$`),
    );
    await db.execute(sql.raw('create or replace trigger slow_race_company before insert on companies for each row execute function slow_race_company()'));
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => signup({ company_name: name, name: 'Racer', email, password: 'race password!' })),
    ).finally(() => db.execute(sql.raw('drop trigger if exists slow_race_company on companies')));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const made = await server.database.db.select().from(companies).where(eq(companies.name, name));
    expect(made).toHaveLength(1);
    expect((await login(email, 'race password!')).body.company.id).toBe(made[0].id);
  });

  it('limits new accounts per client address', async () => {
    const from = { ...origin(), 'x-forwarded-for': `192.0.2.${Math.floor(Math.random() * 250) + 1}` };
    const create = () =>
      server.fetch('POST', '/app/api/signup', {
        body: { company_name: 'Flood Co', name: 'F', email: newEmail(), password: 'flood password' },
        headers: from,
      });
    for (let i = 0; i < 50; i++) expect((await create()).status).toBe(202);
    const refused = await create();
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatch(/^Too many new accounts from this address; try again in \d+ seconds$/);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const user = await server.user();
    const wrong = await login(user.email, 'not the password');
    const unknown = await login(newEmail(), 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(withoutRequestId(wrong.body)).toEqual(withoutRequestId(unknown.body));
    expect(wrong.body.error).toBe('Invalid email or password');
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('names the invalid field of a sign-up', async () => {
    const res = await signup({ company_name: 'X', name: 'Y', email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        { field: 'email', message: 'must be a valid email address' },
        { field: 'password', message: 'must be at least 10 characters' },
      ]),
    );
  });

  it('ends the session at log-out: the cookie then gets the API\'s 401', async () => {
    const user = await server.user();
    expect((await user.call('GET', '/v1/pipeline')).status).toBe(200);
    expect((await user.call('POST', '/app/api/logout')).status).toBe(204);
    const after = await user.call('GET', '/v1/pipeline');
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('Missing or invalid Authorization header. Use: Bearer <api_token>');
    expect((await user.call('GET', '/app/api/me')).body.error).toBe('Not logged in');
  });

  it('lets a bearer token decide when both are sent: a bad token is refused even with a good cookie', async () => {
    const user = await server.user();
    const res = await user.call('GET', '/v1/leads', undefined, { authorization: 'Bearer qlhq_nonsense' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('Invalid API token');
  });

  describe('CSRF and CORS', () => {
    it('refuses a cookie write without our Origin, and leaves bearer requests alone', async () => {
      const user = await server.user();
      const noOrigin = await server.fetch('POST', '/v1/leads', { body: { name: 'A' }, headers: { cookie: user.cookie } });
      const foreign = await user.call('POST', '/v1/leads', { name: 'B' }, { origin: 'https://evil.example' });
      for (const res of [noOrigin, foreign]) {
        expect(res.status).toBe(403);
        expect(res.body.error).toBe('Cross-site request refused (Origin check)');
      }
      expect((await user.call('GET', '/v1/leads')).body.meta.total).toBe(0); // nothing was written

      const tenant = await server.tenant();
      expect((await tenant.call('POST', '/v1/leads', { name: 'Bearer' })).status).toBe(201);
    });

    it('refuses a log-in posted from another site (login CSRF)', async () => {
      const user = await server.user();
      const res = await server.fetch('POST', '/app/api/login', {
        body: { email: user.email, password: user.password },
        headers: { origin: 'https://evil.example' },
      });
      expect(res.status).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it('never allows credentials cross-origin, and sends no CORS headers on the dashboard API', async () => {
      const user = await server.user();
      const preflight = await server.fetch('OPTIONS', '/v1/leads', {
        headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const read = await user.call('GET', '/v1/leads', undefined, { origin: 'https://other.example' });
      expect(read.headers.get('access-control-allow-credentials')).toBeNull();
      const me = await user.call('GET', '/app/api/me', undefined, { origin: 'https://other.example' });
      expect(me.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('roles', () => {
    it('gives members the CRM but not webhooks, keys, the team or settings changes', async () => {
      const owner = await server.user();
      const member = await server.user({ role: 'member', companyId: owner.companyId });
      expect((await member.call('POST', '/v1/leads', { name: 'By member' })).status).toBe(201);
      expect((await member.call('GET', '/v1/pipeline')).status).toBe(200);
      const webhooks = await member.call('GET', '/v1/webhooks');
      expect(webhooks.status).toBe(403);
      expect(webhooks.body.error).toBe('Insufficient scope: webhooks:manage required');
      const keys = await member.call('GET', '/app/api/keys');
      expect(keys.status).toBe(403);
      expect(keys.body.error).toBe('Only owners and admins can manage API keys');
      expect((await member.call('POST', '/app/api/keys', { name: 'x', scopes: ['leads:read'] })).status).toBe(403);
      expect((await member.call('GET', '/app/api/team')).status).toBe(403);
      expect((await member.call('PATCH', '/app/api/settings', { name: 'Mine now' })).status).toBe(403);
      expect((await member.call('GET', '/app/api/settings')).body.name).toBe('Test Roofing');

      const admin = await server.user({ role: 'admin', companyId: owner.companyId });
      expect((await admin.call('GET', '/v1/webhooks')).status).toBe(200);
      expect((await admin.call('GET', '/app/api/keys')).status).toBe(200);
      expect((await admin.call('PATCH', '/app/api/settings', { name: 'Renamed Roofing' })).body.name).toBe('Renamed Roofing');
    });
  });

  describe('invitations and the team', () => {
    it('invites by a one-time link; the invitee joins with the role, and a removed user is logged out', async () => {
      const owner = await server.user();
      const invite = await owner.call('POST', '/app/api/invites', { role: 'member' });
      expect(invite.status).toBe(201);
      const token = invite.body.url.split('/app/invite/')[1];
      expect(invite.body.url).toBe(`${server.config.publicUrl}/app/invite/${token}`);

      const info = await server.fetch('GET', `/app/api/invites/${token}`);
      expect(info.body).toEqual({ company_name: 'Test Roofing', role: 'member' });
      const email = newEmail();
      const accepted = await server.fetch('POST', `/app/api/invites/${token}/accept`, {
        body: { name: 'New Member', email, password: 'member password' },
        headers: origin(),
      });
      expect(accepted.status).toBe(201);
      expect(accepted.body.user.role).toBe('member');
      expect(accepted.body.company.id).toBe(owner.companyId);
      const cookie = sessionCookieOf(accepted.headers);
      expect((await server.fetch('GET', '/v1/leads', { headers: { cookie } })).status).toBe(200);

      const twice = await server.fetch('POST', `/app/api/invites/${token}/accept`, {
        body: { name: 'Someone Else', email: newEmail(), password: 'other password' },
        headers: origin(),
      });
      expect(twice.status).toBe(404);

      const team = await owner.call('GET', '/app/api/team');
      const joined = team.body.users.find((u: { email: string }) => u.email === email);
      expect(joined.role).toBe('member');
      expect(team.body.invites).toEqual([]);

      expect((await owner.call('DELETE', `/app/api/team/${joined.id}`)).status).toBe(204);
      expect((await server.fetch('GET', '/v1/leads', { headers: { cookie } })).status).toBe(401);
    });

    it('does not let anyone remove the owner, nor another company remove a user', async () => {
      const owner = await server.user();
      const admin = await server.user({ role: 'admin', companyId: owner.companyId });
      expect((await admin.call('DELETE', `/app/api/team/${owner.userId}`)).status).toBe(404);
      const stranger = await server.user();
      expect((await stranger.call('DELETE', `/app/api/team/${admin.userId}`)).status).toBe(404);
      expect((await admin.call('GET', '/app/api/me')).status).toBe(200);
    });
  });

  describe('API keys from the dashboard', () => {
    it('shows the token once; it works until revoked, then gets 401 at once', async () => {
      const owner = await server.user();
      const created = await owner.call('POST', '/app/api/keys', { name: 'Zapier', scopes: ['leads:read'] });
      expect(created.status).toBe(201);
      const { token, id } = created.body;
      expect(token).toMatch(/^qlhq_/);
      const listed = await owner.call('GET', '/app/api/keys');
      expect(listed.body.data).toEqual([expect.objectContaining({ id, name: 'Zapier', scopes: ['leads:read'], prefix: token.slice(0, 12) })]);
      expect(JSON.stringify(listed.body)).not.toContain(token);

      const bearer = { authorization: `Bearer ${token}` };
      expect((await server.fetch('GET', '/v1/leads', { headers: bearer })).status).toBe(200);
      expect((await server.fetch('POST', '/v1/leads', { body: { name: 'x' }, headers: bearer })).status).toBe(403);

      const stranger = await server.user();
      expect((await stranger.call('DELETE', `/app/api/keys/${id}`)).status).toBe(404);
      expect((await owner.call('DELETE', `/app/api/keys/${id}`)).body.revoked_at).toEqual(expect.any(String));
      const after = await server.fetch('GET', '/v1/leads', { headers: bearer });
      expect(after.status).toBe(401);
      expect(after.body.error).toBe('API token has been revoked');
    });

    it('names the problem with a key request', async () => {
      const owner = await server.user();
      const res = await owner.call('POST', '/app/api/keys', { name: 'x', scopes: [] });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('scopes');
    });
  });

  it('reveals a webhook endpoint\'s secret to whoever manages webhooks', async () => {
    const owner = await server.user();
    const created = await owner.call('POST', '/v1/webhooks', { url: 'https://93.184.215.14/in' });
    const revealed = await owner.call('GET', `/v1/webhooks/${created.body.data.id}/secret`);
    expect(revealed.body.data.secret).toBe(created.body.data.secret);
  });

  it('changes settings with field errors in the API\'s shape', async () => {
    const owner = await server.user();
    const bad = await owner.call('PATCH', '/app/api/settings', { tax_rate: 10 });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toEqual({ field: 'tax_rate', message: 'must be a fraction: 0.1 for 10%' });
    const ok = await owner.call('PATCH', '/app/api/settings', { tax_rate: 0.15, tax_mode: 'inclusive', currency: 'nzd', timezone: 'Pacific/Auckland' });
    expect(ok.body).toMatchObject({ tax_rate: 0.15, tax_mode: 'inclusive', currency: 'NZD', timezone: 'Pacific/Auckland' });
  });

  it('serves the dashboard under /app/ and sends / there', async () => {
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/app/');
    const page = await server.fetch('GET', '/app/leads/some-client-route');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="root">');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const script = /src="(\/app\/assets\/[^"]+\.js)"/.exec(page.text)![1];
    const asset = await fetch(server.url + script);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await server.fetch('GET', '/app/api/nothing-here', { headers: { cookie: (await server.user()).cookie } })).status).toBe(404);
  });
});

describe('dashboard limits and expiry', () => {
  it('counts session requests per user, apart from the company\'s API quota', async () => {
    const server = await startTestServer({ rateLimit: 2, env: { DASHBOARD_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const owner = await server.user();
      const colleague = await server.user({ role: 'member', companyId: owner.companyId });
      const token = await server.token(owner.companyId);
      const bearer = { authorization: `Bearer ${token.token}` };
      for (let i = 0; i < 2; i++) expect((await server.fetch('GET', '/v1/pipeline', { headers: bearer })).status).toBe(200);
      expect((await server.fetch('GET', '/v1/pipeline', { headers: bearer })).status).toBe(429);

      // Logging in is not a counted request: the owner has all 3 left.
      for (let i = 0; i < 3; i++) expect((await owner.call('GET', '/v1/pipeline')).status).toBe(200);
      const limited = await owner.call('GET', '/v1/pipeline');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('ratelimit-policy')).toBe('"dashboard";q=3;w=60');
      expect((await colleague.call('GET', '/v1/pipeline')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('limits failed log-ins per email and per address, for known and unknown emails alike', async () => {
    // Behind a proxy, so this test has a client address of its own: on a shared Redis, other tests'
    // failures from 127.0.0.1 must not count here.
    const server = await startTestServer({ env: { TRUST_PROXY: 'true' } });
    try {
      const client = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
      const attempt = (email: string, password: string) =>
        server.fetch('POST', '/app/api/login', {
          body: { email, password },
          headers: { origin: server.url, 'x-forwarded-for': client },
        });
      const user = await server.user();
      for (let i = 0; i < 12; i++) expect((await attempt(user.email, user.password)).status).toBe(200); // successes do not count
      for (let i = 0; i < 10; i++) expect((await attempt(user.email, 'guess ' + i)).status).toBe(401);
      const blocked = await attempt(user.email, user.password); // even the right password, once over
      expect(blocked.status).toBe(429);
      expect(blocked.body.error).toMatch(/^Too many login attempts; try again in \d+ seconds$/);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800);

      const unknown = `nobody-${randomBytes(4).toString('hex')}@example.com`;
      for (let i = 0; i < 10; i++) expect((await attempt(unknown, 'guess')).status).toBe(401);
      expect((await attempt(unknown, 'guess')).status).toBe(429);

      // Per address: 50 failures in 15 minutes, whatever the emails (20 made above).
      for (let i = 20; i < 50; i++) expect((await attempt(`spray-${i}@example.com`, 'Summer2026!')).status).toBe(401);
      expect((await attempt('spray-50@example.com', 'Summer2026!')).status).toBe(429);
      const other = await server.user();
      expect((await attempt(other.email, other.password)).status).toBe(429);
    } finally {
      await server.close();
    }
  });

  it('counts log-in guesses sent all at once before checking them: 100 together for one email, 10 are checked', async () => {
    const server = await startTestServer({ env: { TRUST_PROXY: 'true' } });
    try {
      const client = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
      const user = await server.user();
      const attempt = (password: string, from = client) =>
        server.fetch('POST', '/app/api/login', { body: { email: user.email, password }, headers: { origin: server.url, 'x-forwarded-for': from } });
      const answers = await Promise.all([...Array.from({ length: 99 }, (_, i) => attempt(`guess ${i}`)), attempt(user.password)]);
      const count = (status: number) => answers.filter((a) => a.status === status).length;
      expect(count(401)).toBeLessThanOrEqual(10);
      // A success gives its slot back, so at most one more than the limit is ever checked.
      expect(count(401) + count(200)).toBeLessThanOrEqual(11);
      expect(count(429)).toBeGreaterThanOrEqual(89);

      // Per address: 50, however many emails are guessed at once.
      const sprayFrom = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
      const spray = await Promise.all(
        Array.from({ length: 80 }, (_, i) =>
          server.fetch('POST', '/app/api/login', {
            body: { email: `spray-${i}-${randomBytes(3).toString('hex')}@example.com`, password: 'Summer2026!' },
            headers: { origin: server.url, 'x-forwarded-for': sprayFrom },
          }),
        ),
      );
      expect(spray.filter((a) => a.status === 401).length).toBeLessThanOrEqual(50);
    } finally {
      await server.close();
    }
  });

  it('ends an idle session after 7 days, and any session after 30', async () => {
    const clock = manualClock(Date.parse('2026-11-01T00:00:00Z'));
    const server = await startTestServer({ clock });
    try {
      const idle = await server.user();
      clock.advance(7 * 86_400_000 - 60_000);
      expect((await idle.call('GET', '/app/api/me')).status).toBe(200); // used: the idle clock restarts
      clock.advance(6 * 86_400_000);
      expect((await idle.call('GET', '/app/api/me')).status).toBe(200);
      clock.advance(7 * 86_400_000 + 1);
      expect((await idle.call('GET', '/app/api/me')).status).toBe(401);

      const busy = await server.user();
      for (let day = 0; day < 30; day += 5) {
        expect((await busy.call('GET', '/app/api/me')).status).toBe(200);
        clock.advance(5 * 86_400_000);
      }
      expect((await busy.call('GET', '/app/api/me')).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
