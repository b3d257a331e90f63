import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers.js';

// A slow client cannot hold a connection: headers, the whole request, and silence are each bounded
// (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, CONNECTION_TIMEOUT_MS; shortened here).
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { HEADERS_TIMEOUT_MS: '600', REQUEST_TIMEOUT_MS: '1200', CONNECTION_TIMEOUT_MS: '800' } });
});
afterAll(() => server.close());

/** Opens a connection, trickles `chunks` one every `everyMs`, and says when the server closed it. */
function trickle(chunks: string[], everyMs: number): Promise<{ closedAfterMs: number; answer: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < chunks.length && !socket.destroyed) socket.write(chunks[i++]);
    }, everyMs);
    socket.on('data', (d) => (answer += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, answer });
    });
  });
}

describe('slow clients', { timeout: 8000 }, () => {
  it('headers sent one byte at a time are cut off at the header timeout', async () => {
    const head = `GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    const { closedAfterMs, answer } = await trickle([...head], 50);
    expect(closedAfterMs).toBeLessThan(3000);
    expect(answer).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('a body sent one byte at a time is cut off at the request timeout', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(500) });
    const head = `POST /v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // (The 401 may come before the body, as authentication does not wait for it; the socket is held
    // open by the trickle all the same, until the request timeout.)
    const { closedAfterMs } = await trickle([head, ...body], 20);
    expect(closedAfterMs).toBeGreaterThan(1000);
    expect(closedAfterMs).toBeLessThan(4000);
  });

  it('a connection that says nothing is closed', async () => {
    const { closedAfterMs } = await trickle([], 1000);
    expect(closedAfterMs).toBeLessThan(3000);
  });

  it('a normal request is unaffected', async () => {
    expect((await server.fetch('GET', '/health')).status).toBe(200);
  });
});
