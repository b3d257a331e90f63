// Small pieces the CRM pages share: badges, paging, errors, money formats, the lead picker.
import { useEffect, useId, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../../api';
import { formatMoney } from '../../../../src/lib/money';
import { Pager } from '../../components/Pager';
import { RetryButton } from '../../components/Retry';
import { companyLocale, formatPhone } from '../../components/dates';
import { TableHead, labelCells, type Column } from '../../components/Table';
import { STAGES, STAGE_LABELS, type Lead, type One, type PageMeta, type Paged, type Stage } from './types';
import './crm.css';

export function useDebounced<T>(value: T, ms = 300): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

export function useLead(id: string | undefined) {
  return useQuery({
    queryKey: ['lead', id],
    queryFn: () => api<One<Lead>>(`/v1/leads/${id}`).then((r) => r.data),
    enabled: !!id,
  });
}

export const humanize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ');
export const appointmentTypeLabel = (t: string) => (t === 'onsite' ? 'On-site visit' : humanize(t));

export function leadLabel(lead: Pick<Lead, 'name' | 'phone' | 'email'> | null | undefined): string {
  if (!lead) return '—';
  return lead.name || (lead.phone && formatPhone(lead.phone)) || lead.email || 'Unnamed lead';
}

export function StageBadge({ stage }: { stage: Stage }) {
  return <span className={`crm-badge crm-stage-${stage}`}>{STAGE_LABELS[stage] ?? stage}</span>;
}

/** A select's options for these values, each shown as `label` words it (by default the value in words). */
export function Options<T extends string>({ values, label = humanize }: { values: readonly T[]; label?: (value: T) => string }) {
  return values.map((v) => (
    <option key={v} value={v}>
      {label(v)}
    </option>
  ));
}

/** The pipeline stages as a select's options, in pipeline order. */
export function StageOptions() {
  return <Options values={STAGES} label={(s) => STAGE_LABELS[s]} />;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`crm-badge crm-status-${status}`}>{humanize(status)}</span>;
}

/** An amount the API answered (at most two decimals) in the company currency, formatted by the server's own helper. */
export function money(amount: number | null | undefined, currency = 'AUD'): string {
  if (amount === null || amount === undefined) return '—';
  return formatMoney(BigInt(Math.round(amount * 100)), currency, companyLocale());
}

/** Says which zone the times around it are in: the company's, which need not be the browser's. */
export function ZoneNote({ zone, className = 'crm-hint' }: { zone: string | undefined; className?: string }) {
  if (!zone) return null;
  return <span className={`crm-zone ${className}`}>Times in {zone}</span>;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong';
}

export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="crm-alert crm-alert-error" role="alert">
      {errorMessage(error)}
      <RetryButton error={error} className="crm-btn crm-btn-small" />
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p className="crm-field-error" id={id}>
      {message}
    </p>
  );
}

