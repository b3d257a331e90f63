// The settings of a lead form as the create and edit forms both show them, and the request body they make.
import { Field } from '../../components/forms';
import type { CreateFormInput, IntakeForm, UpdateFormInput } from './intakeTypes';

type Provider = NonNullable<IntakeForm['captcha']>['provider'];

/** The fields as typed: text, so a half-typed number or a blank line is the user's until they save. */
export type FormDraft = {
  name: string;
  allowed_origins: string;
  thank_you_url: string;
  source: string;
  texts_per_hour: string;
  min_fill_seconds: string;
  allow_no_origin: boolean;
  captcha_provider: Provider | '';
  captcha_site_key: string;
  captcha_secret: string;
};

// The server's defaults (intake.schemas.ts), shown so the user sees what they get.
export const NEW_FORM: FormDraft = {
  name: '',
  allowed_origins: '',
  thank_you_url: '',
  source: 'web_form',
  texts_per_hour: '30',
  min_fill_seconds: '3',
  allow_no_origin: false,
  captcha_provider: '',
  captcha_site_key: '',
  captcha_secret: '',
};

export function draftOf(form: IntakeForm): FormDraft {
  return {
    name: form.name,
    allowed_origins: form.allowed_origins.join('\n'),
    thank_you_url: form.thank_you_url ?? '',
    source: form.source,
    texts_per_hour: String(form.texts_per_hour),
    min_fill_seconds: String(form.min_fill_seconds),
    allow_no_origin: form.allow_no_origin,
    captcha_provider: form.captcha?.provider ?? '',
    captcha_site_key: form.captcha?.site_key ?? '',
    captcha_secret: '',
  };
}

// Blank means "the default" on create and "unchanged" on edit; anything else goes to the server to judge.
const text = (s: string) => (s.trim() === '' ? undefined : s.trim());
const count = (s: string) => (s.trim() === '' ? undefined : Number(s));

/** The captcha part of the body: left out when nothing changed, since the secret is never shown back. */
function captchaOf(d: FormDraft, before: IntakeForm | undefined): UpdateFormInput['captcha'] {
  if (d.captcha_provider === '') return before?.captcha ? null : undefined;
  const unchanged = before?.captcha?.provider === d.captcha_provider && before.captcha.site_key === d.captcha_site_key.trim();
  if (unchanged && d.captcha_secret.trim() === '') return undefined;
  return { provider: d.captcha_provider, site_key: d.captcha_site_key, secret: d.captcha_secret };
}

/**
 * What the captcha part lacks, said before sending: the server would only answer "'captcha' must not
 * be empty", not which of its two keys is missing.
 */
export function captchaProblem(d: FormDraft, before?: IntakeForm): string | undefined {
  if (d.captcha_provider === '') return undefined;
  if (d.captcha_site_key.trim() === '') return 'Enter the site key of the captcha';
  if (captchaOf(d, before) !== undefined && d.captcha_secret.trim() === '') return 'Enter the secret key of the captcha';
  return undefined;
}

export function bodyOf(d: FormDraft, before?: IntakeForm): CreateFormInput & UpdateFormInput {
  return {
    name: d.name,
    allowed_origins: d.allowed_origins.split('\n').map((s) => s.trim()).filter(Boolean),
    thank_you_url: text(d.thank_you_url) ?? null,
    source: text(d.source),
    texts_per_hour: count(d.texts_per_hour),
    min_fill_seconds: count(d.min_fill_seconds),
    allow_no_origin: d.allow_no_origin,
    captcha: captchaOf(d, before),
  };
}

type Props = {
  idPrefix: string;
  draft: FormDraft;
  onChange: (draft: FormDraft) => void;
  errors: Record<string, string>;
  /** The saved form when editing: its captcha's secret is kept unless a new one is typed. */
  saved?: IntakeForm;
};

