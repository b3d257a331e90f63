import type { Db } from '../../db/client.js';
import type { Actor } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { ForbiddenError, NotFoundError, RateLimitedError, ValidationError } from '../../lib/errors.js';
import type { RateLimiter } from '../../lib/rate-limiter.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { ATTRIBUTION_KEYS, upsertLeadBody, type Attribution } from '../leads/leads.schemas.js';
import type { LeadUpserts } from '../leads/lead-upsert.service.js';
import { fieldOfHeader } from '../leads/leads-import.js';
import { CAPTCHA_FIELDS, type CaptchaVerifier } from './captcha.js';
import { findFormByPublicKey, takeFormText, type FormRow } from './intake-forms.repo.js';
import { captchaContext } from './intake-forms.service.js';

/** A post to a form as the route received it: flat fields, and what the request says about itself. */
export type IntakePost = { fields: Record<string, string>; origin?: string; referer?: string; ip: string };
export type IntakeAccepted = { form: FormRow };
export type FoundForm = NonNullable<Awaited<ReturnType<typeof findFormByPublicKey>>>;

// The snippet's own fields: a honeypot a person never sees, and when the page was loaded.
export const HONEYPOT_FIELD = '_ql_hp';
export const STARTED_FIELD = '_ql_started';

// Posted names read as lead fields without a mapping, as the CSV import reads its headers (without case,
// spaces or punctuation: "First Name", "E-mail"), but only the fields a stranger's post may give: never
// the stage, value, source or external id (an external id matches the integration's record, whose
// fields it would replace).
const FORM_FIELDS = new Set<string>(['name', 'first_name', 'last_name', 'email', 'phone', 'postcode', 'service_type', 'notes', 'address']);
function formFieldOf(name: string): string | undefined {
  const plain = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (plain === 'message') return 'notes';
  if (plain === 'suburb') return 'suburb';
  const field = fieldOfHeader(name);
  return field && FORM_FIELDS.has(field) ? field : undefined;
}
const ATTRIBUTION = new Set<string>(ATTRIBUTION_KEYS);
const FROM_LANDING_PAGE = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'gclid', 'fbclid'] as const;
const MAX_CUSTOM_FIELDS = 50;

const originOf = (url: string | undefined) => {
  if (!url) return undefined;
  try {
    const o = new URL(url).origin;
    return o === 'null' ? undefined : o;
  } catch {
    return undefined;
  }
};

/** The post's fields as a lead, its attribution, and which posted name each lead field came from. */
function leadOf(form: FormRow, fields: Record<string, string>, referer: string | undefined) {
  const lead: Record<string, unknown> = { source: form.source };
  const custom: Record<string, string> = {};
  const attribution: Attribution = {};
  const postedAs: Record<string, string> = {};
  let suburb: string | undefined;
  for (const [name, raw] of Object.entries(fields)) {
    const value = raw.trim();
    if (name.startsWith('_ql_') || name === CAPTCHA_FIELDS.turnstile || name === CAPTCHA_FIELDS.hcaptcha || value === '') continue;
    const target = form.fieldMapping[name] ?? formFieldOf(name);
    if (ATTRIBUTION.has(name)) attribution[name as keyof Attribution] = value;
    else if (target === 'suburb') suburb = value;
    else if (target) {
      lead[target] = value;
      postedAs[target] = name;
    } else if (Object.keys(custom).length < MAX_CUSTOM_FIELDS) custom[name] = value;
    else throw new ValidationError(`The form sent more than ${MAX_CUSTOM_FIELDS} fields of its own`, [{ field: name, message: 'too many fields' }]);
  }
  if (suburb) {
    if (lead.address === undefined) lead.address = suburb;
    else custom.suburb = suburb;
  }
  // The page the form was on is the landing page; its query string carries the campaign's tags.
  attribution.landing_page ??= referer;
  if (attribution.landing_page) {
    try {
      const params = new URL(attribution.landing_page).searchParams;
      for (const k of FROM_LANDING_PAGE) attribution[k] ??= params.get(k) ?? undefined;
    } catch {
      // not a URL: kept as sent
    }
  }
  for (const k of Object.keys(attribution) as (keyof Attribution)[]) if (attribution[k] === undefined) delete attribution[k];
  if (Object.keys(custom).length) lead.custom_data = custom;
  if (Object.keys(attribution).length) lead.attribution = attribution;
  return { lead, postedAs };
}

/**
 * The public intake endpoint's rules (issue 16): the form by its key, where the post comes from,
 * its address's limit, the honeypot and fill time, the captcha, then the lead as one arrival through
 * the one upsert path, its automatic text counted against the form's hour.
 */
