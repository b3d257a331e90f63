// How every page shows a time: in the company's timezone (settings `timezone`), which need not be the
// browser's, so that a time reads the same for everyone in the business, on any machine.
import { formatDayKey, formatIn } from './zoned-time';

const DATE: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
const TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };

// While the zone loads (undefined) an instant reads '…' rather than flash in the browser's zone, which
// may be another day.
function formatInstant(iso: string | null | undefined, zone: string | undefined, options: Intl.DateTimeFormatOptions) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return zone ? formatIn(zone, options).format(d) : '…';
}

/** The day an instant falls on in `zone` (the company's: useCompanyZone). */
export const formatDate = (iso: string | null | undefined, zone: string | undefined) => formatInstant(iso, zone, DATE);
/** An instant as a date and time in `zone` (the company's: useCompanyZone). */
export const formatDateTime = (iso: string | null | undefined, zone: string | undefined) => formatInstant(iso, zone, { ...DATE, ...TIME });
/** The time of day of an instant in `zone` (the company's: useCompanyZone). */
export const formatTime = (iso: string, zone: string | undefined) => formatInstant(iso, zone, TIME);

/** A YYYY-MM-DD date (no time zone) as people read it. */
export function formatDay(ymd: string | null | undefined) {
  return ymd ? formatDayKey(ymd, DATE) : '—';
}

const AGO = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long ago an instant was ("5 min. ago", "yesterday"); past a week, its day in `zone` (the company's). */
export function formatAgo(iso: string, zone: string | undefined, now = Date.now()) {
  const ago = now - new Date(iso).getTime();
  if (Number.isNaN(ago)) return iso;
  if (ago < MINUTE) return 'just now';
  if (ago < HOUR) return AGO.format(-Math.floor(ago / MINUTE), 'minute');
  if (ago < DAY) return AGO.format(-Math.floor(ago / HOUR), 'hour');
  if (ago < 7 * DAY) return AGO.format(-Math.floor(ago / DAY), 'day');
  return formatDate(iso, zone);
}
