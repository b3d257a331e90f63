import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../test/clock.js';
import { createRedisRateLimiter } from '../lib/rate-limiter.js';
import { openTestDatabase, startTestServer, withRedis, type TestServer } from '../../test/helpers.js';
import type { Database } from '../db/client.js';

// These run against the in-process limiter, and against Redis when REDIS_URL is set.
const LIMIT = 100;
let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

async function server(clock = manualClock(1_000_000)) {
  return { clock, s: await startTestServer({ rateLimit: LIMIT, clock, database }) };
}

describe(`rate limit (${withRedis ? 'Redis' : 'in process'})`, () => {
  let s: TestServer;
  let clock: ReturnType<typeof manualClock>;
  beforeAll(async () => {
    ({ s, clock } = await server());
  });
  afterAll(() => s.close());

  it('admits exactly the limit out of 150 concurrent requests, and 429s do not count', async () => {
    const t = await s.tenant();
    const answers = await Promise.all(Array.from({ length: 150 }, () => t.call('GET', '/v1/pipeline')));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((x) => x === 200)).toHaveLength(100);
    expect(statuses.filter((x) => x === 429)).toHaveLength(50);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.body).toMatchObject({ error: 'Rate limit exceeded. Max 100 requests per minute.', code: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // All tokens of a company share the limit.
    const second = await s.token(t.companyId);
    expect((await s.fetch('GET', '/v1/pipeline', { headers: { authorization: `Bearer ${second.token}` } })).status).toBe(429);
    // 60 s after the burst, the refused requests have not eaten into the next minute.
    clock.advance(60_001);
    const next = await Promise.all(Array.from({ length: 100 }, () => t.call('GET', '/v1/pipeline')));
    expect(next.every((a) => a.status === 200)).toBe(true);
  });

  it('holds across a window edge: 100 at 59 s, then 100 at 61 s are all refused', async () => {
    const t = await s.tenant();
    const start = clock.now();
    clock.set(start + 59_000);
    const first = await Promise.all(Array.from({ length: 100 }, () => t.call('GET', '/v1/pipeline')));
    expect(first.every((a) => a.status === 200)).toBe(true);
    clock.set(start + 61_000);
    const second = await Promise.all(Array.from({ length: 100 }, () => t.call('GET', '/v1/pipeline')));
    expect(second.every((a) => a.status === 429)).toBe(true);
    expect(second[0].headers.get('retry-after')).toBe('58');
    clock.set(start + 119_001);
    expect((await t.call('GET', '/v1/pipeline')).status).toBe(200);
  });

  it('sends the IETF and X-RateLimit headers on authenticated answers, errors included', async () => {
    const t = await s.tenant();
    const ok = await t.call('GET', '/v1/leads');
    expect(ok.headers.get('ratelimit-policy')).toBe('"default";q=100;w=60');
    expect(ok.headers.get('ratelimit')).toBe('"default";r=99;t=60');
    expect(ok.headers.get('x-ratelimit-limit')).toBe('100');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('99');
    expect(Number(ok.headers.get('x-ratelimit-reset'))).toBe(Math.ceil((clock.now() + 60_000) / 1000));
    const notFound = await t.call('GET', '/v1/leads/00000000-0000-4000-8000-000000000000');
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-ratelimit-remaining')).toBe('98');
    const unauthenticated = await s.fetch('GET', '/v1/leads');
    expect(unauthenticated.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('counts after authentication: bad tokens do not use a company’s quota', async () => {
    const t = await s.tenant();
    await Promise.all(Array.from({ length: 120 }, () => s.fetch('GET', '/v1/leads', { headers: { authorization: 'Bearer qlhq_nope' } })));
    expect((await t.call('GET', '/v1/leads')).headers.get('x-ratelimit-remaining')).toBe('99');
  });
});

describe.runIf(withRedis)('rate limit shared through Redis', () => {
  it('is one limit for two server instances', async () => {
    const clock = manualClock(5_000_000);
    const a = await startTestServer({ rateLimit: LIMIT, clock, database });
    const b = await startTestServer({ rateLimit: LIMIT, clock, database });
    try {
      const t = await a.tenant();
      const auth = { authorization: `Bearer ${t.token}` };
      const answers = await Promise.all(
        Array.from({ length: 150 }, (_, i) => (i % 2 ? a : b).fetch('GET', '/v1/pipeline', { headers: auth })),
      );
      expect(answers.filter((x) => x.status === 200)).toHaveLength(100);
      expect(answers.filter((x) => x.status === 429)).toHaveLength(50);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('rate limit while Redis is unreachable', () => {
  it('keeps limiting in the process and says so', async () => {
    const clock = manualClock(0);
    const warnings: string[] = [];
    // Nothing listens on port 1: the shared store is down from the start.
    const limiter = createRedisRateLimiter({
      url: 'redis://127.0.0.1:1',
      limit: 3,
      windowMs: 60_000,
      clock,
      logger: { warn: (_o, m) => warnings.push(m), info: () => {} },
    });
    try {
      const decisions = [];
      for (let i = 0; i < 5; i++) decisions.push((await limiter.check('company-x')).allowed);
      expect(decisions).toEqual([true, true, true, false, false]);
      expect(warnings).toEqual(['rate limit: Redis unreachable; limiting in this process only']);
      await expect(limiter.ping!()).rejects.toThrow();
    } finally {
      await limiter.close();
    }
  });
});

