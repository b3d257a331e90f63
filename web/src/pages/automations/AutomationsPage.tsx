import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, SETTINGS_KEY, useSettings } from '../../api';
import { FormError } from '../../components/forms';
import { useTitle } from '../../components/useTitle';
import { countSegments } from '../../../../src/lib/sms-segments';
import { firstNameOf, MAX_SEGMENTS, renderStep, sampleValues, type TextValues } from '../../../../src/features/follow-ups/follow-up-text';
import './automations.css';

type Kind = 'lead_nurture' | 'quote_chase' | 'appointment_reminder' | 'review_request';
type Step = { offset_minutes: number; text: string; segments: number };
type Sequence = { kind: Kind; enabled: boolean; steps: Step[]; anchor: string; placeholders: string[]; updated_at: string | null };
type FormStep = { amount: string; unit: Unit; text: string };
type Unit = 'minutes' | 'hours' | 'days';

const KEY = ['automations'];
const UNIT_MINUTES: Record<Unit, number> = { minutes: 1, hours: 60, days: 1440 };
const AFTER: Record<Kind, string> = {
  lead_nurture: 'after our last text',
  quote_chase: 'after the quote is sent',
  appointment_reminder: 'before the appointment',
  review_request: 'after the job is won',
};
const NAMES: Record<Kind, { title: string; what: string }> = {
  lead_nurture: { title: 'New lead, no reply', what: 'Texts a lead who has not answered our last text. Stops when they reply, book, or a person takes over.' },
  quote_chase: { title: 'Quote chase', what: 'Chases a sent quote that has no answer yet, with its link. Stops on accept, decline, expiry or a reply.' },
  appointment_reminder: { title: 'Appointment reminders', what: 'Reminds the customer before a booking. They can answer C to confirm or R to ask for another time.' },
  review_request: { title: 'Review request', what: 'Asks a won customer for a review, once, with your review link.' },
};

/** An offset as the form shows it: the largest unit that divides it (reminders count before the appointment). */
function formStep(s: Step): FormStep {
  const minutes = Math.abs(s.offset_minutes);
  const unit: Unit = minutes % 1440 === 0 ? 'days' : minutes % 60 === 0 ? 'hours' : 'minutes';
  return { amount: String(minutes / UNIT_MINUTES[unit]), unit, text: s.text };
}
const offsetOf = (kind: Kind, s: FormStep) => Math.round(Number(s.amount) * UNIT_MINUTES[s.unit]) * (kind === 'appointment_reminder' ? -1 : 1);

/** The follow-up sequences (owners and admins: GET/PATCH /v1/automations needs agent:manage). */
export default function AutomationsPage() {
  useTitle('Automations');
  const sequences = useQuery({ queryKey: KEY, queryFn: () => api<{ data: Sequence[] }>('/v1/automations').then((r) => r.data) });
  const settings = useSettings();
  // A real lead for the preview: the newest.
  const lead = useQuery({
    queryKey: ['leads', 'newest'],
    queryFn: () => api<{ data: { first_name: string | null; name: string | null }[] }>('/v1/leads?per_page=1').then((r) => r.data[0] ?? null),
  });
  const company = settings.data;
  const values: TextValues | undefined = company && {
    ...sampleValues({ name: company.name, reviewUrl: company.review_url }, window.location.origin),
    ...(lead.data && { first_name: firstNameOf({ firstName: lead.data.first_name, name: lead.data.name }) }),
  };
  return (
    <>
      <h1>Automations</h1>
      <p className="muted">
        Follow-ups that run themselves: turn a sequence on once and every lead, quote and appointment is followed up at the right time,
        and stops the moment it should. Steps wait out your quiet hours, Sundays and closed dates.
      </p>
      <FormError error={sequences.error} />
      {sequences.isLoading && <p role="status">Loading…</p>}
      {company && <FollowUpDays company={company} />}
      {values && sequences.data?.map((s) => <SequenceCard key={s.kind} sequence={s} values={values} previewLead={Boolean(lead.data)} />)}
    </>
  );
}

function FollowUpDays({ company }: { company: { follow_ups_on_sundays: boolean; follow_ups_on_closed_dates: boolean; review_url: string | null } }) {
  const queryClient = useQueryClient();
  const [reviewUrl, setReviewUrl] = useState(company.review_url ?? '');
  const [said, setSaid] = useState('');
  const save = useMutation({
    mutationFn: (body: object) => api('/app/api/settings', { method: 'PATCH', body }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: SETTINGS_KEY });
      setSaid('Saved.');
    },
  });
  return (
    <section className="card automations-days" aria-labelledby="follow-up-days-title">
      <h2 id="follow-up-days-title">When follow-ups go out</h2>
      <div className="automation-switch">
        <input
          id="on-sundays"
          type="checkbox"
          checked={company.follow_ups_on_sundays}
          onChange={(e) => save.mutate({ follow_ups_on_sundays: e.target.checked })}
        />
        <label htmlFor="on-sundays">Also on Sundays</label>
      </div>
      <div className="automation-switch">
        <input
          id="on-closed-dates"
          type="checkbox"
          checked={company.follow_ups_on_closed_dates}
          onChange={(e) => save.mutate({ follow_ups_on_closed_dates: e.target.checked })}
        />
        <label htmlFor="on-closed-dates">Also on the agent's closed dates</label>
      </div>
      <form
        className="automation-inline"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ review_url: reviewUrl });
        }}
      >
        <div className="field">
          <label htmlFor="review-url">Review link</label>
          <input id="review-url" type="url" value={reviewUrl} placeholder="https://g.page/r/…/review" onChange={(e) => setReviewUrl(e.target.value)} />
          <span className="hint">What {'{review_link}'} becomes in a review request.</span>
        </div>
        <button type="submit" className="btn" disabled={save.isPending}>
          Save link
        </button>
      </form>
      <FormError error={save.error} />
      <p role="status" className="hint">
        {said}
      </p>
    </section>
  );
}

