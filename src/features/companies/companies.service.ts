import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { normalizePhone } from '../../lib/phone.js';
import { uniqueViolation } from '../../db/errors.js';
import { findCompany, insertCompany, updateCompany, type CompanyRow } from './companies.repo.js';
import { notifyAuthChange } from '../tokens/tokens.repo.js';
import { dropCachedTokens } from '../tokens/token-cache.js';
import { canonicalTimeZone } from './time-zones.js';

const TIMEZONE_MESSAGE = "'timezone' must be an IANA time zone, e.g. Australia/Sydney";

const companyFields = z.object({
  name: z.string().trim().min(1, "'name' must not be empty").max(500, "'name' must be at most 500 characters"),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, "'country' must be a two-letter ISO 3166 code, e.g. AU")
    .transform((c) => c.toUpperCase()),
  smsCredits: z.number().int("'sms-credits' must be a whole number").min(0, "'sms-credits' must not be negative"),
  twilioNumber: z.string().nullable(),
  currency: z
    .string()
    .transform((c) => c.toUpperCase())
    .refine((c) => CURRENCIES.has(c), "'currency' must be an ISO 4217 code, e.g. AUD"),
  taxRate: z
    .number("'tax-rate' must be a number")
    .min(0, "'tax-rate' must not be negative")
    .max(1, "'tax-rate' is a fraction: 0.1 for 10%"),
  taxMode: z.enum(['exclusive', 'inclusive'], "'tax-mode' must be exclusive or inclusive"),
  // Checked against the database too, by withKnownTimeZone (time-zones.ts).
  timezone: z.string().max(100, TIMEZONE_MESSAGE),
  // '' turns the instant reply off.
  instantReply: z
    .string()
    .max(1600, "'instant-reply' must be at most 1600 characters")
    .transform((t) => (t.trim() === '' ? null : t)),
  smsPaused: z.boolean("'sms-paused' must be true or false"),
});

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
  instantReply?: string;
  smsPaused?: boolean;
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
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(result.error.issues[0].message);
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
  };
}

export async function createCompany(db: Db, input: CompanyInput) {
  const values = await withKnownTimeZone(db, parse(companyFields.partial().required({ name: true }), input));
  const country = values.country ?? 'AU';
  try {
    const row = await insertCompany(db, {
      ...settingsOf(values),
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

export async function changeCompany(db: Db, companyId: string, input: Partial<CompanyInput>) {
  const values = await withKnownTimeZone(db, parse(companyFields.partial(), input));
  const current = isUuid(companyId) ? await findCompany(db, companyId) : undefined;
  if (!current) throw new NotFoundError(`Company not found: ${companyId}`);
  const country = values.country ?? current.country;
  try {
    const twilioNumber = values.twilioNumber === undefined ? undefined : normalizeTwilioNumber(values.twilioNumber, country);
    const row = await db.transaction(async (tx) => {
      const updated = await updateCompany(tx, companyId, {
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
