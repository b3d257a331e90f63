// Wall-clock time in an IANA zone ↔ instants, with nothing but Intl (Node 20 has no Temporal).
// A DateTimeFormat is costly to build and cheap to use, so one is kept per zone.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    // h23, not hour12: false, which some ICU versions print as "24" at midnight.
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
}

export type WallTime = { year: number; month: number; day: number; hour: number; minute: number; second: number };

/** The wall clock of a zone at an instant (ms since the epoch). */
export function wallTimeAt(instant: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatIn(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** The date (YYYY-MM-DD) in a zone at an instant. */
export function dateIn(instant: number, timeZone: string): string {
  const w = wallTimeAt(instant, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** How far a zone's wall clock is ahead of UTC at an instant (ms; +10 h in Sydney in winter). */
export function offsetAt(instant: number, timeZone: string): number {
  const w = wallTimeAt(instant, timeZone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which a zone's clock shows a date (YYYY-MM-DD) and time (HH:MM), resolved as
 * Temporal's "compatible" does: a time that happens twice (clocks go back) is its first occurrence,
 * and a time that never happens (clocks go forward) is moved forward by the gap (02:30 → 03:30).
 */
export function instantOfWallTime(date: string, time: string, timeZone: string): number {
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // No zone changes its offset twice within a day, so the offsets half a day either side are the
  // only candidates.
  const before = offsetAt(wall - 12 * HOUR, timeZone);
  const after = offsetAt(wall + 12 * HOUR, timeZone);
  const valid = [wall - before, wall - after].filter((t) => offsetAt(t, timeZone) === wall - t);
  if (valid.length) return Math.min(...valid);
  return wall - before;
}

/** The date `days` after a date (YYYY-MM-DD), on the calendar, whatever the zone. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday, of a calendar date (YYYY-MM-DD). */
export function weekdayOf(date: string): number {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
