import { countSegments } from '../../lib/sms-segments.js';
import { wallTimeAt } from '../../lib/zoned-time.js';
import type { SequenceKind } from '../../db/schema/index.js';

/** The placeholders a step's text may use, per sequence. */
const COMMON = ['first_name', 'company'] as const;
export const PLACEHOLDERS: Record<SequenceKind, readonly string[]> = {
  lead_nurture: COMMON,
  quote_chase: [...COMMON, 'quote_link'],
  appointment_reminder: [...COMMON, 'appointment_time', 'appointment_date'],
  review_request: [...COMMON, 'review_link'],
};

/** Sequences that sell (Australia's Spam Act): they name the sender and carry an opt-out. A reminder of a booking does not need to. */
export const MARKETING: ReadonlySet<SequenceKind> = new Set(['lead_nurture', 'quote_chase', 'review_request']);
export const OPT_OUT_LINE = 'Reply STOP to opt out';
export const MAX_SEGMENTS = 3;

export type TextValues = Partial<Record<string, string>>;

/** The placeholders of a text that the sequence does not have, as written ({…}). */
export function unknownPlaceholders(kind: SequenceKind, text: string): string[] {
  const allowed = new Set(PLACEHOLDERS[kind]);
  return [...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]).filter((name) => !allowed.has(name)).map((name) => `{${name}}`);
}

/**
 * A step's text for one lead: its placeholders filled in; a marketing text gets the company's name in
 * front when it lacks it, and the opt-out line when it has no STOP of its own.
 */
export function renderStep(kind: SequenceKind, text: string, values: TextValues): string {
  let out = text.replace(/\{([a-z_]+)\}/g, (whole, name: string) => values[name] ?? whole).replace(/\s+$/, '');
  if (MARKETING.has(kind)) {
    const company = values.company ?? '';
    if (company && !out.includes(company)) out = `${company}: ${out}`;
    if (!/\bSTOP\b/.test(out)) out = `${out} ${OPT_OUT_LINE}`;
  }
  return out;
}

/** The first name a text greets: the lead's, or the first word of its name, or "there". */
export function firstNameOf(lead: { firstName: string | null; name: string | null }): string {
  return lead.firstName?.trim() || lead.name?.trim().split(/\s+/)[0] || 'there';
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
/** An appointment's date and time as a text says them, on the company's wall clock: "Tuesday 8 December", "9:30am". */
export function appointmentWords(start: Date, timeZone: string): { appointment_date: string; appointment_time: string } {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-AU', { timeZone, weekday: 'long', day: 'numeric', month: 'long' });
    dateFormats.set(timeZone, format);
  }
  const w = wallTimeAt(start.getTime(), timeZone);
  const hour = w.hour % 12 === 0 ? 12 : w.hour % 12;
  return {
    appointment_date: format.format(start).replace(',', ''),
    appointment_time: `${hour}:${String(w.minute).padStart(2, '0')}${w.hour < 12 ? 'am' : 'pm'}`,
  };
}

/** Values as long as real ones get, for checking a template's length before any lead has it. */
export function sampleValues(company: { name: string; reviewUrl: string | null }, publicUrl: string): TextValues {
  return {
    first_name: 'Christopher',
    company: company.name,
    quote_link: `${publicUrl}/q/${'x'.repeat(43)}`,
    appointment_date: 'Wednesday 30 September',
    appointment_time: '10:30am',
    review_link: company.reviewUrl ?? 'https://g.page/r/CXXXXXXXXXXXXXXXXXXXXXXX/review',
  };
}

/** Segments of the text as sent with sample values (the opt-out line included). */
export function segmentsOf(kind: SequenceKind, text: string, values: TextValues): number {
  return countSegments(renderStep(kind, text, values)).segments;
}
