import { describe, expect, it } from 'vitest';
import { requestForLog } from './request-log.js';

describe('requestForLog', () => {
  it('keeps the public quote token out of logs, and the rest of the address in', () => {
    const at = (url: string) => requestForLog({ method: 'POST', url, host: 'api.example.com', ip: '203.0.113.9' }).url;
    expect(at('/q/3q2-7wAbC_x9/accept')).toBe('/q/<token>/accept');
    expect(at('/q/3q2-7wAbC_x9?utm=sms')).toBe('/q/<token>?utm=sms');
    expect(at('/v1/quotes/6f1c?status=sent')).toBe('/v1/quotes/6f1c?status=sent');
  });
});

describe('the request log, through the real router', () => {
  it('never holds a secret of a path: quote and invitation tokens, in every form that reaches their routes', async () => {
    const { Writable } = await import('node:stream');
    const net = await import('node:net');
    const { startTestServer } = await import('../../test/helpers.js');
    const lines: string[] = [];
    const logStream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const server = await startTestServer({ env: { LOG_LEVEL: 'info' }, logStream });
    try {
      const secret = 'Zq9SecretTokenValue_abcdefghijklmnopqrstuvw';
      const { port } = new URL(server.url);
      const raw = (requestLine: string, body = '') =>
        new Promise<string>((resolve, reject) => {
          const socket = net.connect(Number(port), '127.0.0.1');
          let answer = '';
          socket.on('data', (d) => (answer += d));
          socket.on('end', () => resolve(answer));
          socket.on('error', reject);
          const length = body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nOrigin: ${server.url}\r\n` : '';
          socket.write(`${requestLine} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${length}Connection: close\r\n\r\n${body}`);
        });
      const targets = [
        `GET /q/${secret}`,
        `GET /%71/${secret}`,
        `GET /q/${secret}?utm=sms`,
        `GET http://127.0.0.1:${port}/q/${secret}`,
        `GET http://127.0.0.1:${port}/%71/${secret}`,
        `GET /app/invite/${secret}`,
        `GET /%61pp/invite/${secret}`,
        `GET /app/invite/${secret}/more`,
        `GET /app/api/invites/${secret}`,
        `GET /app/api/%69nvites/${secret}`,
        `GET http://127.0.0.1:${port}/app/api/invites/${secret}`,
      ];
      for (const target of targets) expect(await raw(target)).toMatch(/^HTTP\/1\.1 \d{3}/);
      for (const target of [`POST /app/api/invites/${secret}/accept`, `POST /q/${secret}/accept`, `POST /%71/${secret}/decline`]) {
        await raw(target, JSON.stringify({ name: 'A', email: 'a@example.com', password: 'long-enough-password' }));
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(lines.some((l) => l.includes('incoming request'))).toBe(true);
      expect(lines.filter((l) => l.includes(secret))).toEqual([]);
      expect(lines.some((l) => l.includes('/q/<token>'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