export function createIntake(deps: { db: Db; clock: Clock; secrets: SecretBox; upserts: LeadUpserts; perAddress: RateLimiter; verifyCaptcha: CaptchaVerifier }) {
  const { db, clock, secrets, upserts, perAddress, verifyCaptcha } = deps;

  /** The form of a key, if it takes posts; what CORS and the post share. */
  async function formOf(key: string): Promise<FoundForm> {
    const found = /^qlf_[0-9A-Za-z]{24}$/.test(key) ? await findFormByPublicKey(db, key) : undefined;
    if (!found || !found.form.enabled) throw new NotFoundError('Intake form not found');
    return found;
  }

  /** Whether `origin` may post to the form (CORS answers with it only then). */
  const allows = (form: FormRow, origin: string | undefined) => origin !== undefined && form.allowedOrigins.includes(origin);

  /** A post to `found` (formOf its key: the route reads the form once, for CORS and the post). */
  async function submit(found: FoundForm, post: IntakePost): Promise<IntakeAccepted> {
    const { form, country, dedupe } = found;
    const from = originOf(post.origin) ?? originOf(post.referer);
    if (from === undefined) {
      if (!form.allowNoOrigin) throw new ForbiddenError('This form takes posts only from its own sites, and the post said neither Origin nor Referer');
    } else if (!allows(form, from)) throw new ForbiddenError(`${from} may not post to this form`);

    const slot = await perAddress.check(`${form.id}:${post.ip}`);
    if (!slot.allowed) {
      const seconds = Math.max(1, Math.ceil(slot.resetMs / 1000));
      throw new RateLimitedError(`Too many posts from this address; try again in ${seconds} seconds`, { 'Retry-After': String(seconds) });
    }
    // A robot fills every field: answered as a success, so it learns nothing, and nothing is stored.
    if (post.fields[HONEYPOT_FIELD]?.trim()) return { form };
    const started = Number(post.fields[STARTED_FIELD]);
    if (form.minFillSeconds > 0 && Number.isFinite(started) && started > 0 && clock.now() - started < form.minFillSeconds * 1000) {
      throw new ValidationError('The form was sent too quickly: wait a moment and send it again', [{ field: STARTED_FIELD, message: 'sent too quickly' }]);
    }

    let unverified = false;
    if (form.captchaProvider && form.captchaSiteKey && form.captchaSecretCiphertext) {
      const token = post.fields[CAPTCHA_FIELDS[form.captchaProvider]]?.trim();
      if (!token) throw new ValidationError('Please complete the captcha', [{ field: 'captcha', message: 'is required' }]);
      const secret = secrets.open(form.captchaSecretCiphertext, captchaContext(form.id));
      const verdict = await verifyCaptcha({ provider: form.captchaProvider, secret, siteKey: form.captchaSiteKey, token, remoteIp: post.ip });
      if (verdict === 'failed') throw new ValidationError('The captcha was not accepted: please try again', [{ field: 'captcha', message: 'not accepted' }]);
      unverified = verdict === 'unreachable';
    }

    const { lead, postedAs } = leadOf(form, post.fields, post.referer);
    const parsed = upsertLeadBody.safeParse(lead);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue.path[0] ?? 'name');
      const named = postedAs[field] ?? field;
      throw new ValidationError(`'${named}' ${issue.message}`, [{ field: named, message: issue.message }]);
    }
    const raw = Object.fromEntries(Object.entries(post.fields).filter(([k]) => !k.startsWith('_ql_') && k !== CAPTCHA_FIELDS.turnstile && k !== CAPTCHA_FIELDS.hcaptcha));
    const actor: Actor = { type: 'intake', id: form.id, name: form.name };
    const hour = new Date(Math.floor(clock.now() / 3_600_000) * 3_600_000);
    const [outcome] = await db.transaction((tx) =>
      upserts.recordArrivals(tx, { companyId: form.companyId, country }, [{ input: parsed.data, raw }], actor, 'intake', {
        dedupe,
        formId: form.id,
        async beforeCreate(rows) {
          for (const row of rows) {
            if (!row.phone) continue;
            if (unverified) row.autoTextHeld = 'unverified';
            else if (!(await takeFormText(tx, form.id, hour, form.textsPerHour))) row.autoTextHeld = 'form_cap';
          }
        },
      }),
    );
    if (!outcome.ok) {
      const named = outcome.field ? (postedAs[outcome.field] ?? outcome.field) : null;
      const message = named && outcome.field && named !== outcome.field ? outcome.error.replace(`'${outcome.field}'`, `'${named}'`) : outcome.error;
      throw new ValidationError(message, named ? [{ field: named, message }] : undefined);
    }
    return { form };
  }

  return { formOf, allows, submit };
}

export type Intake = ReturnType<typeof createIntake>;
