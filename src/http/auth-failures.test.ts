import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../lib/tokens.js';
import { startTestServer, type TestServer } from '../../test/helpers.js';

// Requests that end in 401 are counted per client address; past the limit that address gets 429 for
// requests without a valid token, and a valid token is never refused (integration platforms share
// addresses). Behind a proxy, so that this test has addresses of its own on a shared Redis.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: 'true', AUTH_FAILURES_PER_MINUTE: '5' } });
});
afterAll(() => server.close());

const address = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

describe('failed authentication limit per client address', () => {
  it('answers 429 past the limit to bad credentials, and never to a valid token', async () => {
    const from = address();
    const owner = await server.tenant();
    const as = (authorization?: string, path = '/v1/leads') =>
      server.fetch('GET', path, { headers: { 'x-forwarded-for': from, ...(authorization ? { authorization } : {}) } });
    for (let i = 0; i < 5; i++) expect((await as(`Bearer ${generateToken().token}`)).status).toBe(401);
    const over = await as(`Bearer ${generateToken().token}`);
    expect(over.status).toBe(429);
    expect(over.body.error).toMatch(/^Too many failed authentications from this address; try again in \d+ seconds$/);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await as()).status).toBe(429); // no header at all
    expect((await as(undefined, '/app/api/me')).status).toBe(429); // no session
    expect((await as(`Bearer ${owner.token}`)).status).toBe(200);
    // Another address is not affected.
    const elsewhere = await server.fetch('GET', '/v1/leads', { headers: { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}`, authorization: 'Bearer x' } });
    expect(elsewhere.status).toBe(401);
  });
});
