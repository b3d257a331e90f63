import { createHash } from 'node:crypto';
import { RateLimitedError } from '../../lib/errors.js';
import type { RateDecision, RateLimiter, Reservation } from '../../lib/rate-limiter.js';

/** Failed log-ins per email and per client address (src/http/limiters.ts). */
export type LoginLimits = { perEmail: RateLimiter; perIp: RateLimiter };

const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * The keys a password guess counts under: the same for a log-in and for a profile change checked
 * against the current password, so neither door gives an attacker more guesses than the other.
 */
export const loginKeys = (clientIp: string, email: string) => ({ ip: `ip:${clientIp}`, email: `email:${digest(email)}` });

export function refuse(d: RateDecision, what = 'login attempts'): never {
  const seconds = Math.max(1, Math.ceil(d.resetMs / 1000));
  throw new RateLimitedError(`Too many ${what}; try again in ${seconds} seconds`, { 'Retry-After': String(seconds) });
}

// Log-in limits count failures only (an office of colleagues logging in fine is never blocked),
// and are checked before the password is: once an email or an address is over, even the right
// password gets the 429, so guessing on past the limit learns nothing.
// Each attempt takes its slots before the password is checked (atomically: guesses sent all at
// once cannot all pass a limit that only counts later), and gives them back when it succeeds.
export async function reserveLoginSlots(limits: LoginLimits, keys: { ip: string; email: string }): Promise<Reservation[]> {
  const ip = await limits.perIp.reserve(keys.ip);
  if (!ip.allowed) refuse(ip);
  const email = await limits.perEmail.reserve(keys.email);
  if (!email.allowed) {
    await ip.release();
    refuse(email);
  }
  return [ip, email];
}

/**
 * Runs `attempt` (which answers whether the password was right) inside the limits: a wrong password
 * keeps its slots (it counts), anything else gives them back (a success, or an error of ours).
 */
export async function guardedPasswordCheck<T>(limits: LoginLimits, keys: { ip: string; email: string }, attempt: () => Promise<T | false>, wrong: () => Error): Promise<T> {
  const slots = await reserveLoginSlots(limits, keys);
  let failed = false;
  try {
    const result = await attempt();
    if (result === false) {
      failed = true;
      throw wrong();
    }
    return result;
  } finally {
    if (!failed) await Promise.all(slots.map((s) => s.release()));
  }
}
