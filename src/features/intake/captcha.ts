import type { CaptchaProvider } from '../../db/schema/index.js';

export type CaptchaVerdict = 'passed' | 'failed' | 'unreachable';

/** The field each provider's widget adds to the form it sits in. */
export const CAPTCHA_FIELDS: Record<CaptchaProvider, string> = { turnstile: 'cf-turnstile-response', hcaptcha: 'h-captcha-response' };

export type CaptchaCheck = { provider: CaptchaProvider; secret: string; siteKey: string; token: string; remoteIp: string };

/**
 * Server-side verification, as both providers document it: a form-encoded POST of secret, response
 * (the widget's token) and remoteip to their siteverify URL, answered with JSON `{success: bool}`.
 * A service that does not answer (network, timeout, 5xx, not JSON) is `unreachable`: the caller keeps
 * the lead, unverified, rather than losing it.
 */
export function createCaptchaVerifier(deps: { urls: Record<CaptchaProvider, string>; timeoutMs: number }) {
  return async function verify(c: CaptchaCheck): Promise<CaptchaVerdict> {
    const form = new URLSearchParams({ secret: c.secret, response: c.token, remoteip: c.remoteIp });
    if (c.provider === 'hcaptcha') form.set('sitekey', c.siteKey);
    try {
      const res = await fetch(deps.urls[c.provider], {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
      if (!res.ok) return 'unreachable';
      const answer = (await res.json()) as { success?: unknown };
      if (typeof answer?.success !== 'boolean') return 'unreachable';
      return answer.success ? 'passed' : 'failed';
    } catch {
      return 'unreachable';
    }
  };
}

export type CaptchaVerifier = ReturnType<typeof createCaptchaVerifier>;
