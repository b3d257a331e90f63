import net from 'node:net';
import { Agent, request } from 'undici';
import { guardedLookup, hostOf, isNonPublicAddress, UnsafeTargetError } from './url-safety.js';

// One attempt of one delivery over HTTP (B6): a 10 s limit for the whole exchange, no redirects
// followed (undici's request never follows them), and at most 1 KiB of the answer kept.
export const ATTEMPT_TIMEOUT_MS = 10_000;
export const KEPT_RESPONSE_BYTES = 1024;

export type AttemptResult = {
  success: boolean;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  error: string | null;
  /** The Retry-After header of a 429 or 503, as sent. */
  retryAfter: string | undefined;
};

export type WebhookSender = {
  send(url: string, body: string, headers: Record<string, string>): Promise<AttemptResult>;
  close(): Promise<void>;
};

export function createWebhookSender(opts: { allowPrivateTargets: boolean }): WebhookSender {
  const agent = new Agent({
    // Every address of the name is checked as the socket is made, so DNS rebinding gains nothing.
    connect: opts.allowPrivateTargets ? { timeout: ATTEMPT_TIMEOUT_MS } : { timeout: ATTEMPT_TIMEOUT_MS, lookup: guardedLookup },
    keepAliveTimeout: 4_000,
    headersTimeout: ATTEMPT_TIMEOUT_MS,
    bodyTimeout: ATTEMPT_TIMEOUT_MS,
  });

  async function send(url: string, body: string, headers: Record<string, string>): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const target = new URL(url);
      // An address literal never goes through `lookup`, so it is checked here.
      const host = hostOf(target);
      if (!opts.allowPrivateTargets && net.isIP(host) && isNonPublicAddress(host)) {
        throw new UnsafeTargetError(`${host} is not a public address`);
      }
      const res = await request(target, {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      const responseBody = await readBounded(res.body);
      const success = res.statusCode >= 200 && res.statusCode < 300;
      const retryAfter = res.statusCode === 429 || res.statusCode === 503 ? headerOf(res.headers['retry-after']) : undefined;
      return {
        success,
        statusCode: res.statusCode,
        durationMs: elapsed(),
        responseBody,
        error: success ? null : `HTTP ${res.statusCode}`,
        retryAfter,
      };
    } catch (err) {
      return { success: false, statusCode: null, durationMs: elapsed(), responseBody: null, error: describe(err), retryAfter: undefined };
    }
  }

  return { send, close: () => agent.close() };
}

const headerOf = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

async function readBounded(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    // Enough kept: the rest is not read (a receiver cannot make us download a large answer).
    if (size >= KEPT_RESPONSE_BYTES) {
      body.destroy();
      break;
    }
  }
  // Cut on a byte boundary, then drop a partial UTF-8 character at the end.
  return Buffer.concat(chunks).subarray(0, KEPT_RESPONSE_BYTES).toString('utf8').replace(/\uFFFD$/, '');
}

function describe(err: unknown): string {
  const e = err as Error & { code?: string; cause?: Error & { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  const inner = e.cause ?? e;
  if (inner instanceof UnsafeTargetError || e instanceof UnsafeTargetError) return `refused: ${(inner instanceof UnsafeTargetError ? inner : e).message}`;
  const code = inner.code ?? e.code;
  return code && !inner.message.includes(code) ? `${inner.message} (${code})` : inner.message || String(err);
}
