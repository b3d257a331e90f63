import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCHEDULE,
  checkSlot,
  formatSlot,
  formatSlotList,
  freeSlots,
  isFreeSlot,
  scheduleSettingsSchema,
  type BusinessHours,
  type ScheduleSettings,
  type SlotQuery,
} from './slots.js';

const SYDNEY = 'Australia/Sydney';
const NEW_YORK = 'America/New_York';
const closedWeek: BusinessHours = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };

function query(over: Partial<Omit<SlotQuery, 'schedule'>> & { schedule?: Partial<ScheduleSettings> } = {}): SlotQuery {
  return {
    timezone: over.timezone ?? SYDNEY,
    type: over.type ?? 'onsite',
    // Mon 7 Dec 2026, 06:00 in Sydney (AEDT, +11).
    now: over.now ?? Date.parse('2026-12-07T06:00:00+11:00'),
    busy: over.busy ?? [],
    schedule: { ...DEFAULT_SCHEDULE, min_notice_minutes: 0, ...over.schedule },
  };
}

const iso = (q: SlotQuery) => freeSlots(q).map((s) => s.start.toISOString());
const local = (q: SlotQuery, withDate = false) => freeSlots(q).map((s) => formatSlot(s.start, q.timezone, { withDate }));
const utc = (s: string) => new Date(s).toISOString();

