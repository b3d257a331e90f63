import zlib from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers.js';

// The dashboard's files go out compressed as the build wrote them (.br, .gz: web/vite.config.ts),
// to a browser that accepts them; the same bytes, plain, to one that does not.
describe('the dashboard, compressed', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const get = async (path: string, encoding?: string) => {
    const res = await request(server.url + path, { headers: encoding ? { 'accept-encoding': encoding } : {} });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  };

  it('sends the scripts and styles as brotli or gzip, as the browser accepts, with Vary: Accept-Encoding', async () => {
    const plainPage = await get('/app/login');
    expect(plainPage.headers['content-encoding']).toBeUndefined();
    const script = /src="(\/app\/assets\/[^"]+\.js)"/.exec(plainPage.body.toString())![1];
    const plain = await get(script);
    expect(plain.status).toBe(200);

    const br = await get(script, 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(String(br.headers.vary)).toMatch(/accept-encoding/i);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.body.length).toBeLessThan(plain.body.length / 2);
    expect(zlib.brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

    const gz = await get(script, 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).equals(plain.body)).toBe(true);

    // The stylesheet likewise; index.html is under a kilobyte (less than a packet saved) and goes plain.
    const css = /href="(\/app\/assets\/[^"]+\.css)"/.exec(plainPage.body.toString())![1];
    expect((await get(css, 'br')).headers['content-encoding']).toBe('br');
    expect(plainPage.body.length).toBeLessThan(1024);
  });
});
