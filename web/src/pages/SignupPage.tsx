import { useQueryClient } from '@tanstack/react-query';
import { Link, Navigate, useNavigate } from 'react-router';
import { api, useMe, type Me } from '../api';
import AuthCard from '../components/AuthCard';
import { NewUserFields, useAuthSubmit, useFormValues } from '../components/authForm';
import { Field, FormError } from '../components/forms';
import { useTitle } from '../components/useTitle';

export default function SignupPage() {
  useTitle('Sign up');
  const { me } = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [form, set] = useFormValues({ company_name: '', name: '', email: '', password: '' });
  const { busy, error, errors, submit } = useAuthSubmit(async () => {
    // The answer is the same for a new and a known email (nothing leaks); logging in tells them apart.
    await api('/app/api/signup', { method: 'POST', body: form });
    const session = await api<Me>('/app/api/login', { method: 'POST', body: { email: form.email, password: form.password } });
    queryClient.setQueryData(['me'], session);
    queryClient.removeQueries({ queryKey: ['setup'] });
    navigate('/', { replace: true });
  });

  if (me && !busy) return <Navigate to="/" replace />;

  return (
    <AuthCard>
      <h1>Sign up</h1>
      <p className="muted">Create your company's QuoteLeads account. You will be its owner.</p>
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={error} />
        <Field label="Company name" autoComplete="organization" required value={form.company_name} onChange={set('company_name')} error={errors.company_name} />
        <NewUserFields values={form} set={set} errors={errors} />
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
