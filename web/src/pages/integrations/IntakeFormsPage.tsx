import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { api, fieldErrors } from '../../api';
import { FormError } from '../../components/forms';
import { Pager } from '../../components/Pager';
import { Table } from '../../components/Table';
import { useTitle } from '../../components/useTitle';
import IntakeFormFields, { bodyOf, captchaProblem, NEW_FORM, type FormDraft } from './IntakeFormFields';
import IntegrationsTabs from './IntegrationsTabs';
import type { IntakeForm, Paginated } from './intakeTypes';

const PER_PAGE = 25;

export function FormStatus({ form }: { form: Pick<IntakeForm, 'enabled'> }) {
  return form.enabled ? <span className="badge badge-green">Taking leads</span> : <span className="badge badge-red">Off</span>;
}

/** Integrations → Lead forms: the company's web forms (GET/POST /v1/intake-forms), owners and admins. */
export default function IntakeFormsPage() {
  useTitle('Lead forms');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ['intake-forms', page],
    queryFn: () => api<Paginated<IntakeForm>>('/v1/intake-forms', { query: { page, per_page: PER_PAGE } }),
  });

  const [draft, setDraft] = useState<FormDraft>(NEW_FORM);
  const [problem, setProblem] = useState<string | undefined>();
  const create = useMutation({
    mutationFn: () => api<{ data: IntakeForm }>('/v1/intake-forms', { method: 'POST', body: bodyOf(draft) }),
    onSuccess: ({ data }) => {
      queryClient.invalidateQueries({ queryKey: ['intake-forms'] });
      queryClient.setQueryData(['intake-form', data.id], data);
      // Straight to the form's page: its snippet is what the user needs next.
      navigate(`/integrations/forms/${data.id}`, { state: { created: true } });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const captcha = captchaProblem(draft);
    setProblem(captcha);
    if (!captcha) create.mutate();
  }

  const errors = { ...fieldErrors(create.error), ...(problem ? { captcha: problem } : {}) };
  return (
    <>
      <h1>Lead forms</h1>
      <IntegrationsTabs />
      <p className="muted">
        A lead form is a form on your own website that sends its enquiries straight into QuoteLeads as leads, with the
        instant reply and the agent as for any other lead. Create one here, then paste its snippet into your site.
      </p>

      <section className="card">
        <h2 id="create-form-title">Create a form</h2>
        <form className="form" onSubmit={submit} noValidate aria-labelledby="create-form-title">
          <FormError error={problem ? new Error(problem) : create.error} />
          <IntakeFormFields idPrefix="new-form" draft={draft} onChange={setDraft} errors={errors} />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create form'}
            </button>
          </div>
        </form>
      </section>

      <section className="card">
        <h2 id="forms-title">Forms</h2>
        <FormError error={list.error} />
        {list.isLoading && <p role="status">Loading forms…</p>}
        {list.data && (
          <Table
            columns={['Name', 'Sites', 'Status']}
            rows={list.data.data}
            empty="No lead forms yet. Create one above."
            row={(f) => (
              <tr key={f.id}>
                <td>
                  <Link to={`/integrations/forms/${f.id}`}>{f.name}</Link>
                  <div className="small muted">Source: {f.source}</div>
                </td>
                <td>
                  {f.allowed_origins.length === 0
                    ? 'None yet'
                    : f.allowed_origins.map((o) => (
                        <span className="tag" key={o}>
                          {o}
                        </span>
                      ))}
                </td>
                <td>
                  <FormStatus form={f} />
                </td>
              </tr>
            )}
          />
        )}
        <Pager page={page} perPage={PER_PAGE} total={list.data?.meta.total ?? 0} onPage={setPage} />
      </section>
    </>
  );
}
