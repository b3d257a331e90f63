import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getCountries } from 'libphonenumber-js/min';
import { api, fieldErrors, SETTINGS_KEY, useMe, useSettings } from '../api';
import { isManager } from '../components/RequireAuth';
import { Field, FormError } from '../components/forms';
import { useTitle } from '../components/useTitle';
import { companyLocale, formatNumber, formatPhone } from '../components/dates';
import { AlertSettings } from './alerts/AlertSettings';
import type { Settings } from './crm/types';


type FormState = { name: string; country: string; timezone: string; currency: string; tax_percent: string; tax_mode: string; instant_reply: string };

// Rounded through a decimal string: 7.7 / 100 is 0.07700000000000001 in floating point, which the
// server rightly refuses as more than 5 decimals.
const percentOf = (fraction: number) => String(Number((fraction * 100).toFixed(3)));
const fractionOf = (percent: string) => Number((Number(percent) / 100).toFixed(5));

function toForm(s: Settings): FormState {
  return {
    name: s.name,
    country: s.country,
    timezone: s.timezone,
    currency: s.currency,
    tax_percent: percentOf(s.tax_rate),
    tax_mode: s.tax_mode,
    instant_reply: s.instant_reply ?? '',
  };
}

// Choices, not free text: every country whose phone numbers can be read (the server reads national
// numbers in it), every currency Intl knows (as the server checks), the zones the server accepts.
type Choice = { value: string; label: string };
function named(values: string[], type: 'region' | 'currency', current: string): Choice[] {
  let names: Intl.DisplayNames | undefined;
  try {
    names = new Intl.DisplayNames([companyLocale()], { type });
  } catch {
    names = undefined;
  }
  const all = values.includes(current) || !current ? values : [current, ...values];
  return all
    .map((value) => ({ value, label: `${names?.of(value) ?? value} (${value})` }))
    .sort((a, b) => a.label.localeCompare(b.label));
}
const supportedCurrencies = () => {
  try {
    return Intl.supportedValuesOf('currency');
  } catch {
    return ['AUD', 'NZD', 'GBP', 'EUR', 'USD', 'CAD', 'ZAR', 'SGD'];
  }
};

