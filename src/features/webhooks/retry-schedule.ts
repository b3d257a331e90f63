// B6: failed attempts are retried after growing delays (about: at once, 5 s, 5 min, 30 min, 2 h, 5 h,
// 10 h, 14 h, 20 h, 24 h). "At once" is the first attempt; each later one waits the next delay, so a
// delivery gets 10 attempts over about 3 days before it is marked failed.
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
export const RETRY_DELAYS_MS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
// ±10%, so that the retries of many deliveries that failed together do not arrive together.
export const JITTER = 0.1;
// A Retry-After longer than the longest scheduled delay is capped to it.
const MAX_RETRY_AFTER_MS = 24 * HOUR;
// An endpoint whose every attempt has failed for this long is disabled.
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * HOUR;

/**
 * When the next attempt is due after `attempts` failed ones, or null when the retries are used up.
 * `retryAfterMs` (a 429 or 503's Retry-After) replaces the scheduled delay.
 */
export function nextAttemptAt(attempts: number, nowMs: number, retryAfterMs: number | null, random = Math.random): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  if (retryAfterMs !== null) return nowMs + Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  const delay = RETRY_DELAYS_MS[attempts - 1];
  return nowMs + Math.round(delay * (1 - JITTER + 2 * JITTER * random()));
}

/** Retry-After as delta seconds or an HTTP date (RFC 9110), in milliseconds from now; null if absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
