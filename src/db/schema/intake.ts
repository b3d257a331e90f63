import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { companyRef, leadRef } from './core.js';

/** How a submission arrived: a web form, `POST /v1/leads/upsert`, a batch, or the command line's CSV import. */
export const SUBMISSION_CHANNELS = ['intake', 'upsert', 'batch', 'import'] as const;
export type SubmissionChannel = (typeof SUBMISSION_CHANNELS)[number];

/**
 * Every arrival of a lead by intake, upsert, batch or import: the raw fields as sent, their source and
 * attribution, whether it was recorded on a lead that already existed. Kept apart from the lead, which
 * must not grow with every post (GET /v1/leads/:id/submissions); erased with the lead.
 */
export const leadSubmissions = pgTable(
  'lead_submissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    leadId: leadRef(),
    channel: text('channel', { enum: SUBMISSION_CHANNELS }).notNull(),
    // What the lead was matched on when it already existed: external_id, phone or email; null: created.
    matchedBy: text('matched_by', { enum: ['external_id', 'phone', 'email'] }),
    source: text('source'),
    attribution: jsonb('attribution').$type<Record<string, string>>(),
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  // The dedupe window reads a lead's last submission; the list reads them newest first.
  (t) => [index('lead_submissions_lead_created_idx').on(t.leadId, t.createdAt)],
);
