import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, useSettings } from '../../api';
import { useTitle } from '../../components/useTitle';
import { ContactActions, EmailLink, PhoneLinks } from '../../components/Contact';
import { SaveSelect } from '../../components/SaveSelect';
import { AgentPanel } from './AgentPanel';
import { AppointmentForm } from './AppointmentForm';
import { Conversation } from './Conversation';
import { FollowUpsPanel } from './FollowUpsPanel';
import { useLiveLead } from './useLiveLead';
import { ReplyAsCustomer, useSmsConsole } from './ReplyAsCustomer';
import type { Appointment, Lead, One, Quote, SmsMessage, Stage } from './types';
import {
  ErrorBanner,
  PageHead,
  StageBadge,
  StageOptions,
  StatusBadge,
  ZoneNote,
  appointmentTypeLabel,
  fetchAll,
  leadLabel,
  money,
  useLead,
} from './ui';
import { formatDate, formatDateTime } from '../../components/dates';

export default function LeadPage() {
  const { id = '' } = useParams();
  const lead = useLead(id);
  useTitle(lead.data ? leadLabel(lead.data) : 'Lead');

  if (lead.error) {
    return (
      <div className="crm-page">
        <h1>Lead</h1>
        <ErrorBanner error={lead.error} />
        <Link to="/leads">Back to leads</Link>
      </div>
    );
  }
  if (!lead.data) {
    return (
      <div className="crm-page">
        <h1>Lead</h1>
        <p className="crm-muted">Loading…</p>
      </div>
    );
  }
  return <LeadView lead={lead.data} />;
}

