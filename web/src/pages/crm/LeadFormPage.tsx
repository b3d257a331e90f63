import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, fieldErrors } from '../../api';
import { useTitle } from '../../components/useTitle';
import type { Lead, One, Stage } from './types';
import { ErrorBanner, Field, PageHead, StageOptions, useLead } from './ui';

const TEXT_FIELDS = ['name', 'first_name', 'last_name', 'phone', 'email', 'source', 'service_type', 'address', 'postcode', 'notes'] as const;
type TextField = (typeof TEXT_FIELDS)[number];
type Form = Record<TextField, string> & { pipeline_stage: Stage; value: string };

const EMPTY: Form = {
  name: '', first_name: '', last_name: '', phone: '', email: '', source: '', service_type: '', address: '', postcode: '', notes: '',
  pipeline_stage: 'new_lead',
  value: '',
};

function formOf(lead: Lead): Form {
  const form = { ...EMPTY, pipeline_stage: lead.pipeline_stage, value: lead.value === null ? '' : String(lead.value) };
  for (const f of TEXT_FIELDS) form[f] = lead[f] ?? '';
  return form;
}

/** The JSON body: a blank text is null (cleared), a value is a number (the API says if it is not one). */
function bodyOf(form: Form): Record<string, unknown> {
  const body: Record<string, unknown> = { pipeline_stage: form.pipeline_stage };
  for (const f of TEXT_FIELDS) body[f] = form[f].trim() === '' ? null : form[f].trim();
  body.value = form.value.trim() === '' ? null : Number(form.value);
  return body;
}

export default function LeadFormPage() {
  const { id } = useParams();
  const editing = !!id;
  useTitle(editing ? 'Edit lead' : 'New lead');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const existing = useLead(id);
  const [form, setForm] = useState<Form>(EMPTY);
  const [loadedId, setLoadedId] = useState<string | null>(null);

  useEffect(() => {
    if (existing.data && loadedId !== existing.data.id) {
      setForm(formOf(existing.data));
      setLoadedId(existing.data.id);
    }
  }, [existing.data, loadedId]);

  const save = useMutation({
    mutationFn: async (f: Form) => {
      const body = bodyOf(f);
      if (!editing) {
        // A new lead sends only what was filled in.
        const filled = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
        return api<One<Lead>>('/v1/leads', { method: 'POST', body: filled });
      }
      // An edit sends only what changed, so the lead.updated event says exactly that.
      const before = bodyOf(formOf(existing.data!));
      const changed = Object.fromEntries(Object.entries(body).filter(([k, v]) => before[k] !== v));
      if (Object.keys(changed).length === 0) return { data: existing.data! };
      return api<One<Lead>>(`/v1/leads/${id}`, { method: 'PATCH', body: changed });
    },
    onSuccess: (res) => {
      queryClient.setQueryData(['lead', res.data.id], res.data);
      void queryClient.invalidateQueries({ queryKey: ['leads'] });
      void queryClient.invalidateQueries({ queryKey: ['board'] });
      void queryClient.invalidateQueries({ queryKey: ['pipeline'] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
      navigate(`/leads/${res.data.id}`);
    },
  });

  const errors = fieldErrors(save.error);
  const set = (k: keyof Form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate(form);
  }

  if (editing && existing.error) {
    return (
      <div className="crm-page">
        <h1>Edit lead</h1>
        <ErrorBanner error={existing.error} />
        <Link to="/leads">Back to leads</Link>
      </div>
    );
  }

  const text = (k: TextField, label: string, type: 'text' | 'email' | 'tel' = 'text', extra: Record<string, string> = {}) => (
    <Field label={label} error={errors[k]}>
      {(attrs) => <input {...attrs} {...extra} type={type} name={k} value={form[k]} onChange={set(k)} />}
    </Field>
  );

  return (
    <div className="crm-page">
      <PageHead title={editing ? 'Edit lead' : 'New lead'} subtitle="A lead needs at least a name or a phone number." />
      {editing && existing.isLoading ? (
        <p className="crm-muted">Loading…</p>
      ) : (
        <form className="crm-card crm-form" onSubmit={submit} noValidate>
          <ErrorBanner error={save.error} />
          <div className="crm-form-grid">
            {text('name', 'Name', 'text', { autoComplete: 'off' })}
            {text('first_name', 'First name')}
            {text('last_name', 'Last name')}
          </div>
          <div className="crm-form-grid">
            {text('phone', 'Phone', 'tel')}
            {text('email', 'Email', 'email')}
            <Field label="Stage" error={errors.pipeline_stage}>
              {(attrs) => (
                <select {...attrs} name="pipeline_stage" value={form.pipeline_stage} onChange={set('pipeline_stage')}>
                  <StageOptions />
                </select>
              )}
            </Field>
          </div>
          <div className="crm-form-grid">
            {text('service_type', 'Service')}
            {text('source', 'Source')}
            <Field label="Estimated value" error={errors.value}>
              {(attrs) => <input {...attrs} type="number" name="value" min="0" step="0.01" inputMode="decimal" value={form.value} onChange={set('value')} />}
            </Field>
          </div>
          <div className="crm-form-grid">
            {text('address', 'Address')}
            {text('postcode', 'Postcode')}
          </div>
          <Field label="Notes" error={errors.notes}>
            {(attrs) => <textarea {...attrs} name="notes" rows={4} value={form.notes} onChange={set('notes')} />}
          </Field>
          <div className="crm-form-actions">
            <button type="submit" className="crm-btn crm-btn-primary" disabled={save.isPending}>
              {editing ? 'Save' : 'Create lead'}
            </button>
            <Link className="crm-btn" to={editing ? `/leads/${id}` : '/leads'}>
              Cancel
            </Link>
          </div>
        </form>
      )}
    </div>
  );
}
