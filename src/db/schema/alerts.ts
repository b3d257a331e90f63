import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { companyRef, leads } from './core.js';
import { users } from './accounts.js';

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** What the team is alerted of (issue 17), each named after the event it comes from. */
export const ALERT_KINDS = [
  'new_lead',
  'lead_reply',
  'handoff',
  'quote_viewed',
  'quote_accepted',
  'quote_declined',
  'appointment_booked',
  'credits_low',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_CHANNELS = ['in_app', 'email', 'sms'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/**
 * Where an email or SMS alert is: `pending` (its job waits), `sending` (handed to the relay or
 * Twilio, no answer recorded yet: a worker that died here leaves it so, and it is never sent again),
 * `sent`, `failed` (refused for good), `unknown` (a send whose answer was lost), `skipped` (the
 * channel cannot carry it: no SMTP, no verified mobile, no credits).
 */
export const ALERT_SEND_STATUSES = ['pending', 'sending', 'sent', 'failed', 'unknown', 'skipped'] as const;
export type AlertSendStatus = (typeof ALERT_SEND_STATUSES)[number];

/**
 * One alert to one user about one event, written by the outbox's trigger (drizzle/0032) in the
 * transaction that records the event, so it exists exactly when the event does. `in_app`: it shows in
 * the user's bell; `email_status` / `sms_status`: null when that channel was not chosen. Erased with
 * its lead, its user and its company.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // The outbox event it was made from (not a reference: the outbox is pruned after a week).
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    kind: text('kind', { enum: ALERT_KINDS }).notNull(),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    // The event's data, from which the alert's words are made.
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    inApp: boolean('in_app').notNull(),
    readAt: at('read_at'),
    emailStatus: text('email_status', { enum: ALERT_SEND_STATUSES }),
    smsStatus: text('sms_status', { enum: ALERT_SEND_STATUSES }),
    // What the relay or Twilio answered (message id, sid, segments, error).
    emailDetail: jsonb('email_detail').$type<Record<string, unknown>>(),
    smsDetail: jsonb('sms_detail').$type<Record<string, unknown>>(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('notifications_event_user_idx').on(t.eventId, t.userId),
    index('notifications_user_idx')
      .on(t.userId, t.createdAt)
      .where(sql`in_app`),
    index('notifications_unread_idx')
      .on(t.userId)
      .where(sql`in_app and read_at is null`),
    index('notifications_lead_idx').on(t.leadId),
    // What the retention task prunes by.
    index('notifications_created_idx').on(t.createdAt),
  ],
);

/**
 * Texts from a verified team mobile to the company's number: the team's, never a lead's (issue 17).
 * One that answers an SMS alert is about that alert's lead, and shows on it as a note.
 */
export const teamTexts = pgTable(
  'team_texts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    fromNumber: text('from_number').notNull(),
    body: text('body').notNull(),
    // Twilio's MessageSid: a webhook Twilio sends again is recorded once.
    providerSid: text('provider_sid').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('team_texts_sid_idx').on(t.companyId, t.providerSid),
    index('team_texts_lead_idx').on(t.leadId),
    index('team_texts_created_idx').on(t.createdAt),
  ],
);
