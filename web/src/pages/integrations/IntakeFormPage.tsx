import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api, fieldErrors } from '../../api';
import { ConfirmDialog, FormError } from '../../components/forms';
import { useConfirmedAction } from '../../components/useConfirmedAction';
import { useTitle } from '../../components/useTitle';
import FormSnippet from './FormSnippet';
import IntakeFormFields, { bodyOf, captchaProblem, draftOf, type FormDraft } from './IntakeFormFields';
import { FormStatus } from './IntakeFormsPage';
import IntegrationsTabs from './IntegrationsTabs';
import type { IntakeForm, UpdateFormInput } from './intakeTypes';

/** One lead form: its settings, on/off, its snippet, its key (rotate) and delete. */
export default function IntakeFormPage() {
  useTitle('Lead form');
  const { id = '' } = useParams();
  const justCreated = Boolean((useLocation().state as { created?: boolean } | null)?.created);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const form = useQuery({
    queryKey: ['intake-form', id],
    queryFn: () => api<{ data: IntakeForm }>(`/v1/intake-forms/${id}`).then((r) => r.data),
  });
  const f = form.data;

  const [draft, setDraft] = useState<FormDraft | null>(null);
  const [problem, setProblem] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | null>(null);
  // The draft follows the saved form whenever the server answers a new version of it.
  useEffect(() => {
    if (f) setDraft(draftOf(f));
  }, [f]);

  const saved = (data: IntakeForm) => {
    queryClient.setQueryData(['intake-form', id], data);
    queryClient.invalidateQueries({ queryKey: ['intake-forms'] });
  };
  const patch = (body: UpdateFormInput) => api<{ data: IntakeForm }>(`/v1/intake-forms/${id}`, { method: 'PATCH', body });
  const change = useMutation({
    mutationFn: patch,
    onSuccess: ({ data }) => {
      saved(data);
      setNotice('Form saved.');
    },
  });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => patch({ enabled }),
    onSuccess: ({ data }) => {
      saved(data);
      setNotice(data.enabled ? 'The form takes leads again.' : 'The form is off: its posts are refused.');
    },
  });
  const rotate = useConfirmedAction(
    () => patch({ rotate_key: true }).then(({ data }) => saved(data)),
    () => setNotice('The key was rotated. The old address no longer takes posts: replace the snippet on your site with the one below.'),
  );
  const remove = useConfirmedAction(
    () => api(`/v1/intake-forms/${id}`, { method: 'DELETE' }),
    () => {
      queryClient.invalidateQueries({ queryKey: ['intake-forms'] });
      queryClient.removeQueries({ queryKey: ['intake-form', id] });
      navigate('/integrations/forms', { replace: true });
    },
  );

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft || !f) return;
    setNotice(null);
    const captcha = captchaProblem(draft, f);
    setProblem(captcha);
    if (!captcha) change.mutate(bodyOf(draft, f));
  }
  function setEnabled(enabled: boolean) {
    setNotice(null);
    toggle.mutate(enabled);
  }

  const errors = { ...fieldErrors(change.error), ...(problem ? { captcha: problem } : {}) };
  return (
    <>
      <h1>{f ? f.name : 'Lead form'}</h1>
      <IntegrationsTabs />
      <p>
        <Link to="/integrations/forms">← All lead forms</Link>
      </p>
      <FormError error={form.error} />
      {form.isLoading && <p role="status">Loading…</p>}
      <div role="status">{notice && <p className="alert alert-success">{notice}</p>}</div>
      {f && draft && (
        <>
          {justCreated && !notice && (
            <p className="alert alert-info">The form is ready. Paste its snippet (below) into a page of one of its sites.</p>
          )}
          <section className="card" aria-labelledby="form-state-title">
            <h2 id="form-state-title">Status</h2>
            <p>
              <FormStatus form={f} />{' '}
              {f.enabled ? 'Posts from its sites become leads.' : 'Posts to it are refused until you switch it back on.'}
            </p>
            <dl className="dl">
              <dt>Posts to</dt>
              <dd>
                <code data-testid="post-url">{f.post_url}</code>
              </dd>
            </dl>
            <FormError error={toggle.error} />
            <div className="actions" style={{ marginTop: '1rem' }}>
              <button type="button" className="btn btn-secondary" onClick={() => setEnabled(!f.enabled)} disabled={toggle.isPending}>
                {f.enabled ? 'Switch off' : 'Switch on'}
              </button>
            </div>
          </section>

          <section className="card" aria-labelledby="form-settings-title">
            <h2 id="form-settings-title">Settings</h2>
            <form className="form" onSubmit={submit} noValidate aria-labelledby="form-settings-title">
              <FormError error={problem ? new Error(problem) : change.error} />
              <IntakeFormFields idPrefix="form" draft={draft} onChange={setDraft} errors={errors} saved={f} />
              <div className="actions">
                <button type="submit" className="btn btn-primary" disabled={change.isPending}>
                  {change.isPending ? 'Saving…' : 'Save'}
                </button>
              </div>
            </form>
          </section>

          <FormSnippet form={f} />

          <section className="card" aria-labelledby="form-key-title">
            <h2 id="form-key-title">Public key</h2>
            <p>
              <code data-testid="public-key">{f.public_key}</code>
            </p>
            <p className="muted">
              The key is in the snippet’s address, so anyone can see it; it only lets a page of the allowed sites post leads to
              this form. If it is misused anyway, rotate it: the old one stops at once.
            </p>
            <button type="button" className="btn btn-secondary" onClick={() => rotate.ask(f)}>
              Rotate key
            </button>
          </section>

          <section className="card" aria-labelledby="form-delete-title">
            <h2 id="form-delete-title">Delete this form</h2>
            <p>Its key stops taking posts. The leads it brought in stay.</p>
            <button type="button" className="btn btn-danger" onClick={() => remove.ask(f)}>
              Delete form
            </button>
          </section>

          <ConfirmDialog {...rotate.dialog} title="Rotate this form’s key?" confirmLabel="Rotate key" danger>
            <p>
              A new key is made and the old one stops at once: the form on your site is refused until you paste the new snippet
              in its place.
            </p>
          </ConfirmDialog>
          <ConfirmDialog {...remove.dialog} title="Delete this form?" confirmLabel="Delete form" danger>
            <p>
              “{f.name}” stops taking posts at once, and the form on your site is refused. Its leads stay. This cannot be undone.
            </p>
          </ConfirmDialog>
        </>
      )}
    </>
  );
}
