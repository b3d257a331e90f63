import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, Navigate, useNavigate } from 'react-router';
import { api, fieldErrors, useMe, type Me } from '../api';
import AuthCard from '../components/AuthCard';
import { Field, FormError } from '../components/forms';
import { useTitle } from '../components/useTitle';

export default function SignupPage() {
  useTitle('Sign up');
  const { me } = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [form, setForm] = useState({ company_name: '', name: '', email: '', password: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (me && !busy) return <Navigate to="/" replace />;

  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // The answer is the same for a new and a known email (nothing leaks); logging in tells them apart.
      await api('/app/api/signup', { method: 'POST', body: form });
      const session = await api<Me>('/app/api/login', { method: 'POST', body: { email: form.email, password: form.password } });
      queryClient.setQueryData(['me'], session);
      queryClient.removeQueries({ queryKey: ['setup'] });
      navigate('/', { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const errors = fieldErrors(error);
  return (
    <AuthCard>
      <h1>Sign up</h1>
      <p className="muted">Create your company's QuoteLeads account. You will be its owner.</p>
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={error} />
        <Field label="Company name" autoComplete="organization" required value={form.company_name} onChange={set('company_name')} error={errors.company_name} />
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
          {busy ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p className="small" style={{ marginTop: '1rem' }}>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </AuthCard>
  );
}