function LeadView({ lead }: { lead: Lead }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const settings = useSettings();
  const currency = settings.data?.currency ?? 'AUD';
  const zone = settings.data?.timezone;
  const [confirmDelete, setConfirmDelete] = useState(false);
  const smsConsole = useSmsConsole();
  const thread = useFollowThread(lead.id);
  useLiveLead(lead.id);

  const changeStage = useMutation({
    mutationFn: (stage: Stage) => api<One<Lead>>(`/v1/leads/${lead.id}`, { method: 'PATCH', body: { pipeline_stage: stage } }),
    onSuccess: (res) => {
      queryClient.setQueryData(['lead', lead.id], res.data);
      for (const key of ['leads', 'board', 'pipeline', 'overview']) void queryClient.invalidateQueries({ queryKey: [key] });
    },
  });

  const remove = useMutation({
    mutationFn: () => api<void>(`/v1/leads/${lead.id}`, { method: 'DELETE' }),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['lead', lead.id] });
      for (const key of ['leads', 'board', 'pipeline', 'overview', 'quotes', 'appointments']) void queryClient.invalidateQueries({ queryKey: [key] });
      navigate('/leads', { replace: true });
    },
  });

  const rows: [string, ReactNode][] = [
    ['Phone', lead.phone ? <PhoneLinks phone={lead.phone} /> : '—'],
    ['Email', lead.email ? <EmailLink email={lead.email} /> : '—'],
    ['Service', lead.service_type ?? '—'],
    ['Estimated value', money(lead.value, currency)],
    ['Address', [lead.address, lead.postcode].filter(Boolean).join(' ') || '—'],
    ['Source', lead.source ?? '—'],
    ['Created', formatDateTime(lead.created_at, zone)],
    ['Updated', formatDateTime(lead.updated_at, zone)],
  ];

  return (
    <div className="crm-page">
      <PageHead
        back={<Link to="/leads">Leads</Link>}
        title={leadLabel(lead)}
        subtitle={
          <>
            <StageBadge stage={lead.pipeline_stage} /> <StatusBadge status={lead.ai_status} />
            {lead.sms_opted_out && (
              <>
                {' '}
                <span className="crm-badge crm-status-declined">Opted out of SMS</span>
              </>
            )}
          </>
        }
        actions={
          <>
            <Link className="crm-btn" to={`/leads/${lead.id}/edit`}>
              Edit
            </Link>
            <Link className="crm-btn" to={`/quotes/new?lead_id=${lead.id}`}>
              New quote
            </Link>
            <button type="button" className="crm-btn crm-btn-danger" onClick={() => setConfirmDelete(true)} disabled={confirmDelete}>
              Delete
            </button>
          </>
        }
      >
        <p className="crm-subtitle">
          <ZoneNote zone={zone} className="" />
        </p>
        <ContactActions phone={lead.phone} email={lead.email} name={leadLabel(lead)} />
      </PageHead>

      {confirmDelete && (
        <div className="crm-alert crm-alert-error" role="alertdialog" aria-labelledby="delete-q">
          <p id="delete-q">
            <strong>Delete {leadLabel(lead)}?</strong> This erases the lead with its messages, quotes and appointments. It cannot be undone.
          </p>
          <ErrorBanner error={remove.error} />
          <div className="crm-form-actions">
            <button type="button" className="crm-btn crm-btn-danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
              Yes, delete this lead
            </button>
            <button type="button" className="crm-btn" onClick={() => setConfirmDelete(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}

      {/* The conversation comes first: on a phone it is the top of the page; on a wide screen the CSS puts it on the right. */}
      <div className="crm-lead-layout">
        <div className="crm-stack crm-lead-talk">
          <Conversation lead={lead} following={thread.following} />
          {smsConsole && <ReplyAsCustomer lead={lead} onSent={thread.follow} />}
        </div>
        <div className="crm-stack crm-lead-side">
          <AgentPanel lead={lead} zone={zone} />
          <section className="crm-card" aria-labelledby="details-heading">
            <h2 id="details-heading">Details</h2>
            <div className="crm-field" style={{ marginBottom: '1rem', maxWidth: '20rem' }}>
              <label htmlFor="lead-stage">Stage</label>
              <SaveSelect
                id="lead-stage"
                value={changeStage.isPending && changeStage.variables ? changeStage.variables : lead.pipeline_stage}
                saving={changeStage.isPending}
                onSave={(stage) => changeStage.mutate(stage as Stage)}
              >
                <StageOptions />
              </SaveSelect>
            </div>
            <ErrorBanner error={changeStage.error} />
            <dl className="crm-dl">
              {rows.map(([k, v]) => (
                <div key={k} style={{ display: 'contents' }}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
            {lead.notes && (
              <>
                <h3 style={{ marginTop: '1rem' }}>Notes</h3>
                <p style={{ whiteSpace: 'pre-wrap' }}>{lead.notes}</p>
              </>
            )}
          </section>
          <LeadQuotes lead={lead} zone={zone} />
          <LeadAppointments lead={lead} zone={zone} />
          <FollowUpsPanel lead={lead} zone={zone} />
        </div>
      </div>
    </div>
  );
}

// The agent answers from the worker, seconds after the text: the page reads the thread (and the lead,
// which the agent scores) every second until an answer comes or FOLLOW_MS pass. The dashboard has no
// live stream on this page yet, so this is its way of seeing the answer arrive.
const FOLLOW_MS = 30_000;
const FOLLOW_EVERY_MS = 1_000;

function useFollowThread(leadId: string) {
  const queryClient = useQueryClient();
  const [since, setSince] = useState<{ at: number; outbound: number } | null>(null);
  const seen = useRef(0);
  const outboundCount = () => (queryClient.getQueryData<SmsMessage[]>(['messages', leadId]) ?? []).filter((m) => m.direction === 'outbound').length;

  useEffect(() => {
    if (!since) return;
    seen.current = 0;
    const timer = setInterval(() => {
      void Promise.all([
        queryClient.invalidateQueries({ queryKey: ['messages', leadId] }),
        queryClient.invalidateQueries({ queryKey: ['lead', leadId] }),
      ]).then(() => {
        // One more read after the answer shows: the lead's score may commit a moment after the text.
        if (outboundCount() > since.outbound) seen.current += 1;
        if (seen.current >= 2 || Date.now() - since.at > FOLLOW_MS) setSince(null);
      });
    }, FOLLOW_EVERY_MS);
    return () => clearInterval(timer);
  }, [since, leadId, queryClient]);

  return { following: since !== null, follow: () => setSince({ at: Date.now(), outbound: outboundCount() }) };
}

function LeadQuotes({ lead, zone }: { lead: Lead; zone: string | undefined }) {
  const quotes = useQuery({
    queryKey: ['quotes', 'lead', lead.id],
    queryFn: () => fetchAll<Quote>('/v1/quotes', { lead_id: lead.id }),
  });
  return (
    <section className="crm-card" aria-labelledby="quotes-heading">
      <div className="crm-section-head">
        <h2 id="quotes-heading">Quotes</h2>
        <Link className="crm-btn crm-btn-small" to={`/quotes/new?lead_id=${lead.id}`}>
          New quote
        </Link>
      </div>
      <ErrorBanner error={quotes.error} />
      {quotes.data?.length === 0 && <p className="crm-muted">No quotes yet.</p>}
      {quotes.data && quotes.data.length > 0 && (
        <ul className="crm-list">
          {quotes.data.map((q) => (
            <li key={q.id}>
              <span>
                <Link to={`/quotes/${q.id}`}>{q.quote_number}</Link> · {formatDate(q.created_at, zone)}
              </span>
              <span>
                {money(q.total, q.currency)} <StatusBadge status={q.status} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function LeadAppointments({ lead, zone }: { lead: Lead; zone: string | undefined }) {
  const [booking, setBooking] = useState(false);
  const appts = useQuery({
    queryKey: ['appointments', 'lead', lead.id],
    queryFn: () => fetchAll<Appointment>('/v1/appointments', { lead_id: lead.id }),
    // The API answers latest first; the lead's page reads them in the order they happen.
    select: (all) => [...all].reverse(),
  });
  return (
    <section className="crm-card" aria-labelledby="appointments-heading">
      <div className="crm-section-head">
        <h2 id="appointments-heading">Appointments</h2>
        {!booking && (
          <button type="button" className="crm-btn crm-btn-small" onClick={() => setBooking(true)}>
            Book an appointment
          </button>
        )}
      </div>
      <ErrorBanner error={appts.error} />
      {booking && (
        <div style={{ marginBottom: '1rem' }}>
          <AppointmentForm leadId={lead.id} onDone={() => setBooking(false)} />
          <button type="button" className="crm-btn crm-btn-small" style={{ marginTop: '0.5rem' }} onClick={() => setBooking(false)}>
            Cancel booking
          </button>
        </div>
      )}
      {appts.data?.length === 0 && !booking && <p className="crm-muted">No appointments.</p>}
      {appts.data && appts.data.length > 0 && (
        <ul className="crm-list">
          {appts.data.map((a) => (
            <li key={a.id}>
              <span>
                <strong>{formatDateTime(a.start_time, zone)}</strong> · {a.title}
              </span>
              <span>
                {appointmentTypeLabel(a.appointment_type)} <StatusBadge status={a.status} />
              </span>
            </li>
          ))}
        </ul>
      )}
      <p style={{ marginTop: '0.75rem', marginBottom: 0 }}>
        <Link to="/appointments">Open the agenda</Link>
      </p>
    </section>
  );
}
