import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { normalizePhone } from '../../lib/phone.js';
import { uniqueViolation } from '../../db/errors.js';
import { findCompany, insertCompany, updateCompany, type CompanyRow } from './companies.repo.js';
import { notifyAuthChange } from '../tokens/tokens.repo.js';
import { dropCachedTokens } from '../tokens/token-cache.js';
import { canonicalTimeZone } from './time-zones.js';
import { timeOfDay } from '../../http/schema-fields.js';
import type { DedupeSettings, QuietHours } from '../../db/schema/index.js';

const TIMEZONE_RULE = 'must be an IANA time zone, e.g. Australia/Sydney';
const TIMEZONE_MESSAGE = `'timezone' ${TIMEZONE_RULE}`;

/**
 * A company's fields, validated once for every writer: the operator's command line (the whole row)
 * and the dashboard's settings (settings.routes.ts builds its body from these). Messages name no
 * field: each caller's error says the field as that caller spells it ('tax-rate', 'tax_rate').
 */
export const companyFields = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166 code, e.g. AU')
    .transform((c) => c.toUpperCase()),
  smsCredits: z.number().int('must be a whole number').min(0, 'must not be negative'),
  twilioNumber: z.string().nullable(),
  currency: z
    .string()
    .transform((c) => c.toUpperCase())
    .refine((c) => CURRENCIES.has(c), 'must be an ISO 4217 code, e.g. AUD'),
  taxRate: z.number('must be a number').min(0, 'must not be negative').max(1, 'must be a fraction: 0.1 for 10%'),
  taxMode: z.enum(['exclusive', 'inclusive'], 'must be exclusive or inclusive'),
  // Checked against the database too, by withKnownTimeZone (time-zones.ts).
  timezone: z.string().min(1, TIMEZONE_RULE).max(100, TIMEZONE_RULE),
  // '' (or null) turns the instant reply off.
  instantReply: z
    .string()
    .max(1600, 'must be at most 1600 characters')
    .nullable()
    .transform((t) => (t === null || t.trim() === '' ? null : t)),
  smsPaused: z.boolean('must be true or false'),
  // Texts we start wait through these hours; null: no quiet hours.
  quietHours: z
    .object({ start: timeOfDay, end: timeOfDay }, 'must be {"start": "HH:MM", "end": "HH:MM"} or null')
    .refine((q) => q.start !== q.end, 'must have a start and an end that differ')
    .nullable()
    .meta({ description: 'Hours (company timezone) in which texts we start wait; end before start runs past midnight; null: none', example: { start: '20:00', end: '08:00' } }),
  // Follow-ups (issue 15) wait through Sundays and the agent's closed dates unless these allow them.
  followUpsOnSundays: z.boolean('must be true or false'),
  followUpsOnClosedDates: z.boolean('must be true or false'),
  // The link a review request sends ({review_link}); '' (or null) removes it.
  reviewUrl: z
    .string()
    .max(500, 'must be at most 500 characters')
    .nullable()
    .transform((t) => (t === null || t.trim() === '' ? null : t.trim()))
    .refine((t) => t === null || /^https?:\/\/[^\s]+$/.test(t), 'must be an http(s) URL'),
  // One lead per person (issue 16): how intake, upsert, batch and import match a lead already there.
  dedupe: z
    .object(
      {
        enabled: z.boolean('must be true or false'),
        window_days: z
          .number('must have a window_days that is a number of days')
          .int('must have a window_days that is a whole number of days')
          .min(1, 'must have a window_days of at least 1')
          .max(3650, 'must have a window_days of at most 3650'),
      },
      'must be {"enabled": true|false, "window_days": 1-3650}',
    )
    .strict()
    .meta({ description: 'Leads arriving by intake, upsert, batch or import with the phone or email of an open lead last seen within window_days are recorded on it', example: { enabled: true, window_days: 30 } }),
  // Alerts (issue 17): a spend that leaves fewer credits than this records sms.credits_low; 0: never.
  lowCreditsThreshold: z
    .number('must be a number of credits')
    .int('must be a whole number of credits')
    .min(0, 'must be at least 0')
    .max(1_000_000, 'must be at most 1000000'),
});
export type CompanyField = keyof typeof companyFields.shape;

/** How the command line names each field: its option (--tax-rate). */
const optionName = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** The timezone as the database spells it, when both Intl and the database know it; else a 400. */
async function withKnownTimeZone<T extends { timezone?: string }>(db: Db, values: T): Promise<T> {
  if (values.timezone === undefined) return values;
  const timezone = await canonicalTimeZone(db, values.timezone);
  if (!timezone) throw new ValidationError(TIMEZONE_MESSAGE);
  return { ...values, timezone };
}

export type CompanySettings = {
  currency?: string;
  taxRate?: number;
  taxMode?: 'exclusive' | 'inclusive';
  timezone?: string;
  instantReply?: string | null;
  smsPaused?: boolean;
  quietHours?: QuietHours | null;
  followUpsOnSundays?: boolean;
  followUpsOnClosedDates?: boolean;
  reviewUrl?: string | null;
  dedupe?: DedupeSettings;
  lowCreditsThreshold?: number;
};
export type CompanyInput = { name: string; country?: string; smsCredits?: number; twilioNumber?: string | null } & CompanySettings;

