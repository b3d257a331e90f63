import type { Logger } from './logger.js';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock } from './clock.js';

// A sliding log: every admitted request is remembered for one window, and a request is admitted only
// while fewer than `limit` are remembered. Unlike a fixed window (up to twice the limit around an edge),
// no span of `windowMs` can ever admit more than `limit`. Requests refused are not logged, so a 429
// does not count.

export type RateDecision = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the oldest remembered request leaves the window (one more slot frees up). */
  resetMs: number;
};

/** A request counted by `reserve`; `release` un-counts it (a log-in that succeeded is not a failure). */
export type Reservation = RateDecision & { release(): Promise<void> };

export type RateLimiter = {
  check(key: string): Promise<RateDecision>;
  /**
   * Like `check` (counted atomically, so concurrent requests cannot all pass), but the slot can be
   * given back afterwards. Refused reservations count nothing and release nothing.
   */
  reserve(key: string): Promise<Reservation>;
  /** Whether `check` would admit one more now, without counting anything. */
  peek(key: string): Promise<RateDecision>;
  /** Undefined when the limiter has no shared store; otherwise throws when the store is unreachable. */
  ping?(): Promise<void>;
  close(): Promise<void>;
};

export function createMemoryRateLimiter(opts: { limit: number; windowMs: number; clock: Clock }): RateLimiter {
  const { limit, windowMs, clock } = opts;
  // Per key: admitted timestamps in order, consumed from `head` (a queue without shifting).
  const logs = new Map<string, { times: number[]; head: number }>();
  let checks = 0;

  function sweep(now: number) {
    for (const [key, log] of logs) {
      if (log.times.length === log.head || log.times[log.times.length - 1] <= now - windowMs) logs.delete(key);
    }
  }

  /** Counts one request of `key` at `now` if the window has room. */
  function admit(key: string, now: number): RateDecision {
    // Forget idle companies now and then so memory follows the active ones.
    if (++checks % 10_000 === 0) sweep(now);
    let log = logs.get(key);
    if (!log) logs.set(key, (log = { times: [], head: 0 }));
    while (log.head < log.times.length && log.times[log.head] <= now - windowMs) log.head++;
    if (log.head > 1024 && log.head * 2 > log.times.length) {
      log.times = log.times.slice(log.head);
      log.head = 0;
    }
    const count = log.times.length - log.head;
    if (count >= limit) {
      return { allowed: false, limit, remaining: 0, resetMs: log.times[log.head] + windowMs - now };
    }
    log.times.push(now);
    return { allowed: true, limit, remaining: limit - count - 1, resetMs: log.times[log.head] + windowMs - now };
  }

  const limiter: RateLimiter = {
    async check(key) {
      return admit(key, clock.now());
    },
    async reserve(key) {
      // The reservation remembers the very timestamp it was counted at, so release finds it.
      const at = clock.now();
      const decision = admit(key, at);
      let released = !decision.allowed;
      return {
        ...decision,
        async release() {
          if (released) return;
          released = true;
          const log = logs.get(key);
          if (!log) return;
          // Equal timestamps are interchangeable: removing any one of them un-counts this request.
          const i = log.times.lastIndexOf(at);
          if (i >= log.head) log.times.splice(i, 1);
        },
      };
    },
    async peek(key) {
      const now = clock.now();
      const times = logs.get(key)?.times.filter((t) => t > now - windowMs) ?? [];
      const resetMs = times.length ? times[0] + windowMs - now : windowMs;
      return { allowed: times.length < limit, limit, remaining: Math.max(0, limit - times.length), resetMs };
    },
    async close() {
      logs.clear();
    },
  };
  return limiter;
}

// Check-and-count in one atomic step, so concurrent requests on any number of instances cannot both
// take the last slot. Scores are milliseconds from the caller's clock.
const SLIDING_LOG_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  count = count + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local reset = window
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {allowed, limit - count, reset}
`;


/**
 * The shared limiter of a deployment. While Redis cannot be reached, each instance falls back to its
 * own in-process log and says so once; availability wins over exactness (A3).
 */
export function createRedisRateLimiter(opts: {
  url: string;
  limit: number;
  windowMs: number;
  clock: Clock;
  logger: Logger;
  keyPrefix?: string;
}): RateLimiter {
  const { limit, windowMs, clock, logger } = opts;
  const prefix = opts.keyPrefix ?? 'ql:rl:';
  const redis = new Redis(opts.url, {
    // Fail fast instead of queueing commands while disconnected: the fallback answers meanwhile.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    lazyConnect: false,
  });
  redis.on('error', () => {}); // reported through the fallback below, once per outage
  // Without the offline queue, commands sent before the first connection fail at once; let the
  // first checks wait for that connection (or its failure) instead of falling back needlessly.
  const firstConnection = new Promise<void>((resolve) => {
    redis.once('ready', () => resolve());
    redis.once('error', () => resolve());
    setTimeout(resolve, 2000).unref();
  });
  redis.defineCommand('slidingLog', { numberOfKeys: 1, lua: SLIDING_LOG_SCRIPT });
  const local = createMemoryRateLimiter({ limit, windowMs, clock });
  let degraded = false;

  /** One counted request, remembered as `member`; `fallback` answers when Redis is unreachable. */
  async function count<T extends RateDecision>(key: string, member: string, fallback: () => Promise<T>): Promise<RateDecision | T> {
    await firstConnection;
    try {
      const [allowed, remaining, resetMs] = (await (redis as unknown as SlidingLog).slidingLog(
        prefix + key,
        clock.now(),
        windowMs,
        limit,
        member,
      )) as [number, number, number];
      if (degraded) {
        degraded = false;
        logger.info({}, 'rate limit: Redis is reachable again; limiting across instances');
      }
      return { allowed: allowed === 1, limit, remaining: Math.max(0, remaining), resetMs };
    } catch (err) {
      if (!degraded) {
        degraded = true;
        logger.warn({ err: String(err) }, 'rate limit: Redis unreachable; limiting in this process only');
      }
      return fallback();
    }
  }

  return {
    check: (key) => count(key, randomUUID(), () => local.check(key)),
    async reserve(key) {
      const member = randomUUID();
      const decision = await count(key, member, () => local.reserve(key));
      if ('release' in decision) return decision; // the fallback's own reservation
      let released = !decision.allowed;
      return {
        ...decision,
        async release() {
          if (released) return;
          released = true;
          await redis.zrem(prefix + key, member).catch(() => {});
        },
      };
    },
    async peek(key) {
      await firstConnection;
      try {
        const now = clock.now();
        const [count, oldest] = (await redis
          .multi()
          .zcount(prefix + key, `(${now - windowMs}`, '+inf')
          .zrangebyscore(prefix + key, `(${now - windowMs}`, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
          .exec())!.map(([err, value]) => {
          if (err) throw err;
          return value;
        }) as [number, string[]];
        const resetMs = oldest.length ? Number(oldest[1]) + windowMs - now : windowMs;
        return { allowed: count < limit, limit, remaining: Math.max(0, limit - count), resetMs };
      } catch {
        return local.peek(key);
      }
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      redis.disconnect();
      await local.close();
    },
  };
}

type SlidingLog = {
  slidingLog(key: string, now: number, window: number, limit: number, member: string): Promise<unknown>;
};
