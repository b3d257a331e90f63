import { z } from 'zod';
import { timestamp } from '../../http/schema-fields.js';
import { companyFields, type CompanyInput } from './companies.service.js';

// The company's own settings as the API and the dashboard spell them: one body for PATCH /v1/company
// and PATCH /app/api/settings, built from the service's field rules (companies.service.ts). The
// operator sets the Twilio number and the credit balance (`quoteleads company update`), so they are
// read-only here.
const f = companyFields.shape;
export const companySettingsBody = z
  .object({
    name: f.name,
    country: f.country.meta({ description: 'ISO 3166 alpha-2: the country national phone numbers are read in' }),
    timezone: f.timezone.meta({ description: 'IANA zone: quote validity, business and quiet hours', example: 'Australia/Sydney' }),
    currency: f.currency.meta({ description: 'ISO 4217', example: 'AUD' }),
    tax_rate: f.taxRate.meta({ description: 'A fraction (0.1 for 10%): the default of new quotes' }),
    tax_mode: f.taxMode.meta({ description: 'exclusive (tax added) or inclusive (tax inside the prices, price book included)' }),
    instant_reply: f.instantReply.meta({ description: 'The text a new lead gets at once ({first_name}, {company}); empty or null: off' }),
    // Stops every outbound text at once (agent, follow-ups, the API) until it is switched back.
    sms_paused: f.smsPaused.meta({ description: 'true stops every outbound text of the company until set back to false' }),
    quiet_hours: f.quietHours,
    follow_ups_on_sundays: f.followUpsOnSundays.meta({ description: 'true: follow-up steps may go out on Sundays (default false: they wait for Monday)' }),
    follow_ups_on_closed_dates: f.followUpsOnClosedDates.meta({ description: "true: follow-up steps may go out on the agent's closed_dates (default false)" }),
    review_url: f.reviewUrl.meta({ description: 'The link a review request sends ({review_link}); empty or null: none', example: 'https://g.page/r/example/review' }),
    dedupe: f.dedupe,
    low_credits_threshold: f.lowCreditsThreshold.meta({ description: 'A text that leaves fewer credits than this records sms.credits_low (an alert to the team); 0: never', example: 50 }),
  })
  .partial();
export type CompanySettingsBody = z.output<typeof companySettingsBody>;

/** The body as the service takes it. */
export const settingsInput = (b: CompanySettingsBody): Partial<CompanyInput> => ({
  name: b.name,
  country: b.country,
  timezone: b.timezone,
  currency: b.currency,
  taxRate: b.tax_rate,
  taxMode: b.tax_mode,
  instantReply: b.instant_reply,
  smsPaused: b.sms_paused,
  quietHours: b.quiet_hours,
  followUpsOnSundays: b.follow_ups_on_sundays,
  followUpsOnClosedDates: b.follow_ups_on_closed_dates,
  reviewUrl: b.review_url,
  dedupe: b.dedupe,
  lowCreditsThreshold: b.low_credits_threshold,
});

export const company = z
  .object({
    id: z.uuid(),
    name: z.string(),
    country: z.string().meta({ example: 'AU' }),
    sms_credits: z.number().int().meta({ description: 'SMS segments left (set by the operator)' }),
    twilio_number: z.string().nullable().meta({ description: "The company's sending number (set by the operator)" }),
    currency: z.string().meta({ example: 'AUD' }),
    tax_rate: z.number(),
    tax_mode: z.enum(['exclusive', 'inclusive']),
    timezone: z.string(),
    instant_reply: z.string().nullable(),
    sms_paused: z.boolean(),
    quiet_hours: z.object({ start: z.string(), end: z.string() }).nullable(),
    follow_ups_on_sundays: z.boolean(),
    follow_ups_on_closed_dates: z.boolean(),
    review_url: z.string().nullable(),
    dedupe: z.object({ enabled: z.boolean(), window_days: z.number().int() }),
    low_credits_threshold: z.number().int(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Company' });