export default function SettingsPage() {
  useTitle('Settings');
  const { me } = useMe();
  const canEdit = isManager(me?.user.role);
  const queryClient = useQueryClient();
  const settings = useSettings();
  const [form, setForm] = useState<FormState | null>(null);
  const [saved, setSaved] = useState(false);
  const zones = useQuery({ queryKey: ['time-zones'], queryFn: () => api<{ data: string[] }>('/app/api/time-zones'), staleTime: Infinity });
  const countries = useMemo(() => named(getCountries(), 'region', form?.country ?? ''), [form?.country]);
  const currencies = useMemo(() => named(supportedCurrencies(), 'currency', form?.currency ?? ''), [form?.currency]);
  const timezones = useMemo(() => {
    const all = zones.data?.data ?? [];
    return form && !all.includes(form.timezone) ? [form.timezone, ...all] : all;
  }, [zones.data, form]);

  useEffect(() => {
    if (settings.data && !form) setForm(toForm(settings.data));
  }, [settings.data, form]);

  const save = useMutation({
    mutationFn: (f: FormState) =>
      api<Settings>('/app/api/settings', {
        method: 'PATCH',
        body: {
          name: f.name,
          country: f.country.trim().toUpperCase(),
          timezone: f.timezone.trim(),
          currency: f.currency.trim().toUpperCase(),
          tax_rate: fractionOf(f.tax_percent),
          tax_mode: f.tax_mode,
          instant_reply: f.instant_reply.trim() === '' ? null : f.instant_reply,
        },
      }),
    onSuccess: (s) => {
      queryClient.setQueryData(SETTINGS_KEY, s);
      queryClient.invalidateQueries({ queryKey: ['me'] });
      setForm(toForm(s));
      setSaved(true);
    },
  });

  // Its own request, not part of the form: pausing is a switch to flip at once, without saving
  // (or undoing) other edits in progress. The box shows the choice while the server takes it.
  const [pausing, setPausing] = useState<boolean | null>(null);
  const pause = useMutation({
    mutationFn: (sms_paused: boolean) => api<Settings>('/app/api/settings', { method: 'PATCH', body: { sms_paused } }),
    onSuccess: (s) => queryClient.setQueryData(SETTINGS_KEY, s),
    onSettled: () => setPausing(null),
  });

  const set = (key: keyof FormState) => (e: { target: { value: string } }) => {
    setSaved(false);
    setForm((f) => (f ? { ...f, [key]: e.target.value } : f));
  };

  function submit(e: FormEvent) {
    e.preventDefault();
    if (form) save.mutate(form);
  }

  const errors = fieldErrors(save.error);
  const s = settings.data;
  return (
    <>
      <h1>Settings</h1>
      <FormError error={settings.error} />
      {settings.isLoading && <p role="status">Loading…</p>}
      {s && form && (
        <>
          <section className="card">
            <h2 id="company-title">Company</h2>
            {!canEdit && (
              <p className="alert alert-info">Only owners and admins can change the settings. You can see them here.</p>
            )}
            <form className="form" onSubmit={submit} noValidate>
              <FormError error={save.error} />
              <fieldset disabled={!canEdit || save.isPending} style={{ border: 'none', padding: 0, display: 'grid', gap: '1rem' }}>
                <legend className="visually-hidden">Company settings</legend>
                <Field label="Company name" required value={form.name} onChange={set('name')} error={errors.name} />
                <div className="form-row">
                  <ChoiceField
                    id="country"
                    label="Country"
                    value={form.country}
                    onChange={set('country')}
                    choices={countries}
                    error={errors.country}
                    hint="National phone numbers are read, and dates and numbers written, as in this country."
                  />
                  <ChoiceField
                    id="currency"
                    label="Currency"
                    value={form.currency}
                    onChange={set('currency')}
                    choices={currencies}
                    error={errors.currency}
                    hint="Of new quotes and the price book."
                  />
                </div>
                <ChoiceField
                  id="timezone"
                  label="Timezone"
                  value={form.timezone}
                  onChange={set('timezone')}
                  choices={timezones.map((z) => ({ value: z, label: z.replace(/_/g, ' ') }))}
                  error={errors.timezone ?? (zones.error ? 'The list of timezones could not be loaded.' : undefined)}
                  hint="Every time in the dashboard is in this timezone; quotes expire at the end of their last day in it."
                />
                <div className="form-row">
                  <Field
                    label="Tax rate (%)"
                    type="number"
                    min={0}
                    max={100}
                    step="any"
                    inputMode="decimal"
                    value={form.tax_percent}
                    onChange={set('tax_percent')}
                    error={errors.tax_rate}
                    hint="The default for new quotes, e.g. 10 for GST."
                  />
                  <div className="field">
                    <label htmlFor="tax-mode">Tax mode</label>
                    <select id="tax-mode" value={form.tax_mode} onChange={set('tax_mode')} aria-invalid={errors.tax_mode ? true : undefined}>
                      <option value="exclusive">Exclusive: tax added to prices</option>
                      <option value="inclusive">Inclusive: prices include tax</option>
                    </select>
                    {errors.tax_mode && <p className="field-error">{errors.tax_mode}</p>}
                  </div>
                </div>
                <div className="field">
                  <label htmlFor="instant-reply">Instant reply text</label>
                  <textarea
                    id="instant-reply"
                    value={form.instant_reply}
                    onChange={set('instant_reply')}
                    aria-describedby="instant-reply-hint"
                    aria-invalid={errors.instant_reply ? true : undefined}
                  />
                  <span className="hint" id="instant-reply-hint">
                    Texted to a new lead as soon as it arrives. Leave empty for none.
                  </span>
                  {errors.instant_reply && <p className="field-error">{errors.instant_reply}</p>}
                </div>
              </fieldset>
              {canEdit && (
                <div className="actions">
                  <button type="submit" className="btn btn-primary" disabled={save.isPending}>
                    {save.isPending ? 'Saving…' : 'Save settings'}
                  </button>
                  <span role="status">{saved ? 'Settings saved.' : ''}</span>
                </div>
              )}
            </form>
          </section>

          <section className="card">
            <h2 id="sms-title">SMS</h2>
            <FormError error={pause.error} />
            <div className="check">
              <input
                id="sms-paused"
                type="checkbox"
                checked={pausing ?? s.sms_paused}
                disabled={!canEdit || pause.isPending}
                aria-describedby="sms-paused-hint"
                onChange={(e) => {
                  setPausing(e.target.checked);
                  pause.mutate(e.target.checked);
                }}
              />
              <div>
                <label htmlFor="sms-paused">
                  <strong>Pause SMS</strong>
                </label>
                <span className="check-desc" id="sms-paused-hint">
                  While on, no text goes out to anyone: instant replies, follow-ups, quotes and messages are refused.
                  {!canEdit && ' Only owners and admins can change it.'}
                </span>
              </div>
            </div>
            <p role="status" className="small">
              {pause.isSuccess ? (s.sms_paused ? 'SMS paused.' : 'SMS back on.') : ''}
            </p>
            <dl className="dl">
              <dt>Texts come from</dt>
              <dd data-testid="twilio-number">{s.twilio_number ? formatPhone(s.twilio_number) : 'No number yet'}</dd>
              <dt>SMS credits</dt>
              <dd data-testid="sms-credits">{formatNumber(s.sms_credits)}</dd>
            </dl>
            <p className="small" style={{ marginTop: '0.75rem' }} data-testid="sms-state">
              {!s.twilio_number
                ? 'No texts can be sent or received until your company has an SMS number. Your QuoteLeads provider sets it up.'
                : s.sms_credits <= 0
                  ? 'Texts are refused until credits are added. Your QuoteLeads provider adds them.'
                  : `Each SMS segment (up to 160 plain characters) costs one credit: about ${formatNumber(s.sms_credits)} more short texts.`}
            </p>
            <details className="small" style={{ marginTop: '0.5rem' }}>
              <summary>For the operator of this QuoteLeads server</summary>
              <p className="muted">
                The number and the credits are set on the server, for this company (id <code>{me?.company.id}</code>):
              </p>
              <pre className="snippet">
                <code>{`quoteleads company update ${me?.company.id ?? '<company-id>'} --twilio-number +61… --sms-credits 500`}</code>
              </pre>
            </details>
          </section>

          <AlertSettings />
        </>
      )}
    </>
  );
}

function ChoiceField(props: {
  id: string;
  label: string;
  value: string;
  onChange(e: { target: { value: string } }): void;
  choices: Choice[];
  error?: string;
  hint?: string;
}) {
  const { id, label, value, onChange, choices, error, hint } = props;
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={onChange} aria-invalid={error ? true : undefined} aria-describedby={described}>
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
