// How every page shows a time, a number or a phone number: in the company's timezone (settings
// `timezone`) and in its country's conventions (settings `country`), which need not be the browser's,
// so that a time reads the same for everyone in the business, on any machine.
//
// The locale is English as written in the company's country ("en-AU": "2 Dec 2026, 9:00 am"), since
// the dashboard's words are English. It is set from the settings as they load (main.tsx), before any
// time can show: until the zone is known, times read '…' anyway.
import { formatPhone as formatPhoneIn } from '../../../src/lib/phone';
import { companyCountry, companyLocale } from './company-locale';
import { formatDayKey, formatIn } from './zoned-time';

export { companyLocale, setCompanyCountry } from './company-locale';

const DATE: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
const TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };

// While the zone loads (undefined) an instant reads '…' rather than flash in the browser's zone, which
// may be another day.
function formatInstant(iso: string | null | undefined, zone: string | undefined, options: Intl.DateTimeFormatOptions) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return zone ? formatIn(zone, options, companyLocale()).format(d) : '…';
}

/** The day an instant falls on in `zone` (the company's: useCompanyZone). */
export const formatDate = (iso: string | null | undefined, zone: string | undefined) => formatInstant(iso, zone, DATE);
/** An instant as a date and time in `zone` (the company's: useCompanyZone). */
export const formatDateTime = (iso: string | null | undefined, zone: string | undefined) => formatInstant(iso, zone, { ...DATE, ...TIME });
/** The time of day of an instant in `zone` (the company's: useCompanyZone). */
export const formatTime = (iso: string, zone: string | undefined) => formatInstant(iso, zone, TIME);

/** A YYYY-MM-DD date (no time zone) as people read it, with `options` (default: "2 Dec 2026"). */
export function formatDay(ymd: string | null | undefined, options: Intl.DateTimeFormatOptions = DATE) {
  return ymd ? formatDayKey(ymd, options, companyLocale()) : '—';
}

/** A count or a quantity, grouped as the company's country writes it. */
export function formatNumber(n: number | null | undefined, options?: Intl.NumberFormatOptions) {
  return n === null || n === undefined ? '—' : new Intl.NumberFormat(companyLocale(), options).format(n);
}

/** A stored (E.164) phone number as the company's country writes it: "0412 555 019" in AU. */
export function formatPhone(e164: string | null | undefined) {
  return e164 ? formatPhoneIn(e164, companyCountry()) : '—';
}

const agoFormats = new Map<string, Intl.RelativeTimeFormat>();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long ago an instant was ("5 min. ago", "yesterday"); past a week, its day in `zone` (the company's). */
export function formatAgo(iso: string, zone: string | undefined, now = Date.now()) {
  const ago = now - new Date(iso).getTime();
  if (Number.isNaN(ago)) return iso;
  const locale = companyLocale();
  let f = agoFormats.get(locale);
  if (!f) agoFormats.set(locale, (f = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' })));
  if (ago < MINUTE) return 'just now';
  if (ago < HOUR) return f.format(-Math.floor(ago / MINUTE), 'minute');
  if (ago < DAY) return f.format(-Math.floor(ago / HOUR), 'hour');
  if (ago < 7 * DAY) return f.format(-Math.floor(ago / DAY), 'day');
  return formatDate(iso, zone);
}
