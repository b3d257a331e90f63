import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { companyRef, leads } from './core.js';

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const JOB_STATUSES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * The one queue of timed work (src/jobs/): a row per job, written in the transaction that causes it,
 * claimed by workers under a lease, and kept 30 days once finished (a lead's history) before the
 * retention task prunes it. Erased with its lead and with its company.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Enqueue order: the order of a group's jobs, and the tie-break between jobs due at one instant.
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
    companyId: companyRef(),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    // At most one job per (company, kind, key) while the job exists, finished or not: "one instant
    // reply per lead" is a constraint. NULL keys never collide.
    uniqueKey: text('unique_key'),
    // Jobs of one group (per company) run one at a time, in enqueue order.
    groupKey: text('group_key'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status', { enum: JOB_STATUSES }).notNull().default('pending'),
    runAt: at('run_at').notNull().defaultNow(),
    // Claims so far, the one under way included.
    attempts: integer('attempts').notNull().default(0),
    // The lease of the worker that holds it, and which claim that is: a worker whose lease ran out
    // cannot record over the one that took the job over.
    lockedUntil: at('locked_until'),
    claimId: uuid('claim_id'),
    // What the handler answered (sent and the message id, or why not).
    outcome: jsonb('outcome').$type<Record<string, unknown>>(),
    lastError: text('last_error'),
    createdAt: at('created_at').notNull().defaultNow(),
    finishedAt: at('finished_at'),
  },
  (t) => [
    uniqueIndex('jobs_unique_key_idx').on(t.companyId, t.kind, t.uniqueKey),
    // The claim walks the (company, kind) partitions that have pending jobs, then each one's oldest.
    index('jobs_due_idx')
      .on(t.companyId, t.kind, t.runAt, t.seq)
      .where(sql`status = 'pending'`),
    // When the next job of a kind falls due, for the idle worker's sleep.
    index('jobs_next_due_idx')
      .on(t.kind, t.runAt)
      .where(sql`status = 'pending'`),
    index('jobs_group_idx')
      .on(t.companyId, t.groupKey, t.seq)
      .where(sql`status = 'pending' and group_key is not null`),
    index('jobs_lead_idx').on(t.leadId, t.createdAt),
    index('jobs_finished_idx')
      .on(t.finishedAt)
      .where(sql`status <> 'pending'`),
  ],
);

/**
 * Paced kinds (a handler's `paceMs`: follow-up texts, one a second from a company's Twilio number):
 * when the company's next job of the kind may be claimed. The claim that takes one sets it, under
 * the row's lock, so two workers never take two inside one pace. No foreign key on purpose: the claim
 * would take a share lock on the company row while holding job rows, and a transaction that holds
 * the company row (credits) and cancels jobs (a reply) would deadlock with it. A row means nothing
 * once its time has passed; the retention task drops those, a deleted company's with them.
 */
export const jobPacing = pgTable(
  'job_pacing',
  {
    companyId: uuid('company_id').notNull(),
    kind: text('kind').notNull(),
    nextAt: at('next_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.kind] })],
);
