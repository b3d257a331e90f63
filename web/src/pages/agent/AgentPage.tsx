import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fieldErrors, useCompanyZone } from '../../api';
import { Field, FormError } from '../../components/forms';
import { useTitle } from '../../components/useTitle';
import { BusinessHours, ClosedDates } from './BusinessHours';
import { QuestionScript } from './QuestionScript';
import { TryConsole } from './TryConsole';
import { GOALS, GOAL_NAMES, MAX_INSTRUCTIONS, patchOf, toForm, type AgentForm, type Engine, type Goal, type Settings } from './agentForm';
import './agent.css';

const KEY = ['agent-settings'];

/** The lead agent's settings (owners and admins: GET/PATCH /v1/agent needs agent:manage). */
export default function AgentPage() {
  useTitle('Agent');
  const queryClient = useQueryClient();
  const zone = useCompanyZone();
  const settings = useQuery({ queryKey: KEY, queryFn: () => api<{ data: Settings }>('/v1/agent').then((r) => r.data) });
  const [form, setForm] = useState<AgentForm | null>(null);
  const [status, setStatus] = useState('');

  useEffect(() => {
    if (settings.data && !form) setForm(toForm(settings.data));
  }, [settings.data, form]);

  const save = useMutation({
    mutationFn: (body: object) => api<{ data: Settings }>('/v1/agent', { method: 'PATCH', body }).then((r) => r.data),
    onSuccess: (s) => {
      queryClient.setQueryData(KEY, s);
      setForm(toForm(s));
      setStatus('Agent settings saved.');
    },
  });

  const s = settings.data;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!form || !s) return;
    const patch = patchOf(form, s);
    if (Object.keys(patch).length === 0) {
      save.reset();
      setStatus('Nothing changed.');
      return;
    }
    setStatus('');
    save.mutate(patch);
  }
  function edit<K extends keyof AgentForm>(key: K, value: AgentForm[K]) {
    setStatus('');
    setForm((f) => (f ? { ...f, [key]: value } : f));
  }
  const text = (key: 'instructions' | 'service_postcodes' | 'handoff_keywords' | 'max_agent_messages_per_lead' | 'min_notice_minutes' | 'days_ahead') =>
    (e: { target: { value: string } }) => edit(key, e.target.value);

  const errors = fieldErrors(save.error);
  return (
    <>
      <h1>Agent</h1>
      <p className="muted">
        The agent answers every lead by SMS within seconds, asks your questions, scores the lead, offers free times and books
        them, and hands over to a person when it should. <a href="#try-it">Try it</a> below, as a customer, with nothing sent.
      </p>
      <FormError error={settings.error} />
      {settings.isLoading && <p role="status">Loading…</p>}
      {s && form && (
        <form className="form agent-form" onSubmit={submit} noValidate>
          <section className="card" aria-labelledby="agent-on-title">
            <h2 id="agent-on-title">Answering leads</h2>
            <div className="agent-switch">
              <input
                id="agent-enabled"
                type="checkbox"
                role="switch"
                checked={form.enabled}
                aria-describedby="agent-enabled-hint"
                onChange={(e) => edit('enabled', e.target.checked)}
              />
              <label htmlFor="agent-enabled">
                <strong>Agent answers leads</strong> <span className={form.enabled ? 'badge badge-green' : 'badge badge-grey'}>{form.enabled ? 'On' : 'Off'}</span>
              </label>
            </div>
            <p className="hint" id="agent-enabled-hint">
              When on, the agent's greeting replaces the instant reply, and it answers the lead's texts until a person takes over.
            </p>
            <GroupError error={errors.enabled} />
            <div className="field">
              <label htmlFor="agent-engine">Engine</label>
              <select
                id="agent-engine"
                value={form.engine}
                aria-describedby="agent-engine-hint"
                aria-invalid={errors.engine ? true : undefined}
                onChange={(e) => edit('engine', e.target.value as Engine)}
              >
                <option value="rules">Rules: your question script</option>
                {(s.llm_available || form.engine === 'llm') && <option value="llm">Language model{s.llm_available ? '' : ' (not available)'}</option>}
              </select>
              <span className="hint" id="agent-engine-hint">
                {s.llm_available ? 'The language model follows your instructions and goals.' : 'No language model is set up on this platform, so the agent follows your question script.'}
              </span>
              <GroupError error={errors.engine} />
            </div>
            <div className="field">
              <label htmlFor="agent-instructions">Instructions</label>
              <textarea
                id="agent-instructions"
                rows={6}
                maxLength={MAX_INSTRUCTIONS}
                value={form.instructions}
                onChange={text('instructions')}
                aria-describedby="agent-instructions-hint agent-instructions-count"
                aria-invalid={errors.instructions ? true : undefined}
              />
              <span className="hint" id="agent-instructions-hint">
                Your business in your own words: services, area, prices you quote by phone.
              </span>
              <span className="hint" id="agent-instructions-count" data-testid="instructions-count">
                {form.instructions.length} / {MAX_INSTRUCTIONS} characters
              </span>
              <GroupError error={errors.instructions} />
            </div>
            <fieldset className="agent-group">
              <legend>Goals</legend>
              <div className="checklist">
                {GOALS.map((g) => (
                  <div className="check" key={g}>
                    <input
                      id={`goal-${g}`}
                      type="checkbox"
                      checked={form.goals.includes(g)}
                      onChange={(e) => edit('goals', e.target.checked ? [...form.goals, g] : form.goals.filter((x: Goal) => x !== g))}
                    />
                    <label htmlFor={`goal-${g}`}>{GOAL_NAMES[g]}</label>
                  </div>
                ))}
              </div>
              <GroupError error={errors.goals} />
            </fieldset>
          </section>

          <section className="card" aria-labelledby="agent-script-title">
            <h2 id="agent-script-title">Questions and scoring</h2>
            <QuestionScript questions={form.questions} onChange={(q) => edit('questions', q)} error={errors.rules} />
            <Field
              label="Service postcodes"
              value={form.service_postcodes}
              onChange={text('service_postcodes')}
              error={errors.service_postcodes}
              inputMode="text"
              hint='Postcodes and ranges separated by commas, e.g. "2000-2234, 2560". Empty: every postcode is in your area.'
            />
          </section>

          <section className="card" aria-labelledby="agent-handoff-title">
            <h2 id="agent-handoff-title">Handing over</h2>
            <Field
              label="Most agent texts to one lead"
              type="number"
              inputMode="numeric"
              min={1}
              max={200}
              value={form.max_agent_messages_per_lead}
              onChange={text('max_agent_messages_per_lead')}
              error={errors.max_agent_messages_per_lead}
              hint="Past this many, the agent hands the lead to a person."
            />
            <Field
              label="Handoff keywords"
              value={form.handoff_keywords}
              onChange={text('handoff_keywords')}
              error={errors.handoff_keywords}
              hint="Separated by commas. A text containing one of them (any case) goes to a person."
            />
          </section>

          <section className="card" aria-labelledby="agent-booking-title">
            <h2 id="agent-booking-title">Booking</h2>
            <BusinessHours hours={form.business_hours} onChange={(h) => edit('business_hours', h)} zone={zone} error={errors.business_hours} />
            <fieldset className="agent-group">
              <legend>Slot length (minutes)</legend>
              <div className="form-row">
                <Field
                  label="Callback"
                  type="number"
                  inputMode="numeric"
                  min={5}
                  max={480}
                  value={form.slot_minutes.callback}
                  onChange={(e) => edit('slot_minutes', { ...form.slot_minutes, callback: e.target.value })}
                />
                <Field
                  label="On-site visit"
                  type="number"
                  inputMode="numeric"
                  min={15}
                  max={720}
                  value={form.slot_minutes.onsite}
                  onChange={(e) => edit('slot_minutes', { ...form.slot_minutes, onsite: e.target.value })}
                />
              </div>
              <GroupError error={errors.slot_minutes} />
            </fieldset>
            <div className="form-row">
              <Field
                label="Minimum notice (minutes)"
                type="number"
                inputMode="numeric"
                min={0}
                value={form.min_notice_minutes}
                onChange={text('min_notice_minutes')}
                error={errors.min_notice_minutes}
                hint="No slot starts sooner than this."
              />
              <Field
                label="Days ahead"
                type="number"
                inputMode="numeric"
                min={1}
                max={60}
                value={form.days_ahead}
                onChange={text('days_ahead')}
                error={errors.days_ahead}
                hint="How far ahead slots are offered."
              />
            </div>
            <ClosedDates dates={form.closed_dates} onChange={(d) => edit('closed_dates', d)} error={errors.closed_dates} />
          </section>

          {/* By the button, where the eye is after a click; each field's own message is beside it too. */}
          <FormError error={save.error} />
          <div className="actions agent-save">
            <button type="submit" className="btn btn-primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save agent settings'}
            </button>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              disabled={save.isPending}
              onClick={() => {
                save.reset();
                setStatus('');
                setForm(toForm(s));
              }}
            >
              Undo changes
            </button>
            <span role="status">{status}</span>
          </div>
        </form>
      )}
      {s && <TryConsole enabled={s.enabled} />}
    </>
  );
}

function GroupError({ error }: { error?: ReactNode }) {
  if (!error) return null;
  return <p className="field-error">{error}</p>;
}
