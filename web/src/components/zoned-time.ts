// Wall-clock times in the company's timezone (an IANA name such as Australia/Sydney), whatever zone the
// browser is in: a trade business books and reads its jobs in its own local time.

const DAY = 86_400_000;

const partsFormats = new Map<string, Intl.DateTimeFormat>();
function partsFormat(timeZone: string) {
  let f = partsFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormats.set(timeZone, f);
  }
  return f;
}

type Wall = { year: number; month: number; day: number; hour: number; minute: number; second: number };

/** What a clock in `timeZone` reads at `instant` (ms since the epoch). */
function wallAt(instant: number, timeZone: string): Wall {
  const n: Record<string, number> = {};
  for (const p of partsFormat(timeZone).formatToParts(instant)) if (p.type !== 'literal') n[p.type] = Number(p.value);
  return { year: n.year, month: n.month, day: n.day, hour: n.hour, minute: n.minute, second: n.second };
}

const wallAsUtc = (w: Wall) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/** The zone's offset from UTC at `instant`, in ms (+10 h in Sydney's winter, +11 h in its summer). */
export function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000; // the parts have no milliseconds
  return wallAsUtc(wallAt(whole, timeZone)) - whole;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A datetime-local value ("2026-04-03T10:30") read in `timeZone`, as the ISO instant the API takes.
 * Around a daylight-saving change it answers as Temporal's "compatible" does: a time that happens twice
 * (clocks back) is the first one; a time that never happens (clocks forward) is moved forward by the
 * gap (02:30 on Sydney's spring-forward night is 03:30 daylight time). Undefined for an empty value.
 */
export function zonedToIso(local: string, timeZone: string): string | undefined {
  const m = LOCAL.exec(local);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi, Number.isNaN(s) ? 0 : s);
  // The offsets on either side of any change near this wall time; at most two differ.
  const offsets = [...new Set([wall - DAY, wall, wall + DAY].map((t) => offsetAt(t, timeZone)))];
  const fits = offsets.map((o) => wall - o).filter((t) => wallAsUtc(wallAt(t, timeZone)) === wall);
  if (fits.length) return new Date(Math.min(...fits)).toISOString();
  // A gap: the offset in force before it carries the wall time past the change.
  return new Date(wall - offsetAt(wall - DAY, timeZone)).toISOString();
}

/** An ISO instant as a datetime-local value ("2026-04-03T10:30") in `timeZone`. */
export function isoToZoned(iso: string, timeZone: string): string {
  const w = wallAt(new Date(iso).getTime(), timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** The day ("2026-04-03") an instant falls on in `timeZone`. */
export function dayIn(iso: string | number | Date, timeZone: string): string {
  const w = wallAt(new Date(iso).getTime(), timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** A day key moved by `n` calendar days (no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** When a day starts in `timeZone`, as an ISO instant (a day is 23 or 25 hours around a DST change). */
export function startOfDayIn(day: string, timeZone: string): string {
  return zonedToIso(`${day}T00:00`, timeZone)!;
}

/** The next whole hour on the clocks of `timeZone` (Adelaide's are half an hour off UTC's), as a datetime-local value. */
export function nextHourIn(timeZone: string, now = Date.now()): string {
  const w = wallAt(now, timeZone);
  const t = new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour + 1));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:00`;
}

const displayFormats = new Map<string, Intl.DateTimeFormat>();
/** A cached formatter of `options` in `timeZone` and `locale` (the company's: see dates.ts). */
export function formatIn(timeZone: string, options: Intl.DateTimeFormatOptions, locale: string): Intl.DateTimeFormat {
  const key = `${locale} ${timeZone} ${JSON.stringify(options)}`;
  let f = displayFormats.get(key);
  if (!f) displayFormats.set(key, (f = new Intl.DateTimeFormat(locale, { ...options, timeZone })));
  return f;
}

/** A day key ("2026-04-03") formatted as a date, with no zone shifting it to a neighbouring day. */
export function formatDayKey(day: string, options: Intl.DateTimeFormatOptions, locale: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return formatIn('UTC', options, locale).format(Date.UTC(y, m - 1, d));
}
