import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { companyRef, leads } from './core.js';
import { users } from './accounts.js';
import { SMS_DIRECTIONS } from './sms.js';

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * The dashboard's inbox (issue 18): one row per lead with something to show, its newest item and
 * when it last asked for the team's attention. Kept by triggers on `leads` and `sms_messages`
 * (drizzle/0036_inbox_sql.sql), like lead_counters: derived from the two tables' one writer each,
 * so no path that writes a lead or a text can forget it. Without it, "newest message first" would
 * read the last message of every lead of the company on each request.
 */
export const conversations = pgTable(
  'conversations',
  {
    leadId: uuid('lead_id')
      .primaryKey()
      .references(() => leads.id, { onDelete: 'cascade' }),
    companyId: companyRef(),
    // The newest text of the thread; null for a new lead that has none yet.
    lastMessageId: uuid('last_message_id'),
    lastDirection: text('last_direction', { enum: SMS_DIRECTIONS }),
    // Who wrote the newest text (an actor type: lead, user, agent, automation…).
    lastSenderType: text('last_sender_type'),
    // When the newest item happened (the lead's arrival or its newest text): the inbox's order.
    lastAt: at('last_at').notNull(),
    // The newest item that asks for the team's attention (the lead's arrival, a text from the lead);
    // null when nothing has since the inbox existed (the history a migration found is read).
    attentionAt: at('attention_at'),
  },
  (t) => [
    // The inbox, newest first (read backwards, as leads' list orders are).
    index('conversations_company_last_idx').on(t.companyId, t.lastAt, t.leadId),
    // The unread count reads only recent attention (see inbox.repo.ts).
    index('conversations_company_attention_idx')
      .on(t.companyId, t.attentionAt)
      .where(sql`attention_at is not null`),
  ],
);

/** How far each user has read each conversation: unread is per person. Erased with the lead and the user. */
export const conversationReads = pgTable(
  'conversation_reads',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    companyId: companyRef(),
    // The conversation's newest item when the user opened it: anything after it is unread.
    readUpTo: at('read_up_to').notNull(),
    readAt: at('read_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.leadId] }), index('conversation_reads_lead_idx').on(t.leadId)],
);
