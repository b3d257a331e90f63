import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, useMe, type Me } from '../api';
import AuthCard from '../components/AuthCard';
import { useAuthSubmit } from '../components/authForm';
import { Field, FormError } from '../components/forms';
import { useTitle } from '../components/useTitle';

/** Where to go after logging in: only a path of this app, never another site. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function LoginPage() {
  useTitle('Log in');
  const { me } = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, errors, submit } = useAuthSubmit(async () => {
    const session = await api<Me>('/app/api/login', { method: 'POST', body: { email, password } });
    queryClient.setQueryData(['me'], session);
    navigate(safeNext(params.get('next')), { replace: true });
  });

  const setup = useQuery({ queryKey: ['setup'], queryFn: () => api<{ has_users: boolean }>('/app/api/setup'), enabled: !me });

  if (me && !busy) return <Navigate to={safeNext(params.get('next'))} replace />;
  // A fresh install has nobody to log in as: its first visitor signs up.
  if (setup.data && !setup.data.has_users) return <Navigate to="/signup" replace />;

  return (
    <AuthCard>
      <h1>Log in</h1>
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={error} />
        <Field label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p className="small" style={{ marginTop: '1rem' }}>
        New to QuoteLeads? <Link to="/signup">Create an account</Link>
      </p>
    </AuthCard>
  );
}
