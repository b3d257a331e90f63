import { z } from 'zod';
import { timestamp } from '../../http/schema-fields.js';
import { CAPTCHA_PROVIDERS } from '../../db/schema/index.js';

/**
 * The lead fields a form's field may be mapped to (field_mapping): what a stranger may tell us, never
 * an external_id (that matches the integration's own record, whose fields it would replace).
 */
export const MAPPABLE_FIELDS = ['name', 'first_name', 'last_name', 'email', 'phone', 'notes', 'postcode', 'address', 'service_type'] as const;

const origin = z
  .string()
  .trim()
  .transform((s, ctx) => {
    try {
      const url = new URL(s);
      if ((url.protocol === 'https:' || url.protocol === 'http:') && (url.pathname === '/' || url.pathname === '') && !url.search) return url.origin;
    } catch {
      // refused below
    }
    ctx.addIssue({ code: 'custom', message: `must be origins like https://www.example.com (scheme, host and port only): ${s}` });
    return z.NEVER;
  });

const httpUrl = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .refine((s) => /^https?:\/\/[^\s]+$/.test(s), 'must be an http(s) URL');

const captchaInput = z
  .object({
    provider: z.enum(CAPTCHA_PROVIDERS),
    site_key: z.string().trim().min(1).max(200),
    secret: z.string().trim().min(1).max(500).meta({ description: 'The secret key of the captcha: stored sealed, never shown again' }),
  })
  .nullable()
  .meta({ description: 'Cloudflare Turnstile or hCaptcha, checked server-side on every post; null: none' });

const formFields = {
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  source: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').meta({ description: 'Stamped on the leads of this form (default: web_form)' }),
  allowed_origins: z
    .array(origin)
    .max(20, 'must hold at most 20 origins')
    .meta({ description: 'The sites whose pages may post to this form (CORS, and the Origin or Referer of every post)', example: ['https://www.example-roofing.com.au'] }),
  allow_no_origin: z.boolean().meta({ description: 'Accept a post that carries neither Origin nor Referer (default false)' }),
  thank_you_url: httpUrl.nullable().meta({ description: 'Where a browser is sent (303) after a post; null: a plain thank-you page' }),
  field_mapping: z
    .record(z.string().max(100), z.enum(MAPPABLE_FIELDS))
    .refine((m) => Object.keys(m).length <= 50, 'must map at most 50 fields')
    .meta({ description: 'A posted field name → the lead field it fills, for forms whose fields are named otherwise', example: { 'your-email': 'email', tel: 'phone' } }),
  captcha: captchaInput,
  texts_per_hour: z
    .number()
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .max(10_000, 'must be at most 10000')
    .meta({ description: "Automatic texts (instant reply, agent greeting) to this form's new leads per clock hour; later leads wait for a person (auto_text_held: form_cap). Default 30" }),
  min_fill_seconds: z
    .number()
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .max(600, 'must be at most 600')
    .meta({ description: 'A post sooner than this after the page loaded (the snippet sends _ql_started) is refused; 0: no check. Default 3' }),
  enabled: z.boolean().meta({ description: 'false: posts are refused (404) until enabled again' }),
};

export const createFormBody = z.object(formFields).partial().required({ name: true });
export type CreateFormInput = z.output<typeof createFormBody>;
export const updateFormBody = z
  .object({ ...formFields, rotate_key: z.literal(true).meta({ description: 'true: a new public key; the old one stops working at once' }) })
  .partial();
export type UpdateFormInput = z.output<typeof updateFormBody>;

export const intakeForm = z
  .object({
    id: z.uuid(),
    name: z.string(),
    public_key: z.string().meta({ description: 'Safe to put in a page: it can only post leads to this form' }),
    post_url: z.string().meta({ description: 'Where the form posts: the action of the snippet' }),
    source: z.string(),
    allowed_origins: z.array(z.string()),
    allow_no_origin: z.boolean(),
    thank_you_url: z.string().nullable(),
    field_mapping: z.record(z.string(), z.string()),
    captcha: z.object({ provider: z.enum(CAPTCHA_PROVIDERS), site_key: z.string() }).nullable(),
    texts_per_hour: z.number().int(),
    min_fill_seconds: z.number().int(),
    enabled: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'IntakeForm' });
export type IntakeForm = z.infer<typeof intakeForm>;

export const formIdParams = z.object({ id: z.string() });
export const publicKeyParams = z.object({ key: z.string() });
