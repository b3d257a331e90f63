import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api, type Me } from '../api';
import AuthCard from '../components/AuthCard';
import { NewUserFields, useAuthSubmit, useFormValues } from '../components/authForm';
import { FormError } from '../components/forms';
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
  const [form, set] = useFormValues({ name: '', email: '', password: '' });
  const { busy, error, errors, submit } = useAuthSubmit(async () => {
    const session = await api<Me>(`/app/api/invites/${encodeURIComponent(token)}/accept`, { method: 'POST', body: form });
    queryClient.clear();
    queryClient.setQueryData(['me'], session);
    navigate('/', { replace: true });
  });

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
            <NewUserFields values={form} set={set} errors={errors} />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Joining…' : 'Accept invitation'}
            </button>
          </form>
        </>
      )}
    </AuthCard>
  );
}
