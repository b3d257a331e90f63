import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, useCompanyZone } from '../../api';
import { FormError } from '../../components/forms';
import { Pager } from '../../components/Pager';
import { ACTIONS, Table } from '../../components/Table';
import { AttemptOutcome } from './WebhookTest';
import type { Paginated, WebhookDelivery } from './webhookTypes';
import { formatDateTime } from '../../components/dates';

const PER_PAGE = 20;

const STATUS_TONE: Record<WebhookDelivery['status'], string> = {
  succeeded: 'badge-green',
  failed: 'badge-red',
  pending: 'badge-amber',
};

export default function WebhookDeliveries({ endpointId, enabled }: { endpointId: string; enabled: boolean }) {
  const zone = useCompanyZone();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState('');
  const deliveries = useQuery({
    queryKey: ['webhook-deliveries', endpointId, page, status],
    queryFn: () =>
      api<Paginated<WebhookDelivery>>(`/v1/webhooks/${endpointId}/deliveries`, {
        query: { page, per_page: PER_PAGE, status: status || undefined },
      }),
  });
  const retry = useMutation({
    mutationFn: (deliveryId: string) =>
      api<{ data: WebhookDelivery }>(`/v1/webhooks/${endpointId}/deliveries/${deliveryId}/retry`, { method: 'POST' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['webhook-deliveries', endpointId] }),
  });

  return (
    <section className="card">
      <div className="page-head">
        <h2 id="deliveries-title">Delivery log</h2>
        <div className="actions">
          <div className="field">
            <label htmlFor="delivery-status">Status</label>
            <select
              id="delivery-status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value);
                setPage(1);
              }}
            >
              <option value="">All</option>
              <option value="succeeded">Succeeded</option>
              <option value="failed">Failed</option>
              <option value="pending">Pending</option>
            </select>
          </div>
          <button
            type="button"
            className="btn btn-secondary btn-small"
            style={{ alignSelf: 'flex-end' }}
            onClick={() => deliveries.refetch()}
          >
            Refresh
          </button>
        </div>
      </div>
      <FormError error={deliveries.error} />
      <div aria-live="polite">
        <FormError error={retry.error} />
        {retry.isSuccess && (
          <p className="alert alert-success">The delivery is queued again; it is sent within a few seconds.</p>
        )}
      </div>
      {deliveries.isLoading && <p role="status">Loading deliveries…</p>}
      {deliveries.data && (
        <Table
          columns={['Event', 'Status', 'Time', { label: 'Duration', className: 'num' }, 'Response', ACTIONS]}
          rows={deliveries.data.data}
          empty="No deliveries yet. Send a test event, or wait for the next event."
          row={(d) => {
            const last = d.attempts[0];
            return (
              <tr key={d.id}>
                <td>
                  <code>{d.event}</code>
                  {d.test && (
                    <>
                      {' '}
                      <span className="badge badge-blue">Test</span>
                    </>
                  )}
                </td>
                <td>
                  <span className={`badge ${STATUS_TONE[d.status]}`}>{d.status}</span>
                  <div className="small">
                    {d.attempt_count} attempt{d.attempt_count === 1 ? '' : 's'}
                    {d.status === 'pending' && d.next_attempt_at && <> · next {formatDateTime(d.next_attempt_at, zone)}</>}
                  </div>
                </td>
                <td>{formatDateTime(d.last_attempt_at ?? d.created_at, zone)}</td>
                <td className="num">{last ? `${last.duration_ms} ms` : '—'}</td>
                <td style={{ maxWidth: '22rem' }}>
                  {last ? (
                    <>
                      <AttemptOutcome attempt={last} />
                      {last.error && last.error !== `HTTP ${last.status_code}` && <div className="small">{last.error}</div>}
                      {last.response_body && <pre className="excerpt">{last.response_body.slice(0, 300)}</pre>}
                    </>
                  ) : (
                    'Not attempted yet'
                  )}
                  {d.attempts.length > 1 && <AttemptHistory attempts={d.attempts} />}
                </td>
                <td>
                  {!d.test && d.status !== 'pending' && (
                    <button
                      type="button"
                      className="btn btn-secondary btn-small"
                      disabled={!enabled || (retry.isPending && retry.variables === d.id)}
                      title={enabled ? undefined : 'Enable the endpoint to retry'}
                      onClick={() => retry.mutate(d.id)}
                    >
                      Retry
                    </button>
                  )}
                </td>
              </tr>
            );
          }}
        />
      )}
      <Pager page={page} perPage={PER_PAGE} total={deliveries.data?.meta.total ?? 0} onPage={setPage} />
    </section>
  );
}

function AttemptHistory({ attempts }: { attempts: WebhookDelivery['attempts'] }) {
  const zone = useCompanyZone();
  return (
    <details className="small" style={{ marginTop: '0.4rem' }}>
      <summary>All {attempts.length} attempts</summary>
      <ol style={{ paddingLeft: '1.2rem', margin: '0.4rem 0 0' }}>
        {attempts.map((a, i) => (
          <li key={i}>
            {formatDateTime(a.attempted_at, zone)}: {a.status_code !== null ? `HTTP ${a.status_code}` : 'no response'}, {a.duration_ms} ms
            {a.error ? ` (${a.error})` : ''}
          </li>
        ))}
      </ol>
    </details>
  );
}
