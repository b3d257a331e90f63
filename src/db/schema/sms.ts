import { sql } from 'drizzle-orm';
import { index, integer, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { companyRef, leads, leadRef } from './core.js';

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

/**
 * One row per new lead that should hear the company's instant reply, written in the lead's own
 * transaction (a trigger on leads, drizzle/*_sms_sql.sql) and sent by the worker after commit. The
 * primary key makes it one job per lead; workers claim rows with FOR UPDATE SKIP LOCKED under a lease.
 */
export const instantReplyJobs = pgTable(
  'instant_reply_jobs',
  {
    leadId: uuid('lead_id')
      .primaryKey()
      .references(() => leads.id, { onDelete: 'cascade' }),
    companyId: companyRef(),
    createdAt: at('created_at').notNull().defaultNow(),
    claimedUntil: at('claimed_until'),
    attempts: integer('attempts').notNull().default(0),
    // Set once handled: `sent`, or why not (opted out, no credits, provider refused…).
    doneAt: at('done_at'),
    outcome: text('outcome'),
    messageId: uuid('message_id'),
  },
  (t) => [index('instant_reply_jobs_due_idx').on(t.createdAt).where(sql`done_at is null`)],
);