function SequenceCard({ sequence, values, previewLead }: { sequence: Sequence; values: TextValues; previewLead: boolean }) {
  const queryClient = useQueryClient();
  const { kind } = sequence;
  const [enabled, setEnabled] = useState(sequence.enabled);
  const [steps, setSteps] = useState<FormStep[]>(() => sequence.steps.map(formStep));
  const [said, setSaid] = useState('');
  useEffect(() => {
    setEnabled(sequence.enabled);
    setSteps(sequence.steps.map(formStep));
  }, [sequence]);
  const save = useMutation({
    mutationFn: (body: object) => api<{ data: Sequence }>(`/v1/automations/${kind}`, { method: 'PATCH', body }).then((r) => r.data),
    onSuccess: (s) => {
      queryClient.setQueryData<Sequence[]>(KEY, (all) => all?.map((x) => (x.kind === s.kind ? s : x)));
      setSaid(`${NAMES[kind].title} saved.`);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setSaid('');
    save.mutate({ enabled, steps: steps.map((s) => ({ offset_minutes: offsetOf(kind, s), text: s.text })) });
  }
  const edit = (i: number, change: Partial<FormStep>) => setSteps((list) => list.map((s, j) => (j === i ? { ...s, ...change } : s)));
  const id = `seq-${kind}`;
  return (
    <form className="card automation" aria-labelledby={`${id}-title`} onSubmit={submit} noValidate data-testid={id}>
      <h2 id={`${id}-title`}>
        {NAMES[kind].title} <span className={enabled ? 'badge badge-green' : 'badge badge-grey'}>{enabled ? 'On' : 'Off'}</span>
      </h2>
      <p className="hint">{NAMES[kind].what}</p>
      <div className="automation-switch">
        <input id={`${id}-enabled`} type="checkbox" role="switch" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        <label htmlFor={`${id}-enabled`}>Send this sequence</label>
      </div>
      <ol className="automation-steps">
        {steps.map((s, i) => {
          const preview = renderStep(kind, s.text, values);
          const segments = countSegments(preview).segments;
          return (
            <li key={i} className="automation-step">
              <div className="automation-when">
                <label htmlFor={`${id}-amount-${i}`}>Step {i + 1}</label>
                <input
                  id={`${id}-amount-${i}`}
                  type="number"
                  min={1}
                  inputMode="numeric"
                  value={s.amount}
                  onChange={(e) => edit(i, { amount: e.target.value })}
                />
                <select aria-label={`Step ${i + 1} unit`} value={s.unit} onChange={(e) => edit(i, { unit: e.target.value as Unit })}>
                  <option value="minutes">minutes</option>
                  <option value="hours">hours</option>
                  <option value="days">days</option>
                </select>
                <span>{AFTER[kind]}</span>
              </div>
              <textarea aria-label={`Step ${i + 1} text`} rows={3} value={s.text} onChange={(e) => edit(i, { text: e.target.value })} />
              <p className={segments > MAX_SEGMENTS ? 'field-error' : 'hint'} data-testid={`${id}-segments-${i}`}>
                {segments} of {MAX_SEGMENTS} SMS segments as sent
              </p>
              <p className="automation-preview">
                <span className="hint">Preview{previewLead ? ' with your newest lead' : ''}:</span> {preview}
              </p>
              <button type="button" className="btn btn-small" disabled={steps.length === 1} onClick={() => setSteps((list) => list.filter((_, j) => j !== i))}>
                Remove step {i + 1}
              </button>
            </li>
          );
        })}
      </ol>
      <p className="hint">Placeholders: {sequence.placeholders.join(' ')}</p>
      <div className="automation-actions">
        <button
          type="button"
          className="btn"
          disabled={steps.length >= 10}
          onClick={() =>
            setSteps((list) => {
              const last = list.at(-1);
              // After the last step (before it, for a reminder), in the same unit.
              const next = last ? Number(last.amount) + (kind === 'appointment_reminder' ? -1 : 1) : 1;
              return [...list, { amount: String(Math.max(1, next)), unit: last?.unit ?? 'days', text: last?.text ?? 'Hi {first_name}' }];
            })
          }
        >
          Add a step
        </button>
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          Save
        </button>
      </div>
      <FormError error={save.error} />
      <p role="status" className="hint">
        {said}
      </p>
    </form>
  );
}