/** A labelled form field with its error underneath, the input wired to both by id. */
export function Field(props: {
  label: string;
  error?: string;
  hint?: string;
  className?: string;
  children: (attrs: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const errId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [props.error ? errId : '', props.hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`crm-field ${props.className ?? ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, 'aria-invalid': !!props.error, 'aria-describedby': describedBy })}
      {props.hint && (
        <p className="crm-hint" id={hintId}>
          {props.hint}
        </p>
      )}
      <FieldError id={errId} message={props.error} />
    </div>
  );
}

export function Pagination({ meta, onPage, label = 'Pagination' }: { meta: PageMeta; onPage: (page: number) => void; label?: string }) {
  const first = meta.total === 0 ? 0 : (meta.page - 1) * meta.per_page + 1;
  const last = Math.min(meta.total, meta.page * meta.per_page);
  return (
    <Pager page={meta.page} perPage={meta.per_page} total={meta.total} onPage={onPage} label={label} className="crm-pagination" buttonClassName="crm-btn">
      <span>
        {first}–{last} of {meta.total}
      </span>
    </Pager>
  );
}

/** A CRM page's heading: an optional way back above it, a line under it, and its buttons on the right. */
export function PageHead(props: { title: ReactNode; back?: ReactNode; subtitle?: ReactNode; actions?: ReactNode; children?: ReactNode }) {
  const { title, back, subtitle, actions, children } = props;
  return (
    <div className="crm-page-head">
      <div>
        {back && <p className="crm-subtitle">{back} /</p>}
        <h1>{title}</h1>
        {subtitle && <p className="crm-subtitle">{subtitle}</p>}
        {children}
      </div>
      {actions && <div className="crm-actions">{actions}</div>}
    </div>
  );
}

type ListTableProps<T> = {
  caption: string;
  columns: Column[];
  /** The page of items, undefined until it has loaded. */
  rows: T[] | undefined;
  row: (item: T) => ReactNode;
  empty: ReactNode;
  loading: boolean;
  busy: boolean;
};

/** A CRM list: its table with a caption for screen readers, a row per item (a card on a phone), or one row saying it is empty or loading. */
export function ListTable<T>({ caption, columns, rows, row, empty, loading, busy }: ListTableProps<T>) {
  const message = (text: ReactNode) => (
    <tr role="row">
      <td role="cell" colSpan={columns.length} className="crm-empty">
        {text}
      </td>
    </tr>
  );
  return (
    <div className="crm-table-wrap" aria-busy={busy}>
      <table role="table" className="crm-table table-cards">
        <caption className="crm-visually-hidden">{caption}</caption>
        <TableHead columns={columns} hiddenClassName="crm-visually-hidden" />
        <tbody role="rowgroup">
          {rows?.map((item) => labelCells(row(item), columns))}
          {rows && rows.length === 0 && message(empty)}
          {loading && message('Loading…')}
        </tbody>
      </table>
    </div>
  );
}

/** The lead's name linked to its page, loaded (and cached) by id: quotes carry only lead_id. */
export function LeadLink({ id }: { id: string }) {
  const { data, isError } = useLead(id);
  if (isError) return <span>Deleted lead</span>;
  return <Link to={`/leads/${id}`}>{data ? leadLabel(data) : '…'}</Link>;
}

/** Choose a lead: a search box narrowing a select of matching leads. */
export function LeadPicker({ value, onChange, error }: { value: string; onChange: (id: string) => void; error?: string }) {
  const [search, setSearch] = useState('');
  const term = useDebounced(search.trim());
  const searchId = useId();
  const { data } = useQuery({
    queryKey: ['leads', { search: term, per_page: 50 }],
    queryFn: () => api<Paged<Lead>>('/v1/leads', { query: { search: term || undefined, per_page: 50 } }),
  });
  const chosen = useLead(value || undefined);
  const options = data?.data ?? [];
  const showChosen = chosen.data && !options.some((l) => l.id === chosen.data!.id);
  return (
    <div className="crm-lead-picker">
      <div className="crm-field">
        <label htmlFor={searchId}>Find a lead</label>
        <input id={searchId} type="search" value={search} placeholder="Name, phone or email" onChange={(e) => setSearch(e.target.value)} />
      </div>
      <Field label="Lead" error={error}>
        {(attrs) => (
          <select {...attrs} value={value} onChange={(e) => onChange(e.target.value)} required>
            <option value="">Choose a lead…</option>
            {showChosen && <option value={chosen.data!.id}>{leadLabel(chosen.data)}</option>}
            {options.map((l) => (
              <option key={l.id} value={l.id}>
                {leadLabel(l)}
                {l.phone && l.name ? ` (${formatPhone(l.phone)})` : ''}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}

/** Fetch every page of a list (100 a page, up to `maxPages`): for filters the API does not have. */
export async function fetchAll<T>(path: string, query: Record<string, string | number | undefined> = {}, maxPages = 10): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const res = await api<Paged<T>>(path, { query: { ...query, page, per_page: 100 } });
    all.push(...res.data);
    if (page * res.meta.per_page >= res.meta.total) break;
  }
  return all;
}
