import { addDays, dateIn, instantOfWallTime, wallTimeAt } from './zoned-time.js';

/** A company's quiet hours: HH:MM to HH:MM on its wall clock; an end before the start runs past midnight. */
export type QuietSpan = { start: string; end: string };

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/**
 * When the quiet hours that `instant` falls in end (ms), or null when it falls outside them (or the
 * company has none). In the company's timezone, across midnight and daylight-saving changes.
 */
export function quietUntil(instant: number, timeZone: string, quiet: QuietSpan | null): number | null {
  if (!quiet) return null;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return null;
  const w = wallTimeAt(instant, timeZone);
  const now = w.hour * 60 + w.minute;
  const today = dateIn(instant, timeZone);
  if (start < end) return now >= start && now < end ? instantOfWallTime(today, quiet.end, timeZone) : null;
  if (now >= start) return instantOfWallTime(addDays(today, 1), quiet.end, timeZone);
  if (now < end) return instantOfWallTime(today, quiet.end, timeZone);
  return null;
}
