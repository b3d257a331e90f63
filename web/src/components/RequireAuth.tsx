import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Navigate, Outlet, useLocation } from 'react-router';
import { api, NetworkError, useMe } from '../api';
import { useTitle } from './useTitle';

export function isManager(role: string | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

/** Renders its children for a logged-in user; otherwise sends the visitor to log in (or to sign up on an empty install). */
export default function RequireAuth({ children }: { children: ReactNode }) {
  const { me, isLoading, error, retry } = useMe();
  const location = useLocation();
  const setup = useQuery({
    queryKey: ['setup'],
    queryFn: () => api<{ has_users: boolean }>('/app/api/setup'),
    enabled: !isLoading && !me,
  });
  if (isLoading || (!me && setup.isLoading)) {
    return <p className="page-loading" role="status">Loading…</p>;
  }
  // No answer is not "logged out": say so, rather than send a logged-in user to the log-in page.
  if (!me && error) {
    return (
      <section className="card page-loading" role="alert">
        <h1>{error instanceof NetworkError ? 'Cannot reach the server' : 'Something went wrong'}</h1>
        <p>{error instanceof Error ? error.message : 'Something went wrong.'}</p>
        <button type="button" className="btn btn-primary" onClick={retry}>
          Retry
        </button>
      </section>
    );
  }
  if (!me) {
    if (setup.data && !setup.data.has_users) return <Navigate to="/signup" replace />;
    const next = location.pathname + location.search;
    return <Navigate to={next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login'} replace />;
  }
  return <>{children}</>;
}

/** Integrations, Team and Agent are for owners and admins; the server refuses members too. */
export function RequireManager() {
  const { me } = useMe();
  if (!isManager(me?.user.role)) return <NoAccess />;
  return <Outlet />;
}

function NoAccess() {
  useTitle('No access');
  return (
    <section className="card">
      <h1>You do not have access</h1>
      <p>Only owners and admins can open this page. Ask an owner or admin of your company if you need it.</p>
    </section>
  );
}
