import http from 'node:http';

// Cloudflare Turnstile's and hCaptcha's server-side check, as both document it: a form-encoded POST
// of `secret`, `response` (the widget's token), `remoteip` (and hCaptcha's `sitekey`) to
// `/siteverify`, answered with JSON `{ "success": true|false, "error-codes": [...] }`. A token is good
// when the test has issued it for that secret; `down()` makes the service answer 503.

export type FakeCaptcha = {
  /** Base of the verify URLs: TURNSTILE_VERIFY_URL / HCAPTCHA_VERIFY_URL = `${url}/turnstile/v0/siteverify`, `${url}/siteverify`. */
  url: string;
  /** A token the service will accept once, for `secret`. */
  issue(secret: string): string;
  down(isDown: boolean): void;
  checks: Record<string, string>[];
  close(): Promise<void>;
};

export async function startFakeCaptcha(): Promise<FakeCaptcha> {
  const good = new Map<string, string>(); // token → secret
  const checks: Record<string, string>[] = [];
  let isDown = false;
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (isDown) return res.writeHead(503).end('unavailable');
      if (req.method !== 'POST' || !req.url?.endsWith('/siteverify') || !/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
        return res.writeHead(405).end();
      }
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      checks.push(form);
      const codes: string[] = [];
      if (!form.secret) codes.push('missing-input-secret');
      if (!form.response) codes.push('missing-input-response');
      else if (good.get(form.response) !== form.secret) codes.push('invalid-input-response');
      // A token is good once: a replayed one is refused, as the real services do.
      if (!codes.length) good.delete(form.response);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: codes.length === 0, 'error-codes': codes }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    issue(secret) {
      const token = `tok-${++n}-${Math.random().toString(36).slice(2)}`;
      good.set(token, secret);
      return token;
    },
    down: (d) => {
      isDown = d;
    },
    checks,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
