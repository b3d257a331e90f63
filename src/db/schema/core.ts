import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const PIPELINE_STAGES = [
  'new_lead',
  'follow_up',
  'quote_in_progress',
  'quoted',
  'closed_won',
  'closed_lost',
] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export const AUTO_TEXT_HOLDS = ['unverified', 'form_cap', 'import'] as const;
export type AutoTextHold = (typeof AUTO_TEXT_HOLDS)[number];

export const AI_STATUSES = ['new', 'hot', 'warm', 'cold'] as const;
export type AiStatus = (typeof AI_STATUSES)[number];

/**
 * Who made a change or wrote a message: one word list for events' `actor` and messages' `sender`.
 * `lead`: the customer (a text, the quote page); `user`: a person in the dashboard; `api`: a token
 * (`name` is the key's name); `agent`: the lead agent; `automation`: follow-ups and instant replies;
 * `intake`: a web form; `system`: the operator's command line and the server's own housekeeping.
 */
export const ACTOR_TYPES = ['lead', 'user', 'api', 'agent', 'automation', 'intake', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
export type Actor = { type: ActorType; id: string | null; name: string | null };

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
};

export const companies = pgTable('companies', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  // ISO 3166 alpha-2: the country a national phone number is read in.
  country: text('country').notNull().default('AU'),
  smsCredits: integer('sms_credits').notNull().default(0),
  // A Twilio number routes inbound messages, so it belongs to one company only.
  twilioNumber: text('twilio_number').unique(),
  // Quote defaults (B3): ISO 4217 currency, tax as a fraction (0.1 = 10%), and the zone in which a
  // quote's valid_until date ends.
  currency: text('currency').notNull().default('AUD'),
  taxRate: numeric('tax_rate', { precision: 6, scale: 5 }).notNull().default('0.1'),
  taxMode: text('tax_mode', { enum: ['exclusive', 'inclusive'] }).notNull().default('exclusive'),
  timezone: text('timezone').notNull().default('Australia/Sydney'),
  // The text a new lead gets at once by SMS ({first_name}, {company}); null: off.
  instantReply: text('instant_reply'),
  // The company's switch that stops every outbound text at once (the dashboard shows a banner).
  smsPaused: boolean('sms_paused').notNull().default(false),
  // When texts we start (follow-ups, reminders) wait, in the company's timezone; null: never. An
  // answer to someone who wrote to us in the last hour is never held back.
  quietHours: jsonb('quiet_hours').$type<QuietHours | null>().default({ start: '20:00', end: '08:00' }),
  // Follow-ups (issue 15) keep off Sundays and the agent's closed dates unless these allow them.
  followUpsOnSundays: boolean('follow_ups_on_sundays').notNull().default(false),
  followUpsOnClosedDates: boolean('follow_ups_on_closed_dates').notNull().default(false),
  // Where a review request sends the customer (Google, a trade directory); null: no review requests.
  reviewUrl: text('review_url'),
  // Leads that arrive by intake, upsert, batch or import with the phone or email of an open lead seen
  // within `window_days` are recorded on it instead of making another (issue 16).
  dedupe: jsonb('dedupe').$type<DedupeSettings>().notNull().default({ enabled: true, window_days: 30 }),
  // A spend that leaves fewer credits than this (having left at least this many before) records
  // sms.credits_low, which the team is alerted of (issue 17); 0: never.
  lowCreditsThreshold: integer('low_credits_threshold').notNull().default(50),
  ...timestamps,
});

export type DedupeSettings = { enabled: boolean; window_days: number };

/** A span of the day as HH:MM in the company's timezone; `end` before `start` runs past midnight. */
export type QuietHours = { start: string; end: string };

/** The company a row belongs to: every tenant table has one, and erasing the company erases the row. */
export const companyRef = () =>
  uuid('company_id')
    .notNull()
    .references(() => companies.id, { onDelete: 'cascade' });

/** The lead a row is about: erasing the lead (DELETE /v1/leads/:id) erases the row. */
export const leadRef = () =>
  uuid('lead_id')
    .notNull()
    .references(() => leads.id, { onDelete: 'cascade' });

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    name: text('name').notNull(),
    // SHA-256 hex of the whole token; the token itself is never stored.
    tokenHash: text('token_hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    scopes: text('scopes').array().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('api_tokens_company_idx').on(t.companyId, t.createdAt)],
);