describe('freeSlots', () => {
  it('starts at the range start and steps by the slot length; a slot that does not fit is left out', () => {
    const q = query({ schedule: { days_ahead: 1, business_hours: { ...closedWeek, mon: [['08:00', '10:30']] } } });
    expect(local(q)).toEqual(['Mon 08:00', 'Mon 09:00']);
    expect(freeSlots(q)[0]).toEqual({ start: new Date('2026-12-07T08:00:00+11:00'), end: new Date('2026-12-07T09:00:00+11:00') });
    const callbacks = query({ type: 'callback', schedule: { days_ahead: 1, business_hours: { ...closedWeek, mon: [['08:00', '09:00']] } } });
    expect(local(callbacks)).toEqual(['Mon 08:00', 'Mon 08:15', 'Mon 08:30', 'Mon 08:45']);
  });

  it('aligns to a range that starts off the hour', () => {
    const q = query({ schedule: { days_ahead: 1, business_hours: { ...closedWeek, mon: [['08:20', '11:20']] } } });
    expect(local(q)).toEqual(['Mon 08:20', 'Mon 09:20', 'Mon 10:20']);
  });

  it('takes several ranges a day, in time order whatever order they are written in', () => {
    const hours: BusinessHours = { ...closedWeek, mon: [['13:00', '15:00'], ['08:00', '10:00']] };
    expect(local(query({ schedule: { days_ahead: 1, business_hours: hours } }))).toEqual([
      'Mon 08:00',
      'Mon 09:00',
      'Mon 13:00',
      'Mon 14:00',
    ]);
  });

  it('offers nothing on a day without hours, nor on a closed date', () => {
    const q = query({ schedule: { days_ahead: 6, closed_dates: ['2026-12-09'] } });
    const days = [...new Set(local(q).map((s) => s.slice(0, 3)))];
    // Mon 7 to Sun 13 Dec: Wed is closed, Sat and Sun have no hours.
    expect(days).toEqual(['Mon', 'Tue', 'Thu', 'Fri']);
    expect(freeSlots(q)).toHaveLength(4 * 9);
  });

  it('offers today and the days_ahead days after it, no more', () => {
    const everyDay: BusinessHours = { ...closedWeek, mon: [['09:00', '10:00']], tue: [['09:00', '10:00']], wed: [['09:00', '10:00']] };
    expect(local(query({ schedule: { days_ahead: 1, business_hours: everyDay } }), true)).toEqual(['Mon 7 Dec 09:00', 'Tue 8 Dec 09:00']);
    expect(local(query({ schedule: { days_ahead: 2, business_hours: everyDay } }), true)).toEqual([
      'Mon 7 Dec 09:00',
      'Tue 8 Dec 09:00',
      'Wed 9 Dec 09:00',
    ]);
    const full = freeSlots(query({ schedule: { days_ahead: 60 } }));
    expect(formatSlot(full.at(-1)!.start, SYDNEY, { withDate: true })).toBe('Fri 5 Feb 16:00'); // 7 Dec + 60 = Fri 5 Feb
  });

  it('keeps the minimum notice from the clock, and never offers the past', () => {
    const hours: BusinessHours = { ...closedWeek, mon: [['08:00', '12:00']] };
    const at = (time: string) => Date.parse(`2026-12-07T${time}:00+11:00`);
    expect(local(query({ now: at('07:30'), schedule: { days_ahead: 1, business_hours: hours, min_notice_minutes: 120 } }))).toEqual([
      'Mon 10:00',
      'Mon 11:00',
    ]);
    // A slot that starts exactly at the notice boundary is offered.
    expect(local(query({ now: at('08:00'), schedule: { days_ahead: 1, business_hours: hours, min_notice_minutes: 60 } }))).toEqual([
      'Mon 09:00',
      'Mon 10:00',
      'Mon 11:00',
    ]);
    expect(local(query({ now: at('10:01'), schedule: { days_ahead: 1, business_hours: hours } }))).toEqual(['Mon 11:00']);
    // A week of notice pushes everything past a short window.
    expect(freeSlots(query({ now: at('08:00'), schedule: { days_ahead: 3, min_notice_minutes: 10_080 } }))).toEqual([]);
  });

  it('leaves out a slot an appointment overlaps even in part, not one it only touches', () => {
    const hours: BusinessHours = { ...closedWeek, mon: [['08:00', '12:00']] };
    const busy = [
      { start: new Date('2026-12-07T09:30:00+11:00'), end: new Date('2026-12-07T09:45:00+11:00') }, // inside 09:00–10:00
      { start: Date.parse('2026-12-07T10:50:00+11:00'), end: Date.parse('2026-12-07T11:10:00+11:00') }, // across 10 and 11
      { start: Date.parse('2026-12-07T07:00:00+11:00'), end: Date.parse('2026-12-07T08:00:00+11:00') }, // ends as 08:00 starts
    ];
    expect(local(query({ busy, schedule: { days_ahead: 1, business_hours: hours } }))).toEqual(['Mon 08:00']);
    // A long appointment over the whole morning.
    const allMorning = [{ start: Date.parse('2026-12-06T12:00:00Z'), end: Date.parse('2026-12-07T12:00:00+11:00') }];
    expect(local(query({ busy: allMorning, schedule: { days_ahead: 1, business_hours: hours } }))).toEqual([]);
  });

  it("counts days from midnight in the company's timezone, not UTC's", () => {
    const hours: BusinessHours = { ...closedWeek, tue: [['09:00', '10:00']], wed: [['09:00', '10:00']], thu: [['09:00', '10:00']] };
    // 13:30 UTC on Tuesday is already 00:30 on Wednesday in Sydney: today is Wednesday there.
    const sydney = query({ now: Date.parse('2026-12-08T13:30:00Z'), schedule: { days_ahead: 1, business_hours: hours } });
    expect(local(sydney, true)).toEqual(['Wed 9 Dec 09:00', 'Thu 10 Dec 09:00']);
    // 03:00 UTC on Wednesday is still 22:00 on Tuesday in New York.
    const ny = query({ timezone: NEW_YORK, now: Date.parse('2026-12-09T03:00:00Z'), schedule: { days_ahead: 1, business_hours: hours } });
    expect(local(ny, true)).toEqual(['Wed 9 Dec 09:00']);
    expect(iso(ny)).toEqual([utc('2026-12-09T09:00:00-05:00')]);
  });

  it('keeps business hours on the wall clock across a change of offset (Sydney, October and April)', () => {
    const hours: BusinessHours = { ...closedWeek, fri: [['08:00', '09:00']], mon: [['08:00', '09:00']] };
    // Fri 2 Oct is AEST (+10); Mon 5 Oct, after the first Sunday of October, is AEDT (+11).
    const october = query({ now: Date.parse('2026-10-01T12:00:00+10:00'), schedule: { days_ahead: 5, business_hours: hours } });
    expect(iso(october)).toEqual([utc('2026-10-02T08:00:00+10:00'), utc('2026-10-05T08:00:00+11:00')]);
    expect(local(october)).toEqual(['Fri 08:00', 'Mon 08:00']);
    const april = query({ now: Date.parse('2026-04-02T12:00:00+11:00'), schedule: { days_ahead: 5, business_hours: hours } });
    expect(iso(april)).toEqual([utc('2026-04-03T08:00:00+11:00'), utc('2026-04-06T08:00:00+10:00')]);
  });

  it('on the night the clocks go forward, a range is an hour shorter (Sydney, 4 Oct 2026)', () => {
    const q = query({
      type: 'callback',
      now: Date.parse('2026-10-03T12:00:00+10:00'),
      schedule: { days_ahead: 1, slot_minutes: { callback: 60, onsite: 60 }, business_hours: { ...closedWeek, sun: [['01:00', '05:00']] } },
    });
    // 02:00–03:00 never happens: 01:00 AEST, then 03:00 and 04:00 AEDT.
    expect(iso(q)).toEqual([utc('2026-10-04T01:00:00+10:00'), utc('2026-10-04T03:00:00+11:00'), utc('2026-10-04T04:00:00+11:00')]);
    expect(local(q)).toEqual(['Sun 01:00', 'Sun 03:00', 'Sun 04:00']);
  });

  it('on the night the clocks go back, a range is an hour longer (Sydney, 5 Apr 2026)', () => {
    const q = query({
      now: Date.parse('2026-04-04T12:00:00+11:00'),
      schedule: { days_ahead: 1, business_hours: { ...closedWeek, sun: [['01:00', '05:00']] } },
    });
    expect(iso(q)).toEqual([
      utc('2026-04-05T01:00:00+11:00'),
      utc('2026-04-05T02:00:00+11:00'),
      utc('2026-04-05T02:00:00+10:00'),
      utc('2026-04-05T03:00:00+10:00'),
      utc('2026-04-05T04:00:00+10:00'),
    ]);
    expect(local(q)).toEqual(['Sun 01:00', 'Sun 02:00', 'Sun 02:00', 'Sun 03:00', 'Sun 04:00']);
  });

  it('a range that starts in the hour that never happens starts when the clock resumes', () => {
    const q = query({
      now: Date.parse('2026-10-03T12:00:00+10:00'),
      schedule: { days_ahead: 1, business_hours: { ...closedWeek, sun: [['02:30', '05:30']] } },
    });
    expect(local(q)).toEqual(['Sun 03:30', 'Sun 04:30']);
  });

  it('follows a half-hour change (Lord Howe Island, 4 Oct 2026: 02:00 becomes 02:30)', () => {
    const q = query({
      timezone: 'Australia/Lord_Howe',
      type: 'callback',
      now: Date.parse('2026-10-03T12:00:00+10:30'),
      schedule: { days_ahead: 1, slot_minutes: { callback: 30, onsite: 60 }, business_hours: { ...closedWeek, sun: [['01:00', '04:00']] } },
    });
    expect(local(q)).toEqual(['Sun 01:00', 'Sun 01:30', 'Sun 02:30', 'Sun 03:00', 'Sun 03:30']);
    expect(iso(q)[2]).toBe(utc('2026-10-04T02:30:00+11:00'));
  });

  it('follows New York both ways (8 Mar and 1 Nov 2026)', () => {
    const sunday: BusinessHours = { ...closedWeek, sun: [['01:00', '04:00']] };
    const march = query({ timezone: NEW_YORK, now: Date.parse('2026-03-07T12:00:00-05:00'), schedule: { days_ahead: 1, business_hours: sunday } });
    expect(iso(march)).toEqual([utc('2026-03-08T01:00:00-05:00'), utc('2026-03-08T03:00:00-04:00')]);
    const november = query({ timezone: NEW_YORK, now: Date.parse('2026-10-31T12:00:00-04:00'), schedule: { days_ahead: 1, business_hours: sunday } });
    expect(iso(november)).toEqual([
      utc('2026-11-01T01:00:00-04:00'),
      utc('2026-11-01T01:00:00-05:00'),
      utc('2026-11-01T02:00:00-05:00'),
      utc('2026-11-01T03:00:00-05:00'),
    ]);
    const weekday = query({ timezone: NEW_YORK, now: Date.parse('2026-11-01T12:00:00-05:00'), schedule: { days_ahead: 1 } });
    expect(iso(weekday)[0]).toBe(utc('2026-11-02T08:00:00-05:00'));
  });

  it('returns the slots in order with their ends', () => {
    const slots = freeSlots(query({ type: 'callback', schedule: { days_ahead: 3 } }));
    for (let i = 1; i < slots.length; i++) expect(slots[i].start.getTime()).toBeGreaterThanOrEqual(slots[i - 1].end.getTime());
    for (const s of slots) expect(s.end.getTime() - s.start.getTime()).toBe(15 * 60_000);
  });
});

