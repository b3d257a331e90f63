import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { companyRef, leadRef } from './core.js';

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const CAPTCHA_PROVIDERS = ['turnstile', 'hcaptcha'] as const;
export type CaptchaProvider = (typeof CAPTCHA_PROVIDERS)[number];

/**
 * A company's web form (issue 16): a public key that may sit in a page's HTML, the source it stamps
 * on leads, where it may be posted from, and its limits. Its captcha secret is sealed (B7).
 */
export const intakeForms = pgTable(
  'intake_forms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    name: text('name').notNull(),
    publicKey: text('public_key').notNull(),
    source: text('source').notNull(),
    allowedOrigins: jsonb('allowed_origins').$type<string[]>().notNull().default([]),
    // A post with neither Origin nor Referer (a privacy extension, some in-app browsers) is accepted only when allowed.
    allowNoOrigin: boolean('allow_no_origin').notNull().default(false),
    thankYouUrl: text('thank_you_url'),
    // Posted field name → lead field, for forms whose fields are named otherwise ("your-email": "email").
    fieldMapping: jsonb('field_mapping').$type<Record<string, string>>().notNull().default({}),
    captchaProvider: text('captcha_provider', { enum: CAPTCHA_PROVIDERS }),
    captchaSiteKey: text('captcha_site_key'),
    captchaSecretCiphertext: text('captcha_secret_ciphertext'),
    // Automatic texts (instant reply, agent greeting) to this form's new leads per clock hour; the rest wait for a person.
    textsPerHour: integer('texts_per_hour').notNull().default(30),
    // A post sooner than this after the page loaded (the snippet sends when) is a robot's.
    minFillSeconds: integer('min_fill_seconds').notNull().default(3),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('intake_forms_public_key_idx').on(t.publicKey), index('intake_forms_company_idx').on(t.companyId, t.createdAt)],
);

/** Automatic texts a form's leads were given in one clock hour: what texts_per_hour is checked against. */
export const intakeFormTexts = pgTable(
  'intake_form_texts',
  {
    formId: uuid('form_id')
      .notNull()
      .references(() => intakeForms.id, { onDelete: 'cascade' }),
    hour: at('hour').notNull(),
    texts: integer('texts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.formId, t.hour] })],
);

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
    // The web form it came through (intake); kept when the form is deleted.
    formId: uuid('form_id').references(() => intakeForms.id, { onDelete: 'set null' }),
    source: text('source'),
    attribution: jsonb('attribution').$type<Record<string, string>>(),
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  // The dedupe window reads a lead's last submission; the list reads them newest first.
  (t) => [index('lead_submissions_lead_created_idx').on(t.leadId, t.createdAt)],
);
