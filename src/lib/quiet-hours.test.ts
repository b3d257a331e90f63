import { describe, expect, it } from 'vitest';
import { quietUntil } from './quiet-hours.js';

const SYD = 'Australia/Sydney';
const at = (iso: string) => Date.parse(iso);
const overnight = { start: '20:00', end: '08:00' };

describe('quietUntil', () => {
  it.each([
    // Sydney in December is UTC+11.
    ['19:59 is not quiet', '2026-12-02T08:59:00Z', overnight, null],
    ['20:00 is quiet until 08:00 the next morning', '2026-12-02T09:00:00Z', overnight, '2026-12-02T21:00:00.000Z'],
    ['23:30 is quiet until 08:00', '2026-12-02T12:30:00Z', overnight, '2026-12-02T21:00:00.000Z'],
    ['02:00 is quiet until 08:00 that morning', '2026-12-02T15:00:00Z', overnight, '2026-12-02T21:00:00.000Z'],
    ['08:00 is not quiet', '2026-12-02T21:00:00Z', overnight, null],
    ['a daytime span: 12:30 in 12:00–13:00', '2026-12-03T01:30:00Z', { start: '12:00', end: '13:00' }, '2026-12-03T02:00:00.000Z'],
    ['no quiet hours', '2026-12-02T12:30:00Z', null, null],
    ['an empty span', '2026-12-02T12:30:00Z', { start: '09:00', end: '09:00' }, null],
    // The night the clocks go forward (4 Oct 2026, 02:00 → 03:00): 08:00 AEDT is 21:00Z the day before.
    ['across the change to daylight saving', '2026-10-03T12:00:00Z', overnight, '2026-10-03T21:00:00.000Z'],
  ])('%s', (_what, instant, quiet, until) => {
    const got = quietUntil(at(instant), SYD, quiet);
    expect(got === null ? null : new Date(got).toISOString()).toBe(until);
  });
});
