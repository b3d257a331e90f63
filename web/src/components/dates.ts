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
