import { z } from 'zod';

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
