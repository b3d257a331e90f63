// Asking again for what failed to load: the Retry of an error message and of the offline banner.
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, NetworkError, useServerReachable } from '../api';
import type { Query } from '@tanstack/react-query';

/** Every query that ended in an error (all of them when `error` is not given, else those that ended in it), asked again. */
export function retryFailed(queryClient: QueryClient, error?: unknown) {
  const failed = failedWith(queryClient, error);
  for (const q of failed) void queryClient.refetchQueries({ queryKey: q.queryKey, exact: true });
  return failed.length;
}

// A page that lost the server usually lost it for every query (a board's six columns): all are asked again.
function failedWith(queryClient: QueryClient, error: unknown): Query[] {
  const matches = (e: unknown) =>
    error === undefined ? e != null : e === error || (error instanceof NetworkError && e instanceof NetworkError);
  return queryClient.getQueryCache().findAll({ predicate: (q) => q.state.status === 'error' && matches(q.state.error) });
}

/**
 * Retry for an error that a query ended in (a page or a panel that could not load); nothing for the
 * error of a change (a save): that is done again by doing it again.
 */
export function RetryButton({ error, className = 'btn btn-secondary btn-small' }: { error: unknown; className?: string }) {
  const queryClient = useQueryClient();
  const failed = failedWith(queryClient, error);
  if (!error || failed.length === 0) return null;
  const busy = failed.some((q) => q.state.fetchStatus === 'fetching');
  return (
    <button type="button" className={className} onClick={() => retryFailed(queryClient, error)} disabled={busy} style={{ marginLeft: '0.75rem' }}>
      {busy ? 'Retrying…' : 'Retry'}
    </button>
  );
}

/** On every page while the server cannot be reached; gone with the first answer. */
export function ConnectionBanner() {
  const reachable = useServerReachable();
  const queryClient = useQueryClient();
  if (reachable) return null;
  return (
    <div className="alert alert-warning" role="alert" data-testid="offline-banner">
      <strong>Cannot reach the server.</strong> Changes you make now will not be saved. This clears by itself once the
      connection is back.
      <button
        type="button"
        className="btn btn-secondary btn-small"
        style={{ marginLeft: '0.75rem' }}
        onClick={() => {
          retryFailed(queryClient);
          // Any answer clears the banner, also when nothing on the page had failed to load.
          void api('/app/api/setup').catch(() => undefined);
        }}
      >
        Retry
      </button>
    </div>
  );
}
