import { z } from 'zod';
import { addDays, dateIn, instantOfWallTime, wallTimeAt, weekdayOf } from '../../lib/zoned-time.js';

// Free appointment slots: the company's business hours, in its own timezone, minus closed dates,
// minimum notice and the appointments it already has. Pure: the caller passes the clock's instant
// and the busy intervals, so the same inputs always give the same slots.

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The appointment types the agent books. */
export const BOOKABLE_TYPES = ['callback', 'onsite'] as const;
export type BookableType = (typeof BOOKABLE_TYPES)[number];

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const YYYY_MM_DD = /^\d{4}-\d{2}-\d{2}$/;

function isCalendarDate(s: string): boolean {
  if (!YYYY_MM_DD.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

// The error mapper names the top-level field only (business_hours), so each message says which day.
function dayHours(day: Weekday) {
  const time = z.string().regex(HH_MM, { message: `must have times as HH:MM (00:00 to 23:59) on ${day}` });
  return z
    .array(z.tuple([time, time]), { message: `must give ${day} as a list of ["HH:MM", "HH:MM"] ranges` })
    .max(12, { message: `must have at most 12 ranges on ${day}` })
    .superRefine((ranges, ctx) => {
      if (!ranges.flat().every((t) => HH_MM.test(t))) return; // already refused above
      if (ranges.some(([start, end]) => start >= end)) {
        ctx.addIssue({ code: 'custom', message: `must have each range on ${day} start before it ends` });
        return;
      }
      const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      if (sorted.some((r, i) => i > 0 && r[0] < sorted[i - 1][1])) {
        ctx.addIssue({ code: 'custom', message: `must not have overlapping ranges on ${day}` });
      }
    })
    .default([]);
}

const minutes = (min: number, max: number, what: string) =>
  z
    .number({ message: `must be a whole number of minutes${what}` })
    .int({ message: `must be a whole number of minutes${what}` })
    .min(min, { message: `must be at least ${min}${what}` })
    .max(max, { message: `must be at most ${max}${what}` });

/** Business hours per weekday in the company's timezone; a day left out is closed. */
export const businessHoursSchema = z.strictObject({
  mon: dayHours('mon'),
  tue: dayHours('tue'),
  wed: dayHours('wed'),
  thu: dayHours('thu'),
  fri: dayHours('fri'),
  sat: dayHours('sat'),
  sun: dayHours('sun'),
});
export type BusinessHours = z.output<typeof businessHoursSchema>;

/** The scheduling settings of the agent, as `PATCH /v1/agent` takes and `GET /v1/agent` shows them. */
export const scheduleSettingsSchema = z.object({
  business_hours: businessHoursSchema,
  slot_minutes: z.strictObject({
    callback: minutes(5, 480, ' for callback'),
    onsite: minutes(5, 480, ' for onsite'),
  }),
  min_notice_minutes: minutes(0, 10_080, ''),
  days_ahead: z
    .number({ message: 'must be a whole number of days' })
    .int({ message: 'must be a whole number of days' })
    .min(1, { message: 'must be at least 1' })
    .max(60, { message: 'must be at most 60' }),
  closed_dates: z
    .array(z.string().refine(isCalendarDate, { message: 'must hold dates as YYYY-MM-DD, e.g. 2026-12-25' }))
    .max(366, { message: 'must have at most 366 dates' }),
});
export type ScheduleSettings = z.output<typeof scheduleSettingsSchema>;

export const DEFAULT_SCHEDULE: ScheduleSettings = {
  business_hours: {
    mon: [['08:00', '17:00']],
    tue: [['08:00', '17:00']],
    wed: [['08:00', '17:00']],
    thu: [['08:00', '17:00']],
    fri: [['08:00', '17:00']],
    sat: [],
    sun: [],
  },
  slot_minutes: { callback: 15, onsite: 60 },
  min_notice_minutes: 60,
  days_ahead: 7,
  closed_dates: [],
};

export type Instant = Date | number;
export type Interval = { start: Instant; end: Instant };
export type Slot = { start: Date; end: Date };

export type SlotQuery = {
  timezone: string;
  schedule: ScheduleSettings;
  type: BookableType;
  /** The clock's instant; slots start no earlier than this plus the minimum notice. */
  now: Instant;
  /** Existing appointments that are not cancelled. */
  busy: readonly Interval[];
};

const MINUTE = 60_000;
const ms = (t: Instant) => (typeof t === 'number' ? t : t.getTime());

/**
 * Every slot of the days offered, before notice and busy times are taken out: each business-hours
 * range is cut from its start into slots of the type's length, and a slot that would run past the
 * range's end is not offered. Lengths are real minutes, so on a day the clocks change a range is
 * as long as it really is (an hour shorter or longer when it spans the change).
 */
function slotsOfDate(date: string, query: SlotQuery): { start: number; end: number }[] {
  const { schedule, timezone } = query;
  if (schedule.closed_dates.includes(date)) return [];
  const length = schedule.slot_minutes[query.type] * MINUTE;
  const out: { start: number; end: number }[] = [];
  const ranges = [...schedule.business_hours[WEEKDAYS[weekdayOf(date)]]].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [from, to] of ranges) {
    const rangeEnd = instantOfWallTime(date, to, timezone);
    for (let start = instantOfWallTime(date, from, timezone); start + length <= rangeEnd; start += length) {
      out.push({ start, end: start + length });
    }
  }
  return out;
}

/** The dates offered: today in the company's timezone and the `days_ahead` days after it. */
function offeredDates(query: SlotQuery): string[] {
  const today = dateIn(ms(query.now), query.timezone);
  return Array.from({ length: query.schedule.days_ahead + 1 }, (_, i) => addDays(today, i));
}

function overlapsBusy(slot: { start: number; end: number }, busy: readonly Interval[]): boolean {
  return busy.some((b) => ms(b.start) < slot.end && ms(b.end) > slot.start);
}

/** The free slots, in order, as instants. */
export function freeSlots(query: SlotQuery): Slot[] {
  const earliest = ms(query.now) + query.schedule.min_notice_minutes * MINUTE;
  return offeredDates(query)
    .flatMap((date) => slotsOfDate(date, query))
    .filter((slot) => slot.start >= earliest && !overlapsBusy(slot, query.busy))
    .map((slot) => ({ start: new Date(slot.start), end: new Date(slot.end) }));
}

export type SlotRefusal = 'in_past' | 'too_soon' | 'too_far' | 'closed' | 'outside_hours' | 'not_aligned' | 'taken';
export type SlotCheck = { ok: true; slot: Slot } | { ok: false; reason: SlotRefusal };

/** Whether a start time is exactly one of the free slots, and if not, why not (for the refusal). */
export function checkSlot(query: SlotQuery, startTime: Instant): SlotCheck {
  const start = ms(startTime);
  const now = ms(query.now);
  if (!Number.isFinite(start)) return { ok: false, reason: 'not_aligned' };
  if (start < now) return { ok: false, reason: 'in_past' };
  if (start < now + query.schedule.min_notice_minutes * MINUTE) return { ok: false, reason: 'too_soon' };
  const date = dateIn(start, query.timezone);
  if (!offeredDates(query).includes(date)) return { ok: false, reason: 'too_far' };
  if (query.schedule.closed_dates.includes(date)) return { ok: false, reason: 'closed' };
  const slots = slotsOfDate(date, query);
  const slot = slots.find((s) => s.start === start);
  if (!slot) {
    const inHours = isWithinHours(date, start, query);
    return { ok: false, reason: inHours ? 'not_aligned' : 'outside_hours' };
  }
  if (overlapsBusy(slot, query.busy)) return { ok: false, reason: 'taken' };
  return { ok: true, slot: { start: new Date(slot.start), end: new Date(slot.end) } };
}

export function isFreeSlot(query: SlotQuery, startTime: Instant): boolean {
  return checkSlot(query, startTime).ok;
}

// A start inside a range where a whole slot still fits is "not aligned"; anywhere else is outside hours.
function isWithinHours(date: string, start: number, query: SlotQuery): boolean {
  const length = query.schedule.slot_minutes[query.type] * MINUTE;
  return query.schedule.business_hours[WEEKDAYS[weekdayOf(date)]].some(
    ([from, to]) =>
      start >= instantOfWallTime(date, from, query.timezone) && start + length <= instantOfWallTime(date, to, query.timezone),
  );
}

const smsFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A slot's start as an SMS shows it, in the company's timezone: "Tue 10:00", or with the date
 * ("Tue 8 Dec 10:00") when the slots offered run past a week and a weekday alone would be ambiguous.
 */
export function formatSlot(start: Instant, timezone: string, options: { withDate?: boolean } = {}): string {
  const key = `${timezone}|${options.withDate ? 'd' : ''}`;
  let format = smsFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-AU', {
      timeZone: timezone,
      weekday: 'short',
      ...(options.withDate ? { day: 'numeric', month: 'short' } : {}),
    });
    smsFormats.set(key, format);
  }
  const w = wallTimeAt(ms(start), timezone);
  const time = `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
  // en-AU writes "Tue, 8 Dec"; an SMS reads better without the comma.
  return `${format.format(ms(start)).replace(',', '')} ${time}`;
}

/**
 * Slots as an SMS lists them: weekday and time, with the date on every slot as soon as one weekday
 * name would stand for two different dates (a window of more than a week).
 */
export function formatSlotList(slots: readonly { start: Instant }[], timezone: string): string[] {
  const dates = new Map<string, Set<string>>();
  for (const s of slots) {
    const weekday = formatSlot(s.start, timezone).split(' ')[0];
    dates.set(weekday, (dates.get(weekday) ?? new Set()).add(dateIn(ms(s.start), timezone)));
  }
  const withDate = [...dates.values()].some((d) => d.size > 1);
  return slots.map((s) => formatSlot(s.start, timezone, { withDate }));
}
