import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieOf, startTestServer, type DashboardUser, type TestServer } from '../../../test/helpers.js';

// The profile page's endpoints (/app/api/me…): a user's own name, email, password and sessions.
describe('the profile (/app/api/me)', () => {
  let server: TestServer;
  // A client address of this file's own (behind a "proxy"): the log-in limits are per address, and on
  // a shared Redis other runs' failures from 127.0.0.1 must not count here.
  const client = () => ({ 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250) + 1}` });
  beforeAll(async () => {
    server = await startTestServer({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => server.close());

  const login = (email: string, password: string) =>
    server.fetch('POST', '/app/api/login', { body: { email, password }, headers: { origin: server.url, ...client() } });
  // A second session of the same user: another browser.
  async function secondSession(u: DashboardUser) {
    const res = await login(u.email, u.password);
    expect(res.status).toBe(200);
    const cookie = sessionCookieOf(res.headers);
    return (method: string, path: string, body?: unknown) => server.fetch(method, path, { body, headers: { cookie, origin: server.url } });
  }

  it('renames the user, whatever the role, and the new name is who /app/api/me is', async () => {
    const member = await server.user({ role: 'member' });
    const res = await member.call('PATCH', '/app/api/me', { name: '  Mia Member ' });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: member.userId, name: 'Mia Member', role: 'member' });
    expect((await member.call('GET', '/app/api/me')).body.user.name).toBe('Mia Member');
    expect((await member.call('PATCH', '/app/api/me', { name: '' })).status).toBe(400);
    expect((await server.fetch('PATCH', '/app/api/me', { body: { name: 'X' }, headers: { origin: server.url } })).status).toBe(401);
    // The CSRF rule of every cookie write.
    expect((await member.call('PATCH', '/app/api/me', { name: 'X' }, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('changes the email only with the current password; the old email no longer logs in', async () => {
    const u = await server.user();
    const wrong = await u.call('PUT', '/app/api/me/email', { email: 'new@example.com', current_password: 'not it at all' }, client());
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'Your current password is wrong', details: [{ field: 'current_password', message: 'is wrong' }] });
    const email = `moved-${u.userId.slice(0, 8)}@Example.com`;
    const res = await u.call('PUT', '/app/api/me/email', { email, current_password: u.password }, client());
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(email.toLowerCase());
    expect((await login(u.email, u.password)).status).toBe(401);
    expect((await login(email.toLowerCase(), u.password)).status).toBe(200);

    const other = await server.user();
    const taken = await other.call('PUT', '/app/api/me/email', { email: email.toLowerCase(), current_password: other.password }, client());
    expect(taken).toMatchObject({ status: 409, body: { error: 'Another account already uses this email' } });
    expect((await other.call('PUT', '/app/api/me/email', { email: 'not an email', current_password: other.password })).body.details[0].field).toBe('email');
  });

  it('changes the password with the current one and ends every other session, not this one', async () => {
    const u = await server.user();
    const elsewhere = await secondSession(u);
    expect((await u.call('GET', '/app/api/me/sessions')).body).toEqual({ sessions: 2 });
    const short = await u.call('PUT', '/app/api/me/password', { current_password: u.password, new_password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.details[0].field).toBe('new_password');
    expect((await u.call('PUT', '/app/api/me/password', { current_password: 'wrong password', new_password: 'a new long passphrase' }, client())).status).toBe(400);

    const res = await u.call('PUT', '/app/api/me/password', { current_password: u.password, new_password: 'a new long passphrase' }, client());
    expect(res).toMatchObject({ status: 200, body: { sessions: 1, ended: 1 } });
    expect((await elsewhere('GET', '/app/api/me')).status).toBe(401);
    expect((await u.call('GET', '/app/api/me')).status).toBe(200);
    expect((await login(u.email, u.password)).status).toBe(401);
    expect((await login(u.email, 'a new long passphrase')).status).toBe(200);
  });

  it('logs out of the other sessions, keeping this one', async () => {
    const u = await server.user();
    const a = await secondSession(u);
    const b = await secondSession(u);
    const res = await u.call('POST', '/app/api/me/sessions/end-others');
    expect(res).toMatchObject({ status: 200, body: { sessions: 1, ended: 2 } });
    expect((await a('GET', '/app/api/me')).status).toBe(401);
    expect((await b('GET', '/app/api/me')).status).toBe(401);
    expect((await u.call('GET', '/app/api/me')).status).toBe(200);
    // Another user's sessions are left alone.
    const other = await server.user();
    await u.call('POST', '/app/api/me/sessions/end-others');
    expect((await other.call('GET', '/app/api/me')).status).toBe(200);
  });

  it('counts a wrong current password as a failed log-in: past the limit, even the right one is a 429', async () => {
    const u = await server.user();
    const from = client();
    for (let i = 0; i < 10; i++) {
      expect((await u.call('PUT', '/app/api/me/password', { current_password: `guess ${i}`, new_password: 'a new long passphrase' }, from)).status).toBe(400);
    }
    const limited = await u.call('PUT', '/app/api/me/email', { email: 'x@example.com', current_password: u.password }, from);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatch(/^Too many login attempts; try again in \d+ seconds$/);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // The same count as the log-in page's: the account's email is limited there too.
    expect((await login(u.email, u.password)).status).toBe(429);
  });
});