describe('checkSlot and isFreeSlot', () => {
  const q = query({
    now: Date.parse('2026-12-07T10:20:00+11:00'),
    schedule: { days_ahead: 7, min_notice_minutes: 60, closed_dates: ['2026-12-10'] },
    busy: [{ start: Date.parse('2026-12-08T09:00:00+11:00'), end: Date.parse('2026-12-08T10:00:00+11:00') }],
  });

  it.each([
    ['a free slot', '2026-12-08T10:00:00+11:00', { ok: true }],
    ['the same instant written in UTC', '2026-12-07T23:00:00Z', { ok: true }],
    ['the first slot past the notice', '2026-12-07T12:00:00+11:00', { ok: true }],
    ['the last slot of the window', '2026-12-14T16:00:00+11:00', { ok: true }],
    ['in the past', '2026-12-07T09:00:00+11:00', { ok: false, reason: 'in_past' }],
    ['inside the minimum notice', '2026-12-07T11:00:00+11:00', { ok: false, reason: 'too_soon' }],
    ['beyond days_ahead', '2026-12-15T09:00:00+11:00', { ok: false, reason: 'too_far' }],
    ['on a closed date', '2026-12-10T09:00:00+11:00', { ok: false, reason: 'closed' }],
    ['on a day without hours', '2026-12-12T09:00:00+11:00', { ok: false, reason: 'outside_hours' }],
    ['before opening', '2026-12-08T07:00:00+11:00', { ok: false, reason: 'outside_hours' }],
    ['after closing', '2026-12-08T18:00:00+11:00', { ok: false, reason: 'outside_hours' }],
    ['a slot that would run past closing', '2026-12-08T16:30:00+11:00', { ok: false, reason: 'outside_hours' }],
    ['off the slot grid', '2026-12-08T10:30:00+11:00', { ok: false, reason: 'not_aligned' }],
    ['a second off the grid', '2026-12-08T10:00:01+11:00', { ok: false, reason: 'not_aligned' }],
    ['taken by an appointment', '2026-12-08T09:00:00+11:00', { ok: false, reason: 'taken' }],
  ])('%s', (_name, start, expected) => {
    const result = checkSlot(q, new Date(start));
    expect(result.ok ? { ok: true } : result).toEqual(expected);
    expect(isFreeSlot(q, Date.parse(start))).toBe(expected.ok);
  });

  it('accepts exactly the slots freeSlots offers', () => {
    const slots = freeSlots(q);
    expect(slots.length).toBeGreaterThan(20);
    for (const s of slots) expect(checkSlot(q, s.start)).toEqual({ ok: true, slot: s });
  });

  it('refuses an invalid date', () => {
    expect(checkSlot(q, new Date('not a date'))).toEqual({ ok: false, reason: 'not_aligned' });
  });
});

