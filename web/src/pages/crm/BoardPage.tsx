import { useEffect, useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, useSettings } from '../../api';
import { useTitle } from '../../components/useTitle';
import { LEAD_EVENTS, useLiveRefetch } from '../../live';
import { SaveSelect } from '../../components/SaveSelect';
import { formatPhone } from '../../components/dates';
import { STAGES, STAGE_LABELS, type Lead, type One, type Paged, type Pipeline, type Stage } from './types';
import { ErrorBanner, PageHead, StageOptions, StatusBadge, leadLabel, money } from './ui';


const PER_COLUMN = 50;
const DRAG_TYPE = 'application/x-quoteleads-lead';

type Move = { lead: Lead; to: Stage };

export default function BoardPage() {
  useTitle('Pipeline board');
  useLiveRefetch(LEAD_EVENTS, ['board']);
  useLiveRefetch(LEAD_EVENTS, ['pipeline']);
  const queryClient = useQueryClient();
  const settings = useSettings();
  const currency = settings.data?.currency ?? 'AUD';
  const pipeline = useQuery({ queryKey: ['pipeline'], queryFn: () => api<One<Pipeline>>('/v1/pipeline').then((r) => r.data) });
  const columns = useQueries({
    queries: STAGES.map((stage) => ({
      queryKey: ['board', stage],
      queryFn: () => api<Paged<Lead>>('/v1/leads', { query: { stage, per_page: PER_COLUMN } }),
    })),
  });
  const dragging = useRef<Lead | null>(null);
  const [draggingId, setDraggingId] = useState<string | null>(null);
  const [over, setOver] = useState<Stage | null>(null);
  const [announcement, setAnnouncement] = useState('');
  // A card moved by its "Move to" list is drawn anew in its new column: its list gets the focus back.
  const refocus = useRef<string | null>(null);
  useEffect(() => {
    const id = refocus.current;
    const el = id && document.getElementById(`move-${id}`);
    if (!el) return;
    refocus.current = null;
    if (!document.activeElement || document.activeElement === document.body) el.focus();
  });

  // The stage changes through PATCH /v1/leads/:id, as an API client would change it, so the server
  // fires the same lead.updated (and sale.completed) events. The board moves at once and rolls back on error.
  const move = useMutation({
    mutationFn: ({ lead, to }: Move) => api<One<Lead>>(`/v1/leads/${lead.id}`, { method: 'PATCH', body: { pipeline_stage: to } }),
    onMutate: async ({ lead, to }: Move) => {
      const from = lead.pipeline_stage;
      await queryClient.cancelQueries({ queryKey: ['board'] });
      await queryClient.cancelQueries({ queryKey: ['pipeline'] });
      const before = {
        from: queryClient.getQueryData<Paged<Lead>>(['board', from]),
        to: queryClient.getQueryData<Paged<Lead>>(['board', to]),
        pipeline: queryClient.getQueryData<Pipeline>(['pipeline']),
      };
      const moved = { ...lead, pipeline_stage: to };
      queryClient.setQueryData<Paged<Lead>>(['board', from], (p) =>
        p && { ...p, data: p.data.filter((l) => l.id !== lead.id), meta: { ...p.meta, total: p.meta.total - 1 } },
      );
      queryClient.setQueryData<Paged<Lead>>(['board', to], (p) => p && { ...p, data: [moved, ...p.data], meta: { ...p.meta, total: p.meta.total + 1 } });
      queryClient.setQueryData<Pipeline>(['pipeline'], (p) => p && { ...p, [from]: Math.max(0, p[from] - 1), [to]: p[to] + 1 });
      return { before, from };
    },
    onError: (_err, { to }, ctx) => {
      if (!ctx) return;
      queryClient.setQueryData(['board', ctx.from], ctx.before.from);
      queryClient.setQueryData(['board', to], ctx.before.to);
      queryClient.setQueryData(['pipeline'], ctx.before.pipeline);
    },
    onSuccess: (res, { to }) => {
      queryClient.setQueryData(['lead', res.data.id], res.data);
      setAnnouncement(`${leadLabel(res.data)} moved to ${STAGE_LABELS[to]}`);
    },
    onSettled: () => {
      for (const key of ['board', 'pipeline', 'leads', 'overview']) void queryClient.invalidateQueries({ queryKey: [key] });
    },
  });

  function moveLead(lead: Lead, to: Stage) {
    if (lead.pipeline_stage !== to) move.mutate({ lead, to });
  }

  function findLead(id: string): Lead | undefined {
    for (const c of columns) {
      const found = c.data?.data.find((l) => l.id === id);
      if (found) return found;
    }
    return undefined;
  }

  function onDragStart(e: DragEvent, lead: Lead) {
    dragging.current = lead;
    setDraggingId(lead.id);
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData(DRAG_TYPE, lead.id);
    e.dataTransfer.setData('text/plain', lead.id);
  }

  function onDragEnd() {
    dragging.current = null;
    setDraggingId(null);
    setOver(null);
  }

  function onDragOver(e: DragEvent, stage: Stage) {
    e.preventDefault(); // this is what makes the column a drop target
    e.dataTransfer.dropEffect = 'move';
    if (over !== stage) setOver(stage);
  }

  function onDrop(e: DragEvent, stage: Stage) {
    e.preventDefault();
    const id = e.dataTransfer.getData(DRAG_TYPE) || e.dataTransfer.getData('text/plain');
    const lead = (id && findLead(id)) || dragging.current;
    onDragEnd();
    if (lead) moveLead(lead, stage);
  }

  const error = pipeline.error ?? columns.find((c) => c.error)?.error ?? move.error;

  return (
    <div className="crm-page">
      <PageHead
        title="Pipeline board"
        subtitle="Drag a lead to another column, or use its “Move to” list, to change its stage."
        actions={
          <Link className="crm-btn crm-btn-primary" to="/leads/new">
            New lead
          </Link>
        }
      />
      <ErrorBanner error={error} />
      <p className="crm-visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <div className="crm-board">
        {STAGES.map((stage, i) => {
          const col = columns[i];
          const count = pipeline.data?.[stage] ?? col.data?.meta.total;
          const leads = col.data?.data ?? [];
          return (
            <section
              key={stage}
              className={`crm-column${over === stage ? ' crm-drop-target' : ''}`}
              data-stage={stage}
              aria-label={STAGE_LABELS[stage]}
              onDragEnter={(e) => e.preventDefault()}
              onDragOver={(e) => onDragOver(e, stage)}
              onDragLeave={(e) => {
                if (!e.currentTarget.contains(e.relatedTarget as Node | null) && over === stage) setOver(null);
              }}
              onDrop={(e) => onDrop(e, stage)}
            >
              <h2>
                <span>{STAGE_LABELS[stage]}</span>
                <span className="crm-count" data-count={count ?? ''}>
                  <span className="crm-visually-hidden">, </span>
                  {count ?? (col.isError ? '–' : '…')}
                  <span className="crm-visually-hidden"> leads</span>
                </span>
              </h2>
              {col.isLoading && <p className="crm-column-more">Loading…</p>}
              {col.isError && !col.data && <p className="crm-column-more">Not loaded</p>}
              {leads.map((lead) => (
                <article
                  key={lead.id}
                  className={`crm-lead-card${draggingId === lead.id ? ' crm-dragging' : ''}`}
                  data-lead-id={lead.id}
                  aria-label={leadLabel(lead)}
                  draggable
                  onDragStart={(e) => onDragStart(e, lead)}
                  onDragEnd={onDragEnd}
                >
                  <Link to={`/leads/${lead.id}`} draggable={false}>
                    {leadLabel(lead)}
                  </Link>
                  <div className="crm-card-meta">
                    <span>{lead.service_type ?? (lead.phone ? formatPhone(lead.phone) : '')}</span>
                    <span>{lead.value !== null ? money(lead.value, currency) : ''}</span>
                  </div>
                  <div className="crm-card-meta">
                    <StatusBadge status={lead.ai_status} />
                  </div>
                  <div className="crm-move">
                    <label htmlFor={`move-${lead.id}`}>Move to</label>
                    <SaveSelect
                      id={`move-${lead.id}`}
                      value={lead.pipeline_stage}
                      saving={move.isPending && move.variables?.lead.id === lead.id}
                      onSave={(to) => {
                        refocus.current = lead.id;
                        moveLead(lead, to as Stage);
                      }}
                    >
                      <StageOptions />
                    </SaveSelect>
                  </div>
                </article>
              ))}
              {col.data && col.data.meta.total > leads.length && (
                <p className="crm-column-more">
                  Showing {leads.length} of {col.data.meta.total}.{' '}
                  <Link to={`/leads?stage=${stage}`}>See all</Link>
                </p>
              )}
              {col.data && col.data.meta.total === 0 && <p className="crm-column-more">No leads</p>}
            </section>
          );
        })}
      </div>
    </div>
  );
}
