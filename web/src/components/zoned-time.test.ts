import { describe, expect, it } from 'vitest';
import { addDays, dayIn, isoToZoned, nextHourIn, offsetAt, startOfDayIn, zonedToIso } from './zoned-time';

// None of these depend on the zone the tests run in: every wall time is read in the zone named.
describe('zonedToIso', () => {
  it.each([
    ['2026-04-03T10:30', 'Australia/Sydney', '2026-04-02T23:30:00.000Z'], // daylight time, +11
    ['2026-07-01T09:00', 'Australia/Sydney', '2026-06-30T23:00:00.000Z'], // standard time, +10
    ['2026-07-01T09:00', 'Australia/Adelaide', '2026-06-30T23:30:00.000Z'], // +9:30
    ['2026-07-01T09:00', 'Asia/Kathmandu', '2026-07-01T03:15:00.000Z'], // +5:45
    ['2026-07-01T09:00', 'America/New_York', '2026-07-01T13:00:00.000Z'], // -4
    ['2026-07-01T09:00', 'UTC', '2026-07-01T09:00:00.000Z'],
    ['2026-12-31T23:59', 'Pacific/Auckland', '2026-12-31T10:59:00.000Z'], // +13, across the year
  ])('reads %s in %s as %s', (local, zone, iso) => {
    expect(zonedToIso(local, zone)).toBe(iso);
    expect(isoToZoned(iso, zone)).toBe(local);
  });

  it('takes the first of a time that happens twice when clocks go back', () => {
    // Sydney, 5 April 2026: 03:00 daylight time becomes 02:00 standard time.
    expect(zonedToIso('2026-04-05T02:30', 'Australia/Sydney')).toBe('2026-04-04T15:30:00.000Z');
    expect(zonedToIso('2026-04-05T03:30', 'Australia/Sydney')).toBe('2026-04-04T17:30:00.000Z');
    // New York, 1 November 2026: 02:00 EDT becomes 01:00 EST.
    expect(zonedToIso('2026-11-01T01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
  });

  it('moves a time that never happens (clocks forward) past the gap', () => {
    // Sydney, 4 October 2026: 02:00 standard time becomes 03:00 daylight time.
    expect(zonedToIso('2026-10-04T02:30', 'Australia/Sydney')).toBe('2026-10-03T16:30:00.000Z');
    expect(isoToZoned('2026-10-03T16:30:00.000Z', 'Australia/Sydney')).toBe('2026-10-04T03:30');
    expect(zonedToIso('2026-10-04T01:59', 'Australia/Sydney')).toBe('2026-10-03T15:59:00.000Z');
    // New York, 8 March 2026: 02:00 EST becomes 03:00 EDT.
    expect(zonedToIso('2026-03-08T02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
  });

  it('answers undefined for an empty or partial value', () => {
    expect(zonedToIso('', 'Australia/Sydney')).toBeUndefined();
    expect(zonedToIso('2026-04-03', 'Australia/Sydney')).toBeUndefined();
  });
});

describe('days in a zone', () => {
  it('puts an instant on its day in the zone, not in UTC', () => {
    expect(dayIn('2026-04-02T14:00:00Z', 'Australia/Sydney')).toBe('2026-04-03');
    expect(dayIn('2026-04-02T12:59:59Z', 'Australia/Sydney')).toBe('2026-04-02');
    expect(dayIn('2026-04-02T02:00:00Z', 'America/Los_Angeles')).toBe('2026-04-01');
  });

  it('starts a day at its midnight in the zone, 23 or 25 hours after the one before around DST', () => {
    expect(startOfDayIn('2026-04-05', 'Australia/Sydney')).toBe('2026-04-04T13:00:00.000Z');
    expect(startOfDayIn('2026-04-06', 'Australia/Sydney')).toBe('2026-04-05T14:00:00.000Z');
    expect(startOfDayIn('2026-10-04', 'Australia/Sydney')).toBe('2026-10-03T14:00:00.000Z');
    expect(startOfDayIn('2026-10-05', 'Australia/Sydney')).toBe('2026-10-04T13:00:00.000Z');
  });

  it('moves day keys across months and years', () => {
    expect(addDays('2026-12-25', 14)).toBe('2027-01-08');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('knows the offset and the next whole hour on the zone clock', () => {
    expect(offsetAt(Date.parse('2026-07-01T00:00:00Z'), 'Australia/Adelaide')).toBe(9.5 * 3_600_000);
    expect(nextHourIn('Australia/Adelaide', Date.parse('2026-07-01T00:10:00Z'))).toBe('2026-07-01T10:00');
    expect(nextHourIn('Australia/Sydney', Date.parse('2026-12-31T12:59:00Z'))).toBe('2027-01-01T00:00');
  });
});
