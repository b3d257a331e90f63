import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('every HTML answer refuses framing, whatever path reaches it', () => {
  it.each(['/app/', '/app/index.html', '/%61pp/index.html', '/app/leads/x', '/docs', '/docs/', '/q/not-a-real-token'])('%s', async (path) => {
    const res = await fetch(server.url + path);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });
});
