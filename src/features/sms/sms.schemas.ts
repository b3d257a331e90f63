import { z } from 'zod';
import { SMS_DIRECTIONS, SMS_PROVIDERS, SMS_STATUSES } from '../../db/schema/index.js';
import { actorSchema } from '../../auth/principal.js';
import { paginationQuery } from '../../http/pagination.js';

export const MAX_MESSAGE_LENGTH = 1600;

// Both optional here: a missing one is A7's own 400 (`'lead_id' and 'message' are required`), checked
// by the service in A7's order.
export const sendSmsBody = z
  .object({
    lead_id: z.string().optional().meta({ format: 'uuid' }),
    message: z.string().optional().meta({ description: `The text, 1 to ${MAX_MESSAGE_LENGTH} characters` }),
    pause_agent: z
      .boolean()
      .optional()
      .meta({ description: 'true: a person takes over from the lead agent for this lead (a text from the dashboard always does)' }),
  })
  .nullish();
export type SendSmsInput = NonNullable<z.output<typeof sendSmsBody>>;

export const sendSmsAnswer = z.object({
  success: z.literal(true),
  message: z.literal('SMS sent'),
  message_id: z.uuid(),
  segments: z.number().int().meta({ description: 'SMS segments sent, and credits spent (B4)' }),
  credits_remaining: z.number().int(),
});
export type SendSmsAnswer = z.infer<typeof sendSmsAnswer>;

export const smsMessage = z
  .object({
    id: z.uuid(),
    direction: z.enum(SMS_DIRECTIONS),
    body: z.string(),
    status: z.enum(SMS_STATUSES),
    segments: z.number().int(),
    error_code: z.string().nullable().meta({ description: "Twilio's error code when the message failed" }),
    provider_sid: z.string().nullable().meta({ description: "Twilio's MessageSid" }),
    provider: z.enum(SMS_PROVIDERS).meta({ description: '`console` when SMS_PROVIDER=console printed it instead of sending it' }),
    sender: actorSchema.meta({
      description: 'Who wrote it: `lead` (inbound), `user` (the dashboard), `api` (a key; `name` is its name), `agent`, `automation`, `intake`, `system`',
    }),
    created_at: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'SmsMessage' });
export type SmsMessage = z.infer<typeof smsMessage>;

export const threadParams = z.object({ id: z.string() });
export const threadQuery = paginationQuery;

/** Twilio posts every parameter as a string, form-encoded. */
export const twilioForm = z.record(z.string(), z.string());
