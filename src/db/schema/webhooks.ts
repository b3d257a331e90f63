import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, smallint, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { companyRef, type Actor } from './core.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** A company's webhook endpoint (A10, B3). The secret is stored encrypted (B7, src/lib/secret-box.ts). */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    url: text('url').notNull(),
    description: text('description'),
    // Empty: every event, including event types added later (B6).
    events: text('events').array().notNull().default(sql`'{}'::text[]`),
    secretCiphertext: text('secret_ciphertext').notNull(),
    // Disabled endpoints get no new deliveries: by hand, after a 410, or after 5 days of failures.
    disabledAt: ts('disabled_at'),
    disabledReason: text('disabled_reason'),
    // The first failed attempt since the last success; null while the endpoint is healthy.
    failingSince: ts('failing_since'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [index('webhook_endpoints_company_idx').on(t.companyId, t.createdAt, t.id)],
);

/**
 * One event for one endpoint: made by the fan-out of an outbox event (or by a test send), attempted
 * until it succeeds or its retries run out. The payload is copied, so the log outlives the outbox.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    // The outbox event's id: the body's `id` and the `webhook-id` header, the same on every retry.
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    previous: jsonb('previous').$type<Record<string, unknown>>(),
    actor: jsonb('actor').$type<Actor>(),
    occurredAt: ts('occurred_at').notNull(),
    test: boolean('test').notNull().default(false),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] }).notNull().default('pending'),
    // Attempts in the current round of the retry schedule (a retry by hand starts a new round).
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    // The lease of the worker that holds it: its rows come back to the queue if it dies.
    claimedUntil: ts('claimed_until'),
    claimId: uuid('claim_id'),
    lastAttemptAt: ts('last_attempt_at'),
    lastStatusCode: smallint('last_status_code'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    // Fan-out may run twice for one event (a worker died after its insert): one delivery per endpoint.
    unique('webhook_deliveries_endpoint_event_key').on(t.endpointId, t.eventId),
    index('webhook_deliveries_due_idx')
      .on(t.endpointId, t.nextAttemptAt)
      .where(sql`status = 'pending'`),
    index('webhook_deliveries_log_idx').on(t.endpointId, t.createdAt, t.id),
  ],
);

/** Every attempt (B6): when, the HTTP status, how long, the first 1 KiB of the answer, the error. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attemptedAt: ts('attempted_at').notNull(),
    success: boolean('success').notNull(),
    statusCode: smallint('status_code'),
    durationMs: integer('duration_ms').notNull(),
    responseBody: text('response_body'),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.attemptedAt)],
);