describe('formatSlot', () => {
  it.each([
    ['2026-12-08T10:00:00+11:00', SYDNEY, false, 'Tue 10:00'],
    ['2026-12-08T10:00:00+11:00', SYDNEY, true, 'Tue 8 Dec 10:00'],
    ['2026-12-08T09:05:00-05:00', NEW_YORK, false, 'Tue 09:05'],
    ['2026-12-07T23:30:00Z', SYDNEY, true, 'Tue 8 Dec 10:30'],
    ['2026-12-07T13:00:00Z', SYDNEY, true, 'Tue 8 Dec 00:00'],
    // en-AU's own abbreviations: "July", "Sept".
    ['2026-07-01T14:00:00+10:00', SYDNEY, true, 'Wed 1 July 14:00'],
    ['2026-09-15T14:00:00+10:00', SYDNEY, true, 'Tue 15 Sept 14:00'],
  ])('%s in %s', (start, zone, withDate, expected) => {
    expect(formatSlot(new Date(start), zone, { withDate })).toBe(expected);
  });
});

describe('formatSlotList', () => {
  it('gives weekdays alone within a week, and dates once a weekday repeats', () => {
    const week = freeSlots(query({ schedule: { days_ahead: 6, business_hours: { ...closedWeek, mon: [['09:00', '10:00']], fri: [['14:30', '15:30']] } } }));
    expect(formatSlotList(week, SYDNEY)).toEqual(['Mon 09:00', 'Fri 14:30']);
    const twoWeeks = freeSlots(query({ schedule: { days_ahead: 7, business_hours: { ...closedWeek, mon: [['09:00', '10:00']] } } }));
    expect(formatSlotList(twoWeeks, SYDNEY)).toEqual(['Mon 7 Dec 09:00', 'Mon 14 Dec 09:00']);
    expect(formatSlotList([], SYDNEY)).toEqual([]);
  });
});

