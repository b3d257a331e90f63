import { z } from 'zod';
import { SEQUENCE_KINDS } from '../../db/schema/index.js';
import { timestamp } from '../../http/schema-fields.js';

export const FOLLOW_UP_STATUSES = ['scheduled', 'sent', 'skipped', 'cancelled', 'failed'] as const;

export const followUpView = z
  .object({
    id: z.uuid(),
    sequence: z.enum(SEQUENCE_KINDS),
    step: z.number().int().meta({ description: 'The step of its sequence, from 1' }),
    offset_minutes: z.number().int(),
    text: z.string().meta({ description: 'The template as planned; the text as sent is the message (message_id)' }),
    due_at: timestamp.meta({ description: 'When it falls due (a step that falls in quiet hours waits past them)' }),
    status: z.enum(FOLLOW_UP_STATUSES),
    reason: z
      .string()
      .nullable()
      .meta({ description: 'Why it was skipped or cancelled: lead_replied, quote_accepted, opted_out, quiet… (null when scheduled or sent)', example: 'lead_replied' }),
    message_id: z.uuid().nullable(),
    quote_id: z.uuid().nullable(),
    appointment_id: z.uuid().nullable(),
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'FollowUp' });
export type FollowUpView = z.output<typeof followUpView>;
