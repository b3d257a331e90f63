import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from '../lib/rate-limiter.js';
import type { Logger } from '../lib/logger.js';

export type LimitPolicy = { limit: number; windowMs: number; keyPrefix: string };

/** The API quota of A3: per company, per minute. */
export const apiPolicy = (config: Config): LimitPolicy => ({
  limit: config.rateLimitPerMinute,
  windowMs: 60_000,
  keyPrefix: 'ql:rl:',
});

/** A limiter shared by every instance through Redis when it is configured, else in this process. */
export function createRateLimiter(config: Config, clock: Clock, logger: Logger, policy: LimitPolicy = apiPolicy(config)): RateLimiter {
  const opts = { limit: policy.limit, windowMs: policy.windowMs, clock };
  if (!config.redisUrl) return createMemoryRateLimiter(opts);
  return createRedisRateLimiter({ ...opts, url: config.redisUrl, logger, keyPrefix: policy.keyPrefix });
}

/**
 * The dashboard's own limits: requests per user (not the company's API quota), and log-in attempts
 * per email (slows guessing one account's password) and per client address (slows spraying many).
 */
export function createDashboardLimiters(config: Config, clock: Clock, logger: Logger) {
  const fifteenMinutes = 15 * 60_000;
  return {
    perUser: createRateLimiter(config, clock, logger, {
      limit: config.dashboardRateLimitPerMinute,
      windowMs: 60_000,
      keyPrefix: 'ql:rl:dash:',
    }),
    loginPerEmail: createRateLimiter(config, clock, logger, { limit: 10, windowMs: fifteenMinutes, keyPrefix: 'ql:rl:login:' }),
    loginPerIp: createRateLimiter(config, clock, logger, { limit: 50, windowMs: fifteenMinutes, keyPrefix: 'ql:rl:login:' }),
    // Requests that end in 401, per client address (src/http/auth.ts).
    authFailuresPerIp: createRateLimiter(config, clock, logger, {
      limit: config.authFailuresPerMinute,
      windowMs: 60_000,
      keyPrefix: 'ql:rl:authfail:',
    }),
  };
}
