import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, useSettings } from '../../api';
import { useTitle } from '../../components/useTitle';
import { LEAD_EVENTS, useLiveRefetch } from '../../live';
import { AI_STATUSES, type Lead, type Paged } from './types';
import { EmailLink, PhoneLinks } from '../../components/Contact';
import { ErrorBanner, Field, ListTable, Options, PageHead, Pagination, StageBadge, StageOptions, StatusBadge, money, useDebounced } from './ui';
import { formatDate, formatPhone } from '../../components/dates';

export default function LeadsPage() {
  useTitle('Leads');
  useLiveRefetch(LEAD_EVENTS, ['leads']);
  // Filters live in the address, so Back and a reload keep them.
  const [params, setParams] = useSearchParams();
  const stage = params.get('stage') ?? '';
  const aiStatus = params.get('ai_status') ?? '';
  const search = params.get('search') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;

  const [searchInput, setSearchInput] = useState(search);
  const debouncedSearch = useDebounced(searchInput.trim(), 350);

  function update(changes: Record<string, string>) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v) next.set(k, v);
          else next.delete(k);
        }
        if (!('page' in changes)) next.delete('page');
        return next;
      },
      { replace: true },
    );
  }

  useEffect(() => {
    if (debouncedSearch !== search) update({ search: debouncedSearch });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debouncedSearch]);

  const settings = useSettings();
  const currency = settings.data?.currency ?? 'AUD';
  const { data, error, isLoading, isFetching } = useQuery({
    queryKey: ['leads', { stage, aiStatus, search, page }],
    queryFn: () =>
      api<Paged<Lead>>('/v1/leads', {
        query: { stage: stage || undefined, ai_status: aiStatus || undefined, search: search || undefined, page, per_page: 25 },
      }),
    placeholderData: keepPreviousData,
  });

  return (
    <div className="crm-page">
      <PageHead
        title="Leads"
        subtitle={data ? `${data.meta.total} lead${data.meta.total === 1 ? '' : 's'}` : '\u00a0'}
        actions={
          <Link className="crm-btn crm-btn-primary" to="/leads/new">
            New lead
          </Link>
        }
      />

      <form className="crm-filters" role="search" aria-label="Filter leads" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search" className="crm-field-grow">
          {(attrs) => (
            <input {...attrs} type="search" value={searchInput} placeholder="Name, phone or email" onChange={(e) => setSearchInput(e.target.value)} />
          )}
        </Field>
        <Field label="Stage">
          {(attrs) => (
            <select {...attrs} value={stage} onChange={(e) => update({ stage: e.target.value })}>
              <option value="">All stages</option>
              <StageOptions />
            </select>
          )}
        </Field>
        <Field label="AI status">
          {(attrs) => (
            <select {...attrs} value={aiStatus} onChange={(e) => update({ ai_status: e.target.value })}>
              <option value="">Any AI status</option>
              <Options values={AI_STATUSES} />
            </select>
          )}
        </Field>
        {(stage || aiStatus || search) && (
          <button
            type="button"
            className="crm-btn"
            onClick={() => {
              setSearchInput('');
              update({ stage: '', ai_status: '', search: '' });
            }}
          >
            Clear filters
          </button>
        )}
      </form>

      <ErrorBanner error={error} />
      <ListTable
        caption="Leads, newest first"
        columns={['Name', 'Phone', 'Email', 'Stage', 'AI status', { label: 'Value', className: 'num' }, 'Created']}
        rows={data?.data}
        busy={isFetching}
        loading={isLoading}
        empty={stage || aiStatus || search ? 'No leads match these filters.' : 'No leads yet. Add your first one.'}
        row={(lead) => (
          <tr key={lead.id} data-lead-id={lead.id}>
            <td>
              <Link to={`/leads/${lead.id}`}>{lead.name || (lead.phone && formatPhone(lead.phone)) || lead.email || 'Unnamed lead'}</Link>
            </td>
            <td>{lead.phone ? <PhoneLinks phone={lead.phone} name={lead.name ?? undefined} /> : '—'}</td>
            <td>{lead.email ? <EmailLink email={lead.email} /> : '—'}</td>
            <td>
              <StageBadge stage={lead.pipeline_stage} />
            </td>
            <td>
              <StatusBadge status={lead.ai_status} />
            </td>
            <td className="num">{money(lead.value, currency)}</td>
            <td>{formatDate(lead.created_at, settings.data?.timezone)}</td>
          </tr>
        )}
      />
      {data && <Pagination meta={data.meta} onPage={(p) => update({ page: String(p) })} label="Leads pages" />}
    </div>
  );
}
