import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { companyRef, leadRef, type Actor } from './core.js';

export const SMS_DIRECTIONS = ['inbound', 'outbound'] as const;
export const SMS_STATUSES = ['queued', 'sent', 'delivered', 'undelivered', 'failed', 'received'] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];
export const SMS_PROVIDERS = ['twilio', 'console'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** A lead's conversation thread, both directions (B3). Erased with the lead (privacy requests). */
export const smsMessages = pgTable(
  'sms_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    leadId: leadRef(),
    direction: text('direction', { enum: SMS_DIRECTIONS }).notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: SMS_STATUSES }).notNull(),
    segments: smallint('segments').notNull(),
    errorCode: text('error_code'),
    provider: text('provider', { enum: SMS_PROVIDERS }).notNull(),
    // Twilio's MessageSid: unique, so a webhook Twilio retries is stored once.
    providerSid: text('provider_sid'),
    fromNumber: text('from_number'),
    toNumber: text('to_number'),
    // 'instant_reply' for the automatic first answer; at most one per lead (index below). 'follow_up'
    // for a step of a sequence; 'reminder_reply' for an inbound C or R that answers an appointment
    // reminder (it starts no agent turn).
    kind: text('kind', { enum: ['message', 'instant_reply', 'follow_up', 'reminder_reply'] }).notNull().default('message'),
    // Who wrote it: the lead (inbound), a user, an API key, the agent, an automation (src/auth/principal.ts).
    sender: jsonb('sender').$type<Actor>().notNull(),
    // What caused an automatic text (e.g. `instant_reply:<lead id>`): unique, so a retried job can never text twice.
    originKey: text('origin_key'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('sms_messages_lead_created_idx').on(t.leadId, t.createdAt, t.id),
    uniqueIndex('sms_messages_provider_sid_idx').on(t.providerSid),
    uniqueIndex('sms_messages_instant_reply_idx')
      .on(t.leadId)
      .where(sql`kind = 'instant_reply'`),
    uniqueIndex('sms_messages_origin_key_idx').on(t.companyId, t.originKey),
  ],
);

/**
 * Numbers that texted STOP, per company: opt-out belongs to the number, not to one lead (Australia's
 * Spam Act), so every lead of the company with it is suppressed, now and later. Kept when a lead is
 * erased: a suppression list is what lets the business keep honouring the request.
 */
export const smsOptOuts = pgTable(
  'sms_opt_outs',
  {
    companyId: companyRef(),
    phone: text('phone').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.phone] })],
);

