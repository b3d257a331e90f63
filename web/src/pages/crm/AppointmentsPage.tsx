import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fieldErrors } from '../../api';
import { useTitle } from '../../components/useTitle';
import { AppointmentForm, isoToLocal, localToIso } from './AppointmentForm';
import { APPOINTMENT_STATUSES, type Appointment, type AppointmentStatus, type One } from './types';
import { ErrorBanner, Field, StatusBadge, appointmentTypeLabel, fetchAll, formatTime, humanize, leadLabel } from './ui';

const DAYS = 14;
const dayKey = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const dayFromKey = (k: string) => {
  const [y, m, d] = k.split('-').map(Number);
  return new Date(y, m - 1, d);
};
const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
const dayHeading = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

export default function AppointmentsPage() {
  useTitle('Appointments');
  const [params, setParams] = useSearchParams();
  const startKey = params.get('from');
  const start = startKey && /^\d{4}-\d{2}-\d{2}$/.test(startKey) ? dayFromKey(startKey) : addDays(new Date(), 0);
  const from = new Date(start.getFullYear(), start.getMonth(), start.getDate());
  const to = addDays(from, DAYS);
  const todayKey = dayKey(new Date());

  const appts = useQuery({
    queryKey: ['appointments', 'range', dayKey(from)],
    queryFn: () => fetchAll<Appointment>('/v1/appointments', { from: from.toISOString(), to: to.toISOString() }),
    select: (all) => [...all].sort((a, b) => a.start_time.localeCompare(b.start_time)),
  });

  const byDay = new Map<string, Appointment[]>();
  for (const a of appts.data ?? []) {
    const k = dayKey(new Date(a.start_time));
    byDay.set(k, [...(byDay.get(k) ?? []), a]);
  }

  const go = (days: number) => setParams({ from: dayKey(addDays(from, days)) }, { replace: true });

  return (
    <div className="crm-page">
      <div className="crm-page-head">
        <div>
          <h1>Appointments</h1>
          <p className="crm-subtitle">Callbacks and site visits, by day</p>
        </div>
      </div>
      <div className="crm-grid" style={{ gridTemplateColumns: 'minmax(0, 2fr) minmax(300px, 1fr)', alignItems: 'start' }}>
        <section aria-labelledby="agenda-heading">
          <h2 id="agenda-heading" className="crm-visually-hidden">
            Agenda
          </h2>
          <nav className="crm-range" aria-label="Agenda dates" style={{ marginBottom: '1rem' }}>
            <button type="button" className="crm-btn" onClick={() => go(-DAYS)}>
              Previous {DAYS} days
            </button>
            <strong aria-live="polite">
              {shortDay.format(from)} – {shortDay.format(addDays(to, -1))}
            </strong>
            <button type="button" className="crm-btn" onClick={() => go(DAYS)}>
              Next {DAYS} days
            </button>
            {dayKey(from) !== todayKey && (
              <button type="button" className="crm-btn" onClick={() => setParams({}, { replace: true })}>
                Today
              </button>
            )}
          </nav>
          <ErrorBanner error={appts.error} />
          {appts.isLoading && <p className="crm-muted">Loading…</p>}
          {appts.data && appts.data.length === 0 && <p className="crm-card crm-empty">Nothing booked in these {DAYS} days.</p>}
          {[...byDay.entries()].map(([k, list]) => (
            <section key={k} className="crm-day" aria-labelledby={`day-${k}`}>
              <h2 id={`day-${k}`}>
                {k === todayKey ? 'Today, ' : ''}
                {dayHeading.format(dayFromKey(k))}
              </h2>
              {list.map((a) => (
                <AppointmentRow key={a.id} appt={a} />
              ))}
            </section>
          ))}
        </section>
        <section className="crm-card" aria-labelledby="book-heading">
          <h2 id="book-heading">New appointment</h2>
          <AppointmentForm
            onDone={(a) => {
              const k = dayKey(new Date(a.start_time));
              if (k < dayKey(from) || k >= dayKey(to)) setParams({ from: k }, { replace: true });
            }}
          />
        </section>
      </div>
    </div>
  );
}

function AppointmentRow({ appt }: { appt: Appointment }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [start, setStart] = useState(isoToLocal(appt.start_time));
  const [end, setEnd] = useState(isoToLocal(appt.end_time));

  const patch = useMutation({
    mutationFn: (body: { status?: AppointmentStatus; start_time?: string; end_time?: string }) =>
      api<One<Appointment>>(`/v1/appointments/${appt.id}`, { method: 'PATCH', body }),
    onSuccess: () => {
      setEditing(false);
      void queryClient.invalidateQueries({ queryKey: ['appointments'] });
    },
  });
  const errors = fieldErrors(patch.error);

  function reschedule(e: FormEvent) {
    e.preventDefault();
    patch.mutate({ start_time: localToIso(start), end_time: localToIso(end) });
  }

  const lead = leadLabel(appt.leads);
  return (
    <article className="crm-appt" data-appointment-id={appt.id} aria-label={`${formatTime(appt.start_time)} ${appt.title}`}>
      <div className="crm-appt-time">
        {formatTime(appt.start_time)}
        <span className="crm-muted" style={{ fontWeight: 400 }}>
          {' '}
          – {formatTime(appt.end_time)}
        </span>
      </div>
      <div>
        <div className="crm-appt-title">{appt.title}</div>
        <div className="crm-appt-meta">
          <span>{appointmentTypeLabel(appt.appointment_type)}</span>
          <StatusBadge status={appt.status} />
          <span>
            with <Link to={`/leads/${appt.lead_id}`}>{lead}</Link>
            {appt.leads.phone ? ` · ${appt.leads.phone}` : ''}
          </span>
          {appt.location && <span>· {appt.location}</span>}
        </div>
        {appt.notes && <div className="crm-appt-meta">{appt.notes}</div>}
      </div>
      <div className="crm-appt-actions">
        <label className="crm-visually-hidden" htmlFor={`status-${appt.id}`}>
          Status of {appt.title}
        </label>
        <select
          id={`status-${appt.id}`}
          value={appt.status}
          disabled={patch.isPending}
          onChange={(e) => patch.mutate({ status: e.target.value as AppointmentStatus })}
          style={{ width: 'auto' }}
        >
          {APPOINTMENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {humanize(s)}
            </option>
          ))}
        </select>
        {!editing && (
          <button type="button" className="crm-btn crm-btn-small" onClick={() => setEditing(true)}>
            Reschedule
          </button>
        )}
      </div>
      {(editing || patch.error) && (
        <div className="crm-appt-edit">
          <ErrorBanner error={patch.error} />
          {editing && (
            <form className="crm-inline" onSubmit={reschedule} aria-label={`Reschedule ${appt.title}`}>
              <Field label="New start" error={errors.start_time}>
                {(attrs) => <input {...attrs} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} required />}
              </Field>
              <Field label="New end" error={errors.end_time}>
                {(attrs) => <input {...attrs} type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />}
              </Field>
              <button type="submit" className="crm-btn crm-btn-primary" disabled={patch.isPending}>
                Save
              </button>
              <button type="button" className="crm-btn" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </form>
          )}
        </div>
      )}
    </article>
  );
}
