import { Link, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, useCompanyZone } from '../../api';
import { useTitle } from '../../components/useTitle';
import { QUOTE_EVENTS, useLiveRefetch } from '../../live';
import { QUOTE_STATUSES, type Paged, type Quote } from './types';
import { ErrorBanner, Field, LeadLink, ListTable, Options, PageHead, Pagination, StatusBadge, humanize, money } from './ui';
import { formatDate, formatDay } from '../../components/dates';

export default function QuotesPage() {
  useTitle('Quotes');
  useLiveRefetch(QUOTE_EVENTS, ['quotes']);
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const zone = useCompanyZone();
  const { data, error, isLoading, isFetching } = useQuery({
    queryKey: ['quotes', { status, page }],
    queryFn: () => api<Paged<Quote>>('/v1/quotes', { query: { status: status || undefined, page, per_page: 25 } }),
    placeholderData: keepPreviousData,
  });

  function update(next: { status?: string; page?: number }) {
    const p = new URLSearchParams();
    const s = next.status ?? status;
    if (s) p.set('status', s);
    if (next.page && next.page > 1) p.set('page', String(next.page));
    setParams(p, { replace: true });
  }

  return (
    <div className="crm-page">
      <PageHead
        title="Quotes"
        subtitle={
          <>
            {data ? `${data.meta.total} quote${data.meta.total === 1 ? '' : 's'}` : '\u00a0'}
            {zone && ` · Dates in ${zone}`}
          </>
        }
        actions={
          <Link className="crm-btn crm-btn-primary" to="/quotes/new">
            New quote
          </Link>
        }
      />
      <form className="crm-filters" aria-label="Filter quotes" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">
          {(attrs) => (
            <select {...attrs} value={status} onChange={(e) => update({ status: e.target.value, page: 1 })}>
              <option value="">All statuses</option>
              <Options values={QUOTE_STATUSES} />
            </select>
          )}
        </Field>
      </form>
      <ErrorBanner error={error} />
      <ListTable
        caption="Quotes, newest first"
        columns={['Quote', 'Lead', { label: 'Total', className: 'num' }, 'Status', 'Valid until', 'Created']}
        rows={data?.data}
        busy={isFetching}
        loading={isLoading}
        empty={status ? `No ${humanize(status).toLowerCase()} quotes.` : 'No quotes yet.'}
        row={(q) => (
          <tr key={q.id} data-quote-id={q.id}>
            <td>
              <Link to={`/quotes/${q.id}`}>{q.quote_number}</Link>
            </td>
            <td>
              <LeadLink id={q.lead_id} />
            </td>
            <td className="num">
              {money(q.total, q.currency)} <span className="crm-muted">{q.currency}</span>
            </td>
            <td>
              <StatusBadge status={q.status} />
            </td>
            <td>{formatDay(q.valid_until)}</td>
            <td>{formatDate(q.created_at, zone)}</td>
          </tr>
        )}
      />
      {data && <Pagination meta={data.meta} onPage={(p) => update({ page: p })} label="Quotes pages" />}
    </div>
  );
}
