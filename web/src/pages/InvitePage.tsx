import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api, fieldErrors, type Me } from '../api';
import AuthCard from '../components/AuthCard';
import { Field, FormError } from '../components/forms';
import { useTitle } from '../components/useTitle';

export default function InvitePage() {
  useTitle('Accept invitation');
  const { token = '' } = useParams();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const invite = useQuery({
    queryKey: ['invite', token],
    queryFn: () => api<{ company_name: string; role: string }>(`/app/api/invites/${encodeURIComponent(token)}`),
    retry: false,
  });
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await api<Me>(`/app/api/invites/${encodeURIComponent(token)}/accept`, { method: 'POST', body: form });
      queryClient.clear();
      queryClient.setQueryData(['me'], session);
      navigate('/', { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const errors = fieldErrors(error);
  return (
    <AuthCard>
      <h1>Accept invitation</h1>
      {invite.isLoading && <p role="status">Loading the invitation…</p>}
      {invite.isError && (
        <>
          <FormError error={invite.error} />
          <p>
            Ask the person who invited you for a new link, or <Link to="/login">log in</Link>.
          </p>
        </>
      )}
      {invite.data && (
        <>
          <p>
            You are invited to join <strong>{invite.data.company_name}</strong> as{' '}
            <strong>{invite.data.role === 'admin' ? 'an admin' : 'a member'}</strong>.
          </p>
          <form className="form" onSubmit={submit} noValidate>
            <FormError error={error} />
            <Field label="Your name" autoComplete="name" required value={form.name} onChange={set('name')} error={errors.name} />
            <Field label="Email" type="email" autoComplete="email" required value={form.email} onChange={set('email')} error={errors.email} />
            <Field
              label="Password"
              type="password"
              autoComplete="new-password"
              required
              minLength={10}
              value={form.password}
              onChange={set('password')}
              error={errors.password}
              hint="At least 10 characters."
            />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Joining…' : 'Accept invitation'}
            </button>
          </form>
        </>
      )}
    </AuthCard>
  );
}
