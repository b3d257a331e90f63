import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './rate-limiter.js';

describe('the in-process limiter', () => {
  it('gives a reserved slot back even when the clock moved between counting and reserving', async () => {
    // A clock that ticks at every reading, as a busy machine's does between two statements.
    let t = 1_000_000;
    const limiter = createMemoryRateLimiter({ limit: 3, windowMs: 60_000, clock: { now: () => t++ } });
    for (let i = 0; i < 10; i++) {
      const slot = await limiter.reserve('ip:a');
      expect(slot.allowed).toBe(true);
      await slot.release();
    }
    expect((await limiter.peek('ip:a')).remaining).toBe(3);
  });
});
