import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, fieldErrors, useCompanyZone } from '../../api';
import { CopyButton, Field, FormError } from '../../components/forms';
import { Pager } from '../../components/Pager';
import { Table } from '../../components/Table';
import { useTitle } from '../../components/useTitle';
import EventChecklist from './EventChecklist';
import IntegrationsTabs from './IntegrationsTabs';
import type { Paginated, WebhookEndpoint, WebhookEndpointWithSecret } from './webhookTypes';
import { formatDate } from '../../components/dates';

const PER_PAGE = 25;

export function EndpointStatus({ endpoint }: { endpoint: WebhookEndpoint }) {
  if (endpoint.enabled) {
    return endpoint.failing_since ? <span className="badge badge-amber">Failing</span> : <span className="badge badge-green">Enabled</span>;
  }
  return <span className="badge badge-red">Disabled</span>;
}

export default function WebhooksPage() {
  const zone = useCompanyZone();
  useTitle('Webhooks');
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const list = useQuery({
    queryKey: ['webhooks', page],
    queryFn: () => api<Paginated<WebhookEndpoint>>('/v1/webhooks', { query: { page, per_page: PER_PAGE } }),
  });

  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [created, setCreated] = useState<WebhookEndpointWithSecret | null>(null);

  const create = useMutation({
    mutationFn: () =>
      api<{ data: WebhookEndpointWithSecret }>('/v1/webhooks', {
        method: 'POST',
        body: { url, events, description: description.trim() || null },
      }),
    onSuccess: ({ data }) => {
      setCreated(data);
      setUrl('');
      setDescription('');
      setEvents([]);
      queryClient.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  }

  const errors = fieldErrors(create.error);
  return (
    <>
      <h1>Webhooks</h1>
      <IntegrationsTabs />
      <p className="muted">
        QuoteLeads POSTs each event as JSON to your endpoints, signed with the endpoint's secret, and retries failed
        deliveries for up to about 5 days.
      </p>

      {created && (
        <section className="secret-panel">
          <h2 id="new-endpoint-title">Endpoint added</h2>
          <p>
            Use this signing secret to verify the deliveries to <code>{created.url}</code>. You can reveal it again later on the{' '}
            <Link to={`/integrations/webhooks/${created.id}`}>endpoint's page</Link>.
          </p>
          <div className="secret-value">
            <code data-testid="new-secret">{created.secret}</code>
            <CopyButton text={created.secret} />
          </div>
        </section>
      )}

      <section className="card">
        <h2 id="add-endpoint-title">Add an endpoint</h2>
        <form className="form" onSubmit={submit} noValidate>
          <FormError error={create.error} />
          <Field
            label="Endpoint URL"
            type="url"
            required
            placeholder="https://example.com/webhooks/quoteleads"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            error={errors.url}
          />
          <Field
            label="Description (optional)"
            maxLength={500}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            error={errors.description}
          />
          <EventChecklist value={events} onChange={setEvents} error={errors.events} />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              {create.isPending ? 'Adding…' : 'Add endpoint'}
            </button>
          </div>
        </form>
      </section>

      <section className="card">
        <h2 id="endpoints-title">Endpoints</h2>
        <FormError error={list.error} />
        {list.isLoading && <p role="status">Loading endpoints…</p>}
        {list.data && (
          <Table
            columns={['URL', 'Events', 'Status', 'Created']}
            rows={list.data.data}
            empty="No endpoints yet. Add one above."
            row={(w) => (
              <tr key={w.id}>
                <td>
                  <Link to={`/integrations/webhooks/${w.id}`}>{w.url}</Link>
                  {w.description && <div className="small muted">{w.description}</div>}
                </td>
                <td>
                  {w.events.length === 0 ? (
                    'All events'
                  ) : (
                    w.events.map((e) => (
                      <span className="tag" key={e}>
                        {e}
                      </span>
                    ))
                  )}
                </td>
                <td>
                  <EndpointStatus endpoint={w} />
                </td>
                <td>{formatDate(w.created_at, zone)}</td>
              </tr>
            )}
          />
        )}
        <Pager page={page} perPage={PER_PAGE} total={list.data?.meta.total ?? 0} onPage={setPage} />
      </section>
    </>
  );
}
