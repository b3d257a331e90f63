import { sql } from 'drizzle-orm';
import { bigint, date, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { companies, companyRef, leadRef } from './core.js';

/** What a quote row stores. `expired` is not stored: it is read from `expires_at` (see quotes.repo.ts). */
export const STORED_QUOTE_STATUSES = ['draft', 'sent', 'viewed', 'accepted', 'declined'] as const;
export const QUOTE_STATUSES = [...STORED_QUOTE_STATUSES, 'expired'] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

export const APPOINTMENT_STATUSES = ['scheduled', 'confirmed', 'completed', 'cancelled', 'no_show'] as const;
export const APPOINTMENT_TYPES = ['callback', 'onsite', 'other'] as const;
export const BOOKED_BY = ['ai', 'human', 'api'] as const;

export const PRICE_BOOK_UNITS = ['each', 'hour', 'm2', 'metre', 'kw'] as const;
export type PriceBookUnit = (typeof PRICE_BOOK_UNITS)[number];

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * The last quote number each company used. Taken with one upsert in the creating transaction: the row
 * lock orders concurrent creates, and the number only ever grows (deleting a quote frees nothing).
 */
export const quoteNumberCounters = pgTable('quote_number_counters', {
  companyId: uuid('company_id')
    .primaryKey()
    .references(() => companies.id, { onDelete: 'cascade' }),
  lastNumber: integer('last_number').notNull(),
});

export const quotes = pgTable(
  'quotes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    leadId: leadRef(),
    number: integer('number').notNull(),
    status: text('status', { enum: STORED_QUOTE_STATUSES }).notNull().default('draft'),
    // Money in integer cents; the rate as the company column (a fraction, 5 decimals).
    subtotalCents: bigint('subtotal_cents', { mode: 'bigint' }).notNull(),
    taxCents: bigint('tax_cents', { mode: 'bigint' }).notNull(),
    totalCents: bigint('total_cents', { mode: 'bigint' }).notNull(),
    taxRate: numeric('tax_rate', { precision: 6, scale: 5 }).notNull(),
    taxMode: text('tax_mode', { enum: ['exclusive', 'inclusive'] }).notNull(),
    currency: text('currency').notNull(),
    notes: text('notes'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    validUntil: date('valid_until', { mode: 'string' }),
    // The end of valid_until in the company's timezone, fixed when the quote is sent.
    expiresAt: at('expires_at'),
    // The only credential of the public page: 256 random bits, base64url.
    publicToken: text('public_token').notNull().unique(),
    // Held while a send texts the link, so that a second send or an edit waits for the outcome.
    sendingUntil: at('sending_until'),
    sentAt: at('sent_at'),
    viewedAt: at('viewed_at'),
    acceptedAt: at('accepted_at'),
    declinedAt: at('declined_at'),
    // Where the customer's accept or decline came from.
    respondedIp: text('responded_ip'),
    respondedUserAgent: text('responded_user_agent'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    unique('quotes_company_number_key').on(t.companyId, t.number),
    // List orders, read backwards (see leads): newest first, alone or under a stored status.
    index('quotes_company_created_idx').on(t.companyId, t.createdAt, t.id),
    index('quotes_company_status_created_idx').on(t.companyId, t.status, t.createdAt, t.id),
    // A lead's quotes, newest first (the lead_id filter), and the lead's erasure. Lead ids are unique
    // across companies, so company_id stays a filter on the few rows of one lead.
    index('quotes_lead_created_idx').on(t.leadId, t.createdAt, t.id),
    // Open offers by deadline: the `expired` filter, and the expired part of the sent / viewed totals.
    index('quotes_company_open_expiry_idx')
      .on(t.companyId, t.status, t.expiresAt)
      .where(sql`status in ('sent', 'viewed')`),
  ],
);

export const quoteLineItems = pgTable(
  'quote_line_items',
  {
    quoteId: uuid('quote_id')
      .notNull()
      .references(() => quotes.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    description: text('description').notNull(),
    // Quantity in thousandths, prices in cents: exact.
    quantityMilli: bigint('quantity_milli', { mode: 'bigint' }).notNull(),
    unitPriceCents: bigint('unit_price_cents', { mode: 'bigint' }).notNull(),
    subtotalCents: bigint('subtotal_cents', { mode: 'bigint' }).notNull(),
    unit: text('unit', { enum: PRICE_BOOK_UNITS }),
    // Where the line came from, kept as it was: the item may change or go later, the line stays.
    priceBookItemId: uuid('price_book_item_id'),
  },
  (t) => [primaryKey({ columns: [t.quoteId, t.position] })],
);

/** What a company charges for things it quotes often; a quote line copies an item's name, unit and price. */
export const priceBookItems = pgTable(
  'price_book_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    name: text('name').notNull(),
    description: text('description'),
    unit: text('unit', { enum: PRICE_BOOK_UNITS }).notNull(),
    // Cents, as entered: read in the company's tax mode (inclusive: tax is inside it).
    unitPriceCents: bigint('unit_price_cents', { mode: 'bigint' }).notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  // The list, by name.
  (t) => [index('price_book_items_company_name_idx').on(t.companyId, t.name, t.id)],
);

/** Quote counts per company and stored status, kept by triggers (drizzle custom migration): list totals. */
export const quoteStatusCounts = pgTable(
  'quote_status_counts',
  {
    companyId: companyRef(),
    status: text('status').notNull(),
    count: bigint('n', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.status] })],
);

export const appointments = pgTable(
  'appointments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    leadId: leadRef(),
    title: text('title').notNull(),
    description: text('description'),
    status: text('status', { enum: APPOINTMENT_STATUSES }).notNull().default('scheduled'),
    appointmentType: text('appointment_type', { enum: APPOINTMENT_TYPES }).notNull(),
    startTime: at('start_time').notNull(),
    endTime: at('end_time').notNull(),
    location: text('location'),
    notes: text('notes'),
    bookedBy: text('booked_by', { enum: BOOKED_BY }).notNull(),
    // What made the booking when it must happen once (the agent's turn, tool and ordinal): unique per company.
    originKey: text('origin_key'),
    // When the customer answered a reminder with R (issue 15), until the appointment is moved.
    rescheduleRequestedAt: at('reschedule_requested_at'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // Latest start first, alone or under a type / status filter; from/to are ranges of the same key.
    index('appointments_company_start_idx').on(t.companyId, t.startTime, t.id),
    index('appointments_company_type_start_idx').on(t.companyId, t.appointmentType, t.startTime, t.id),
    index('appointments_company_status_start_idx').on(t.companyId, t.status, t.startTime, t.id),
    // A lead's appointments, latest start first (the lead_id filter, with or without from/to), and its erasure.
    index('appointments_lead_start_idx').on(t.leadId, t.startTime, t.id),
    uniqueIndex('appointments_origin_key_idx').on(t.companyId, t.originKey),
  ],
);

/** Appointment counts per company, type and status, kept by triggers: list totals without counting rows. */
export const appointmentCounts = pgTable(
  'appointment_counts',
  {
    companyId: companyRef(),
    appointmentType: text('appointment_type').notNull(),
    status: text('status').notNull(),
    count: bigint('n', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.appointmentType, t.status] })],
);