export const leads = pgTable(
  'leads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    name: text('name'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    email: text('email'),
    phone: text('phone'),
    pipelineStage: text('pipeline_stage', { enum: PIPELINE_STAGES }).notNull().default('new_lead'),
    aiStatus: text('ai_status', { enum: AI_STATUSES }).notNull().default('new'),
    aiScore: smallint('ai_score').notNull().default(0),
    aiSummary: text('ai_summary'),
    aiEnabled: boolean('ai_enabled').notNull().default(true),
    // The lead agent's own (issue 14): why the score is what it is, what it has gathered, and whether
    // a person has taken over (ai_enabled stays the client's own switch, as A5 has it).
    aiScoreReason: text('ai_score_reason'),
    qualification: jsonb('qualification').$type<Record<string, unknown>>().notNull().default({}),
    agentPaused: boolean('agent_paused').notNull().default(false),
    agentPausedReason: text('agent_paused_reason'),
    source: text('source'),
    serviceType: text('service_type'),
    notes: text('notes'),
    address: text('address'),
    postcode: text('postcode'),
    // Money is exact: numeric, never a float column.
    value: numeric('value', { precision: 14, scale: 2 }),
    customData: jsonb('custom_data').$type<Record<string, unknown>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    smsOptedOut: boolean('sms_opted_out').notNull().default(false),
    // An integration's own id for the lead (unique per company): what upserts match first.
    externalId: text('external_id'),
    // Where the lead first came from (utm_*, gclid, fbclid, referrer, landing page): the first touch;
    // later touches stay on its submissions (lead_submissions).
    attribution: jsonb('attribution').$type<Record<string, string>>(),
    // Why the automatic first text (instant reply, agent greeting) was held back for a person:
    // 'unverified' (its form's captcha could not be checked), 'form_cap' (its form's hourly cap),
    // 'import' (an old contact brought over by `quoteleads leads import`).
    autoTextHeld: text('auto_text_held', { enum: AUTO_TEXT_HOLDS }),
    // What `search` matches: name, email and the phone's digits, lower-cased.
    searchText: text('search_text').generatedAlwaysAs(
      sql`lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'))`,
    ),
    ...timestamps,
  },
  (t) => [
    // One index per list order: newest first, alone or under a stage / AI status filter. Ascending,
    // read backwards: that is exactly `created_at desc, id desc` (drizzle's .desc() would write
    // DESC NULLS LAST, which the planner does not match to a plain ORDER BY … DESC).
    index('leads_company_created_idx').on(t.companyId, t.createdAt, t.id),
    index('leads_company_stage_created_idx').on(t.companyId, t.pipelineStage, t.createdAt, t.id),
    index('leads_company_ai_status_created_idx').on(t.companyId, t.aiStatus, t.createdAt, t.id),
    index('leads_company_phone_idx').on(t.companyId, t.phone),
    // Dedupe matches on email (stored lower-cased) as on phone.
    index('leads_company_email_idx').on(t.companyId, t.email),
    uniqueIndex('leads_company_external_id_idx').on(t.companyId, t.externalId).where(sql`external_id is not null`),
    // Search uses a GIN index of company-scoped trigrams, lead_search_keys(company_id, search_text),
    // made in drizzle/0003_company_scoped_search.sql: see that file for why.
  ],
);

/**
 * Lead counts per company, stage and AI status, kept by statement triggers on `leads` (see the
 * migration). `GET /v1/pipeline` and the `total` of unsearched lead lists read these instead of
 * counting rows. Each connection adds to its own slot (backend pid modulo 64, drizzle/0002) so that
 * concurrent inserts into one company do not queue on a single counter row.
 */
export const leadCounters = pgTable(
  'lead_counters',
  {
    companyId: companyRef(),
    pipelineStage: text('pipeline_stage').notNull(),
    aiStatus: text('ai_status').notNull(),
    slot: smallint('slot').notNull(),
    count: bigint('n', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.pipelineStage, t.aiStatus, t.slot] })],
);

/**
 * The transactional outbox: an event is written in the same transaction as the change that caused
 * it. Workers claim due rows with FOR UPDATE SKIP LOCKED and hold them by a lease (`claimed_until`),
 * so a crashed worker's rows come back to the queue.
 */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // The event's place in its company's stream (GET /app/api/stream): a later commit of the company
    // always has a higher seq. An identity at insert, renumbered at commit when a transaction that
    // took a later number committed first (the outbox_seq_sql migration says how).
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    companyId: companyRef(),
    eventType: text('event_type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    previous: jsonb('previous').$type<Record<string, unknown>>(),
    // Who made the change ({type, id, name}: src/auth/principal.ts); null on events recorded before it was kept.
    actor: jsonb('actor').$type<Actor>(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    availableAt: timestamp('available_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    claimedUntil: timestamp('claimed_until', { withTimezone: true, precision: 3 }),
    attempts: integer('attempts').notNull().default(0),
    processedAt: timestamp('processed_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    index('outbox_events_due_idx')
      .on(t.availableAt)
      .where(sql`processed_at is null`),
    index('outbox_events_company_idx').on(t.companyId, t.occurredAt),
    index('outbox_events_company_seq_idx').on(t.companyId, t.seq),
  ],
);

/**
 * Leads erased while events about them were still on their way to webhook endpoints: those events go
 * out as committed (the receiver hears lead.deleted last), and the retention task erases their copies
 * from the outbox and the delivery log once they have, then this row. Holds no personal data.
 */
export const leadErasures = pgTable(
  'lead_erasures',
  {
    companyId: companyRef(),
    leadId: uuid('lead_id').notNull(),
    erasedAt: timestamp('erased_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.leadId] })],
);

/** Stored first answers of POSTs that carried an Idempotency-Key (B2). */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    companyId: companyRef(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    // null while the first request is still running.
    statusCode: smallint('status_code'),
    responseBody: text('response_body'),
    // The lead the answer is about (a lead, or a quote, appointment or text of one): the sealed answer
    // carries their data, so erasing the lead finds it by this (no foreign key: a lead erased while
    // its POST is answered must not fail the answer).
    leadId: uuid('lead_id'),
    lockedAt: timestamp('locked_at', { withTimezone: true, precision: 3 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);
