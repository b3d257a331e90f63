import type { Clock } from '../src/lib/clock.js';

/** A clock that only moves when told to. */
export function manualClock(start = 0): Clock & { set(ms: number): void; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