export function companyView(row: CompanyRow) {
  return {
    id: row.id,
    name: row.name,
    country: row.country,
    sms_credits: row.smsCredits,
    twilio_number: row.twilioNumber,
    currency: row.currency,
    tax_rate: Number(row.taxRate),
    tax_mode: row.taxMode,
    timezone: row.timezone,
    instant_reply: row.instantReply,
    sms_paused: row.smsPaused,
    quiet_hours: row.quietHours ?? null,
    follow_ups_on_sundays: row.followUpsOnSundays,
    follow_ups_on_closed_dates: row.followUpsOnClosedDates,
    review_url: row.reviewUrl,
    dedupe: row.dedupe,
    low_credits_threshold: row.lowCreditsThreshold,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValidationError(`'${optionName(String(issue.path[0] ?? 'name'))}' ${issue.message}`);
  }
  return result.data;
}

function normalizeTwilioNumber(value: string | null | undefined, country: string): string | null | undefined {
  if (value === undefined || value === null || value === '') return value === '' ? null : value;
  const phone = normalizePhone(value, country);
  if (!phone) throw new ValidationError(`'twilio-number' is not a valid phone number: ${value}`);
  return phone;
}

/** The settings present in `values`, as columns (absent ones stay as they are, or take their defaults). */
function settingsOf(values: Partial<z.output<typeof companyFields>>) {
  return {
    ...(values.currency !== undefined && { currency: values.currency }),
    ...(values.taxRate !== undefined && { taxRate: String(values.taxRate) }),
    ...(values.taxMode !== undefined && { taxMode: values.taxMode }),
    ...(values.timezone !== undefined && { timezone: values.timezone }),
    ...(values.instantReply !== undefined && { instantReply: values.instantReply }),
    ...(values.smsPaused !== undefined && { smsPaused: values.smsPaused }),
    ...(values.quietHours !== undefined && { quietHours: values.quietHours }),
    ...(values.followUpsOnSundays !== undefined && { followUpsOnSundays: values.followUpsOnSundays }),
    ...(values.followUpsOnClosedDates !== undefined && { followUpsOnClosedDates: values.followUpsOnClosedDates }),
    ...(values.reviewUrl !== undefined && { reviewUrl: values.reviewUrl }),
    ...(values.dedupe !== undefined && { dedupe: values.dedupe }),
    ...(values.lowCreditsThreshold !== undefined && { lowCreditsThreshold: values.lowCreditsThreshold }),
  };
}

/** Companies: made and changed by the operator's command line, sign-up and the dashboard's settings. */
export function createCompanies(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  const now = () => new Date(clock.now());

  async function create(input: CompanyInput) {
    const values = await withKnownTimeZone(db, parse(companyFields.partial().required({ name: true }), input));
    const country = values.country ?? 'AU';
    try {
      const at = now();
      const row = await insertCompany(db, {
        ...settingsOf(values),
        createdAt: at,
        updatedAt: at,
        name: values.name,
        country,
        smsCredits: values.smsCredits ?? 0,
        twilioNumber: normalizeTwilioNumber(values.twilioNumber, country) ?? null,
      });
      return companyView(row);
    } catch (err) {
      if (uniqueViolation(err)) throw new ConflictError('That Twilio number already belongs to another company');
      throw err;
    }
  }

  async function change(companyId: string, input: Partial<CompanyInput>) {
    const values = await withKnownTimeZone(db, parse(companyFields.partial(), input));
    const current = isUuid(companyId) ? await findCompany(db, companyId) : undefined;
    if (!current) throw new NotFoundError(`Company not found: ${companyId}`);
    const country = values.country ?? current.country;
    try {
      const twilioNumber = values.twilioNumber === undefined ? undefined : normalizeTwilioNumber(values.twilioNumber, country);
      const row = await db.transaction(async (tx) => {
        const updated = await updateCompany(tx, companyId, {
          updatedAt: now(),
          ...(values.name !== undefined && { name: values.name }),
          ...(values.country !== undefined && { country }),
          ...(values.smsCredits !== undefined && { smsCredits: values.smsCredits }),
          ...(twilioNumber !== undefined && { twilioNumber }),
          ...settingsOf(values),
        });
        // Cached tokens carry the company's country, which reads national phone numbers.
        if (updated && values.country !== undefined) await notifyAuthChange(tx, `company:${companyId}`);
        return updated;
      });
      if (!row) throw new NotFoundError(`Company not found: ${companyId}`);
      if (values.country !== undefined) dropCachedTokens(db, `company:${companyId}`);
      return companyView(row);
    } catch (err) {
      if (uniqueViolation(err)) throw new ConflictError('That Twilio number already belongs to another company');
      throw err;
    }
  }

  async function get(companyId: string) {
    const row = isUuid(companyId) ? await findCompany(db, companyId) : undefined;
    if (!row) throw new NotFoundError('Company not found');
    return companyView(row);
  }

  return { create, change, get };
}

export type CompaniesService = ReturnType<typeof createCompanies>;
