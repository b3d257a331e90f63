import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api, useCompanyZone } from '../../api';
import { ConfirmDialog, FormError } from '../../components/forms';
import { useTitle } from '../../components/useTitle';
import IntegrationsTabs from './IntegrationsTabs';
import SignatureSnippet from './SignatureSnippet';
import WebhookDeliveries from './WebhookDeliveries';
import WebhookSecret from './WebhookSecret';
import WebhookTest from './WebhookTest';
import { EndpointStatus } from './WebhooksPage';
import type { WebhookEndpoint } from './webhookTypes';
import { formatDateTime } from '../../components/dates';

const DISABLED_BECAUSE: Record<NonNullable<WebhookEndpoint['disabled_reason']>, string> = {
  manual: 'It was disabled by hand.',
  gone: 'It answered 410 Gone, which tells QuoteLeads to stop sending.',
  failing: 'Every delivery to it failed for 5 days.',
};

export default function WebhookPage() {
  const zone = useCompanyZone();
  useTitle('Webhook endpoint');
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [deleting, setDeleting] = useState(false);
  const endpoint = useQuery({
    queryKey: ['webhook', id],
    queryFn: () => api<{ data: WebhookEndpoint }>(`/v1/webhooks/${id}`).then((r) => r.data),
  });
  const setEnabled = useMutation({
    mutationFn: (enabled: boolean) => api<{ data: WebhookEndpoint }>(`/v1/webhooks/${id}`, { method: 'PATCH', body: { enabled } }),
    onSuccess: ({ data }) => {
      queryClient.setQueryData(['webhook', id], data);
      queryClient.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });
  const remove = useMutation({
    mutationFn: () => api(`/v1/webhooks/${id}`, { method: 'DELETE' }),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: ['webhooks'] });
      queryClient.removeQueries({ queryKey: ['webhook', id] });
      navigate('/integrations/webhooks', { replace: true });
    },
  });

  const w = endpoint.data;
  return (
    <>
      <h1>Webhook endpoint</h1>
      <IntegrationsTabs />
      <p>
        <Link to="/integrations/webhooks">← All endpoints</Link>
      </p>
      <FormError error={endpoint.error} />
      {endpoint.isLoading && <p role="status">Loading…</p>}
      {w && (
        <>
          {!w.enabled && (
            <section className="alert alert-warning">
              <h2 id="disabled-title">This endpoint is disabled</h2>
              <p>
                {w.disabled_reason ? DISABLED_BECAUSE[w.disabled_reason] : ''} Disabled {formatDateTime(w.disabled_at, zone)}. No
                events are sent to it while it is disabled.
              </p>
              <p>
                An endpoint is disabled automatically when its deliveries have failed for 5 days, or at once when it answers
                410 Gone. Fix the receiver (send a test event to check it), then enable the endpoint again: that clears its
                failure record.
              </p>
              <FormError error={setEnabled.error} />
              <button type="button" className="btn btn-primary" onClick={() => setEnabled.mutate(true)} disabled={setEnabled.isPending}>
                Enable endpoint
              </button>
            </section>
          )}
          {w.enabled && w.failing_since && (
            <p className="alert alert-warning">
              Deliveries have been failing since {formatDateTime(w.failing_since, zone)}. If they keep failing for 5 days, the endpoint
              is disabled.
            </p>
          )}

          <section className="card">
            <h2 id="endpoint-title">Endpoint</h2>
            <dl className="dl">
              <dt>URL</dt>
              <dd>
                <code>{w.url}</code>
              </dd>
              <dt>Description</dt>
              <dd>{w.description || '—'}</dd>
              <dt>Status</dt>
              <dd>
                <EndpointStatus endpoint={w} />
              </dd>
              <dt>Events</dt>
              <dd>
                {w.events.length === 0
                  ? 'All events, including ones added later'
                  : w.events.map((e) => (
                      <span className="tag" key={e}>
                        {e}
                      </span>
                    ))}
              </dd>
              <dt>Created</dt>
              <dd>{formatDateTime(w.created_at, zone)}</dd>
            </dl>
            {w.enabled && (
              <div className="actions" style={{ marginTop: '1rem' }}>
                <button type="button" className="btn btn-secondary btn-small" onClick={() => setEnabled.mutate(false)} disabled={setEnabled.isPending}>
                  Disable endpoint
                </button>
              </div>
            )}
          </section>

          <WebhookSecret endpointId={w.id} />
          <WebhookTest endpointId={w.id} enabled={w.enabled} />
          <WebhookDeliveries endpointId={w.id} enabled={w.enabled} />
          <SignatureSnippet />

          <section className="card">
            <h2 id="delete-title">Delete this endpoint</h2>
            <p>Deleting stops all deliveries to it and removes its delivery log.</p>
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => {
                remove.reset();
                setDeleting(true);
              }}
            >
              Delete endpoint
            </button>
          </section>
          <ConfirmDialog
            open={deleting}
            title="Delete this endpoint?"
            confirmLabel="Delete"
            danger
            busy={remove.isPending}
            error={remove.error}
            onCancel={() => setDeleting(false)}
            onConfirm={() => remove.mutate()}
          >
            <p>
              <code>{w.url}</code> will receive no more events, and its delivery log is deleted. This cannot be undone.
            </p>
          </ConfirmDialog>
        </>
      )}
    </>
  );
}
