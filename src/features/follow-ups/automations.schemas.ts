import { z } from 'zod';
import { SEQUENCE_KINDS, type SequenceKind, type SequenceStep } from '../../db/schema/index.js';
import { timestamp } from '../../http/schema-fields.js';

// The follow-up sequences (issue 15): one schema for PATCH /v1/automations/:kind and the answer, and
// the defaults a company has before its first change (every sequence off until the company turns it on).

const MAX_STEPS = 10;
// Four weeks before an appointment, a year after anything else: further is not a follow-up.
const MAX_OFFSET = 525_600;
export const MAX_STEP_TEXT = 640;

const step = z.object({
  offset_minutes: z
    .number('must have a whole number of minutes for every step')
    .int('must have a whole number of minutes for every step')
    .min(-MAX_OFFSET, `must have offsets within ${MAX_OFFSET} minutes`)
    .max(MAX_OFFSET, `must have offsets within ${MAX_OFFSET} minutes`)
    .meta({ description: 'Minutes from the anchor (negative: before it, for appointment reminders)', example: 120 }),
  text: z
    .string('must have a text for every step')
    .trim()
    .min(1, 'must have a non-empty text for every step')
    .max(MAX_STEP_TEXT, `must have texts of at most ${MAX_STEP_TEXT} characters`),
});

export const sequencePatch = z
  .object({
    enabled: z.boolean('must be true or false').optional(),
    steps: z
      .array(step, 'must be a list of {"offset_minutes", "text"}')
      .min(1, 'must have at least 1 step')
      .max(MAX_STEPS, `must have at most ${MAX_STEPS} steps`)
      .optional(),
  })
  .meta({ id: 'SequencePatch' });
export type SequencePatch = z.output<typeof sequencePatch>;

export const sequenceView = z
  .object({
    kind: z.enum(SEQUENCE_KINDS),
    enabled: z.boolean(),
    steps: z.array(z.object({ offset_minutes: z.number().int(), text: z.string(), segments: z.number().int() })),
    anchor: z.string().meta({ description: 'What the offsets count from' }),
    placeholders: z.array(z.string()),
    updated_at: timestamp.nullable().meta({ description: 'null: the defaults, never changed' }),
  })
  .meta({ id: 'Sequence' });
export type SequenceView = z.output<typeof sequenceView>;

export const ANCHORS: Record<SequenceKind, string> = {
  lead_nurture: 'our last text to a lead that has not replied',
  quote_chase: "the quote's sent_at",
  appointment_reminder: "the appointment's start (offsets negative)",
  review_request: 'the move to closed_won',
};

export type Sequence = { enabled: boolean; steps: SequenceStep[] };

const DAY = 1440;
export const DEFAULT_SEQUENCES: Readonly<Record<SequenceKind, Sequence>> = Object.freeze({
  lead_nurture: {
    enabled: false,
    steps: [
      { offset_minutes: 120, text: 'Hi {first_name}, just checking you got our message. Happy to help with your job whenever suits.' },
      { offset_minutes: DAY, text: 'Hi {first_name}, are you still after a quote? Reply with a good time and we will call you.' },
      { offset_minutes: 3 * DAY, text: 'Hi {first_name}, last check-in from us. Reply any time if you would still like a hand.' },
    ],
  },
  quote_chase: {
    enabled: false,
    steps: [
      { offset_minutes: 2 * DAY, text: 'Hi {first_name}, did you get a chance to look at your quote? {quote_link}' },
      { offset_minutes: 5 * DAY, text: 'Hi {first_name}, any questions about your quote? Happy to go through it: {quote_link}' },
      { offset_minutes: 10 * DAY, text: 'Hi {first_name}, your quote is still here when you are ready: {quote_link}' },
    ],
  },
  appointment_reminder: {
    enabled: false,
    steps: [
      { offset_minutes: -DAY, text: 'Hi {first_name}, a reminder from {company}: we see you {appointment_date} at {appointment_time}. Reply C to confirm or R to change the time.' },
      { offset_minutes: -120, text: 'Hi {first_name}, {company} here: see you at {appointment_time} today. Reply C to confirm or R to change the time.' },
    ],
  },
  review_request: {
    enabled: false,
    steps: [{ offset_minutes: 2 * DAY, text: 'Hi {first_name}, thanks for choosing us. Would you leave us a quick review? {review_link}' }],
  },
});