describe('scheduleSettingsSchema', () => {
  it('takes the defaults, and a day left out is closed', () => {
    expect(scheduleSettingsSchema.parse(DEFAULT_SCHEDULE)).toEqual(DEFAULT_SCHEDULE);
    const parsed = scheduleSettingsSchema.parse({ ...DEFAULT_SCHEDULE, business_hours: { mon: [['08:00', '12:00'], ['13:00', '17:00']] } });
    expect(parsed.business_hours).toEqual({ ...closedWeek, mon: [['08:00', '12:00'], ['13:00', '17:00']] });
  });

  const bad = (over: Record<string, unknown>) => {
    const result = scheduleSettingsSchema.safeParse({ ...DEFAULT_SCHEDULE, ...over });
    expect(result.success).toBe(false);
    return result.error!.issues.map((i) => ({ field: i.path[0], message: i.message }));
  };

  it.each([
    [{ business_hours: { mon: [['8:00', '17:00']] } }, 'business_hours', 'must have times as HH:MM (00:00 to 23:59) on mon'],
    [{ business_hours: { tue: [['08:00', '24:00']] } }, 'business_hours', 'must have times as HH:MM (00:00 to 23:59) on tue'],
    [{ business_hours: { wed: [['17:00', '08:00']] } }, 'business_hours', 'must have each range on wed start before it ends'],
    [{ business_hours: { thu: [['09:00', '09:00']] } }, 'business_hours', 'must have each range on thu start before it ends'],
    [{ business_hours: { fri: [['08:00', '12:00'], ['11:00', '15:00']] } }, 'business_hours', 'must not have overlapping ranges on fri'],
    [{ business_hours: { sat: '08:00-12:00' } }, 'business_hours', 'must give sat as a list of ["HH:MM", "HH:MM"] ranges'],
    [{ slot_minutes: { callback: 4, onsite: 60 } }, 'slot_minutes', 'must be at least 5 for callback'],
    [{ slot_minutes: { callback: 15, onsite: 481 } }, 'slot_minutes', 'must be at most 480 for onsite'],
    [{ slot_minutes: { callback: 15.5, onsite: 60 } }, 'slot_minutes', 'must be a whole number of minutes for callback'],
    [{ min_notice_minutes: -1 }, 'min_notice_minutes', 'must be at least 0'],
    [{ min_notice_minutes: 10_081 }, 'min_notice_minutes', 'must be at most 10080'],
    [{ days_ahead: 0 }, 'days_ahead', 'must be at least 1'],
    [{ days_ahead: 61 }, 'days_ahead', 'must be at most 60'],
    [{ days_ahead: '7' }, 'days_ahead', 'must be a whole number of days'],
    [{ closed_dates: ['2026-02-30'] }, 'closed_dates', 'must hold dates as YYYY-MM-DD, e.g. 2026-12-25'],
    [{ closed_dates: ['25/12/2026'] }, 'closed_dates', 'must hold dates as YYYY-MM-DD, e.g. 2026-12-25'],
  ])('%j is refused naming %s', (over, field, message) => {
    expect(bad(over)).toEqual([{ field, message }]);
  });

  it('refuses an unknown weekday or appointment type, naming the field', () => {
    expect(bad({ business_hours: { monday: [] } })[0].field).toBe('business_hours');
    expect(bad({ slot_minutes: { callback: 15, onsite: 60, other: 30 } })[0].field).toBe('slot_minutes');
  });
});
