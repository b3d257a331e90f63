import { boolean, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { companyRef } from './core.js';

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const SEQUENCE_KINDS = ['lead_nurture', 'quote_chase', 'appointment_reminder', 'review_request'] as const;
export type SequenceKind = (typeof SEQUENCE_KINDS)[number];
export type SequenceStep = { offset_minutes: number; text: string };

/**
 * A company's follow-up sequences (issue 15), a row per kind, written by the first change: a company
 * without a row reads the defaults of src/features/follow-ups/automations.schemas.ts (off). The
 * triggers of drizzle/0026_follow_ups_sql.sql read these rows to plan a sequence's steps as jobs in the
 * transaction of the change that starts it.
 */
export const automations = pgTable(
  'automations',
  {
    companyId: companyRef(),
    kind: text('kind', { enum: SEQUENCE_KINDS }).notNull(),
    enabled: boolean('enabled').notNull(),
    steps: jsonb('steps').$type<SequenceStep[]>().notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.kind] })],
);
