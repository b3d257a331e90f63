import { z } from 'zod';
import { toScaled } from '../lib/money.js';

// Field schemas every feature's request and response schemas share, so that one rule reads the same
// on every route and in the OpenAPI document.

export const JSON_OBJECT_LIMIT = 16 * 1024;

/** An optional text field: trimmed, an empty string reads as null, `null` clears it. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => (v === '' ? null : v));

/** `custom_data` / `metadata`: any JSON object up to 16 KiB (B1). */
export const jsonObject = z
  .record(z.string(), z.unknown())
  .refine((o) => Buffer.byteLength(JSON.stringify(o)) <= JSON_OBJECT_LIMIT, {
    message: `must be at most ${JSON_OBJECT_LIMIT / 1024} KiB as JSON`,
  });

/** A time in an answer: ISO 8601 in UTC with milliseconds. */
export const timestamp = z.string().meta({ format: 'date-time', example: '2026-04-03T10:30:00.000Z' });

// Text PostgreSQL cannot store: a NUL (text and jsonb refuse U+0000), and a lone UTF-16 surrogate
// (not encodable in UTF-8: refused in jsonb, silently turned into U+FFFD in text). One rule for every
// string of every request, keys of JSON objects included: see `textProblemIn` and src/http/validation.ts.
export const NUL_MESSAGE = 'must not contain a NUL character (U+0000)';
export const SURROGATE_MESSAGE = 'must not contain a lone UTF-16 surrogate';

// With the u flag a surrogate pair is one code point, so \p{Cs} matches only a surrogate alone.
const LONE_SURROGATE = /\p{Cs}/u;

function problemOf(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(text)) return SURROGATE_MESSAGE;
  return undefined;
}

type Step = { key: string | number; parent: Step | null };
const pathOf = (step: Step | null): (string | number)[] => {
  const path: (string | number)[] = [];
  for (let s = step; s; s = s.parent) path.push(s.key);
  return path.reverse();
};

/**
 * The first string (value or object key) in `value` that cannot be stored, with its path. Walked
 * without recursion and with each path kept as a link to its parent, so that however deep a JSON body
 * nests, the walk neither overflows the stack nor costs more than one step per value.
 */
export function textProblemIn(value: unknown): { path: (string | number)[]; message: string } | undefined {
  const stack: { value: unknown; at: Step | null }[] = [{ value, at: null }];
  while (stack.length) {
    const { value: v, at } = stack.pop()!;
    if (typeof v === 'string') {
      const message = problemOf(v);
      if (message) return { path: pathOf(at), message };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], at: { key: i, parent: at } });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        const message = problemOf(key);
        if (message) return { path: pathOf({ key, parent: at }), message };
        stack.push({ value: child, at: { key, parent: at } });
      }
    }
  }
  return undefined;
}

// Timestamps PostgreSQL (and an ISO 8601 answer) can hold: years 1970 to 9999, in UTC. Year 0 does
// not exist there, and past 9999 JavaScript writes "+010000-…", which no client expects.
export const EARLIEST_INSTANT_MS = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const INSTANT_RANGE_MESSAGE = 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z';
export const isStorableInstant = (ms: number) => Number.isFinite(ms) && ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS;

/** A time in a request: ISO 8601 with an offset or Z (never read in a zone the client did not mean), 1970–9999. */
export const instant = (message: string) =>
  z.iso
    .datetime({ offset: true, message })
    .refine((t) => isStorableInstant(Date.parse(t)), { message: INSTANT_RANGE_MESSAGE });

/** A calendar date in a request (YYYY-MM-DD), years 1970–9999. */
export const calendarDate = (message: string) =>
  z.iso.date({ message }).refine((d) => isStorableInstant(Date.parse(`${d}T00:00:00Z`)), { message: 'must be between 1970-01-01 and 9999-12-31' });

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
/** A time of day as HH:MM, 00:00 to 23:59 (a company's hours, in its own timezone). */
export const timeOfDay = z.string().regex(HH_MM, 'must be a time of day as HH:MM (00:00 to 23:59)').meta({ example: '08:00' });
/** Minutes since midnight of an HH:MM that `timeOfDay` accepted. */
export const minutesOfDay = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A price as a client sends it: currency units, 0 to 1,000,000,000, up to 2 decimals (quote lines, the price book). */
export const unitPrice = z
  .number()
  .min(0)
  .max(1_000_000_000)
  // Read from the number's shortest decimal form, as it is stored: 0.30000000000000004 has 17 decimals.
  .refine((n) => toScaled(n, 2) !== null, { message: 'must have at most 2 decimal places' })
  .meta({ description: 'In the currency units, up to 2 decimals', example: 45.5 });