export default function IntakeFormFields({ idPrefix, draft, onChange, errors, saved }: Props) {
  const set = <K extends keyof FormDraft>(key: K, value: FormDraft[K]) => onChange({ ...draft, [key]: value });
  const id = (name: string) => `${idPrefix}-${name}`;
  const hadCaptcha = Boolean(saved?.captcha && saved.captcha.provider === draft.captcha_provider);
  return (
    <>
      <Field
        id={id('name')}
        label="Name"
        required
        maxLength={200}
        value={draft.name}
        onChange={(e) => set('name', e.target.value)}
        error={errors.name}
        hint="For you, e.g. “Quote request on the home page”."
      />
      <div className="field">
        <label htmlFor={id('origins')}>Allowed sites</label>
        <textarea
          id={id('origins')}
          rows={3}
          value={draft.allowed_origins}
          placeholder="https://www.example.com"
          spellCheck={false}
          aria-describedby={[id('origins-hint'), errors.allowed_origins ? id('origins-error') : ''].filter(Boolean).join(' ')}
          aria-invalid={errors.allowed_origins ? true : undefined}
          onChange={(e) => set('allowed_origins', e.target.value)}
        />
        <span className="hint" id={id('origins-hint')}>
          One per line: the sites whose pages hold the form, as scheme and host (and port, if any). Posts from any other
          site are refused.
        </span>
        {errors.allowed_origins && (
          <p className="field-error" id={id('origins-error')}>
            {errors.allowed_origins}
          </p>
        )}
      </div>
      <Field
        id={id('thank-you')}
        label="Thank-you page (optional)"
        type="url"
        placeholder="https://www.example.com/thank-you"
        value={draft.thank_you_url}
        onChange={(e) => set('thank_you_url', e.target.value)}
        error={errors.thank_you_url}
        hint="Where the visitor goes after sending the form. Leave empty for a plain thank-you page."
      />
      <Field
        id={id('source')}
        label="Source"
        maxLength={200}
        value={draft.source}
        onChange={(e) => set('source', e.target.value)}
        error={errors.source}
        hint="Stamped on this form's leads, so you can tell where they came from."
      />
      <div className="form-row">
        <Field
          id={id('texts')}
          label="Texts per hour"
          type="number"
          inputMode="numeric"
          min={0}
          max={10000}
          value={draft.texts_per_hour}
          onChange={(e) => set('texts_per_hour', e.target.value)}
          error={errors.texts_per_hour}
          hint="Automatic texts to this form's new leads in one hour; later leads wait for a person."
        />
        <Field
          id={id('fill')}
          label="Minimum fill time (seconds)"
          type="number"
          inputMode="numeric"
          min={0}
          max={600}
          value={draft.min_fill_seconds}
          onChange={(e) => set('min_fill_seconds', e.target.value)}
          error={errors.min_fill_seconds}
          hint="Posts sent sooner after the page loaded are refused (the snippet’s script sends the load time). 0: no check."
        />
      </div>
      <div className="field">
        <label className="check" htmlFor={id('no-origin')}>
          <input
            id={id('no-origin')}
            type="checkbox"
            checked={draft.allow_no_origin}
            aria-describedby={id('no-origin-hint')}
            onChange={(e) => set('allow_no_origin', e.target.checked)}
          />
          <span>Accept posts that do not say which site they come from</span>
        </label>
        <span className="hint" id={id('no-origin-hint')}>
          Some privacy tools remove that from the request. Leave this off unless your visitors’ posts are refused for it.
        </span>
        {errors.allow_no_origin && <p className="field-error">{errors.allow_no_origin}</p>}
      </div>
      <fieldset aria-describedby={errors.captcha ? id('captcha-error') : undefined}>
        <legend>Captcha (optional)</legend>
        <div className="field">
          <label htmlFor={id('captcha-provider')}>Provider</label>
          <select id={id('captcha-provider')} value={draft.captcha_provider} onChange={(e) => set('captcha_provider', e.target.value as FormDraft['captcha_provider'])}>
            <option value="">None</option>
            <option value="turnstile">Cloudflare Turnstile</option>
            <option value="hcaptcha">hCaptcha</option>
          </select>
        </div>
        {draft.captcha_provider && (
          <>
            <Field
              id={id('site-key')}
              label="Site key"
              maxLength={200}
              spellCheck={false}
              value={draft.captcha_site_key}
              onChange={(e) => set('captcha_site_key', e.target.value)}
            />
            <Field
              id={id('secret')}
              label={hadCaptcha ? 'Secret key (leave empty to keep the saved one)' : 'Secret key'}
              type="password"
              autoComplete="off"
              maxLength={500}
              value={draft.captcha_secret}
              onChange={(e) => set('captcha_secret', e.target.value)}
              hint="Stored sealed and never shown again. To change the site key, enter the secret again."
            />
          </>
        )}
        {errors.captcha && (
          <p className="field-error" id={id('captcha-error')}>
            {errors.captcha}
          </p>
        )}
      </fieldset>
    </>
  );
}
