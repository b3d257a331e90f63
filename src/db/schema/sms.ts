import { sql } from 'drizzle-orm';
import { index, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { companyRef, leadRef } from './core.js';

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
    // 'instant_reply' for the automatic first answer; at most one per lead (index below).
    kind: text('kind', { enum: ['message', 'instant_reply'] }).notNull().default('message'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('sms_messages_lead_created_idx').on(t.leadId, t.createdAt, t.id),
    uniqueIndex('sms_messages_provider_sid_idx').on(t.providerSid),
    uniqueIndex('sms_messages_instant_reply_idx')
      .on(t.leadId)
      .where(sql`kind = 'instant_reply'`),
  ],
);
