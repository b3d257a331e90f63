import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fieldErrors, useSettings } from '../../api';
import { useTitle } from '../../components/useTitle';
import { PhoneLinks } from '../../components/Contact';
import { Sheet } from '../../components/Sheet';
import { useNarrow } from '../../components/useNarrow';
import { SaveSelect } from '../../components/SaveSelect';
import { AppointmentForm, zonedInstant } from './AppointmentForm';
import { APPOINTMENT_STATUSES, type Appointment, type AppointmentStatus, type One } from './types';
import { ErrorBanner, Field, PageHead, StatusBadge, appointmentTypeLabel, fetchAll, humanize, leadLabel } from './ui';
import { addDays, dayIn, isoToZoned, startOfDayIn } from '../../components/zoned-time';
import { formatDay, formatTime } from '../../components/dates';

const DAYS = 14;
const DAY_KEY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_HEADING: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long' };
const SHORT_DAY: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };

export default function AppointmentsPage() {
  useTitle('Appointments');
  const settings = useSettings();
  return (
    <div className="crm-page">
      <PageHead
        title="Appointments"
        subtitle={<>Callbacks and site visits, by day{settings.data && <> · Times in {settings.data.timezone}</>}</>}
      />
      <ErrorBanner error={settings.error} />
      {settings.isLoading && <p className="crm-muted">Loading…</p>}
      {settings.data && <Agenda zone={settings.data.timezone} />}
    </div>
  );
}

/** Days are the company's days: an appointment at 9 am in Sydney is on that Sydney day, wherever the browser is. */
function Agenda({ zone }: { zone: string }) {
  const [params, setParams] = useSearchParams();
  const todayKey = dayIn(Date.now(), zone);
  const startKey = params.get('from');
  const fromKey = startKey && DAY_KEY.test(startKey) ? startKey : todayKey;
  const toKey = addDays(fromKey, DAYS);

  const appts = useQuery({
    queryKey: ['appointments', 'range', zone, fromKey],
    queryFn: () => fetchAll<Appointment>('/v1/appointments', { from: startOfDayIn(fromKey, zone), to: startOfDayIn(toKey, zone) }),
    select: (all) => [...all].sort((a, b) => a.start_time.localeCompare(b.start_time)),
  });

  const byDay = new Map<string, Appointment[]>();
  for (const a of appts.data ?? []) {
    const k = dayIn(a.start_time, zone);
    byDay.set(k, [...(byDay.get(k) ?? []), a]);
  }

  const go = (days: number) => setParams({ from: addDays(fromKey, days) }, { replace: true });
  // A phone has no room beside the agenda: the form is a sheet over it, opened by a button.
  const narrow = useNarrow();
  const [booking, setBooking] = useState(false);
  const form = (
    <AppointmentForm
      onDone={(a) => {
        const k = dayIn(a.start_time, zone);
        if (k < fromKey || k >= toKey) setParams({ from: k }, { replace: true });
        setBooking(false);
      }}
    />
  );

  return (
    <div className="crm-grid crm-agenda">
      <section aria-labelledby="agenda-heading">
        <h2 id="agenda-heading" className="crm-visually-hidden">
          Agenda
        </h2>
        {narrow && (
          <button type="button" className="crm-btn crm-btn-primary crm-book-open" aria-haspopup="dialog" onClick={() => setBooking(true)}>
            New appointment
          </button>
        )}
        <nav className="crm-range" aria-label="Agenda dates" style={{ marginBottom: '1rem' }}>
          <button type="button" className="crm-btn" onClick={() => go(-DAYS)}>
            Previous {DAYS} days
          </button>
          <strong aria-live="polite">
            {formatDay(fromKey, SHORT_DAY)} – {formatDay(addDays(toKey, -1), SHORT_DAY)}
          </strong>
          <button type="button" className="crm-btn" onClick={() => go(DAYS)}>
            Next {DAYS} days
          </button>
          {fromKey !== todayKey && (
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
              {formatDay(k, DAY_HEADING)}
            </h2>
            {list.map((a) => (
              <AppointmentRow key={a.id} appt={a} zone={zone} />
            ))}
          </section>
        ))}
      </section>
      {narrow ? (
        <Sheet open={booking} onClose={() => setBooking(false)} title="New appointment">
          {form}
        </Sheet>
      ) : (
        <section className="crm-card" aria-labelledby="book-heading">
          <h2 id="book-heading">New appointment</h2>
          {form}
        </section>
      )}
    </div>
  );
}

function AppointmentRow({ appt, zone }: { appt: Appointment; zone: string }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [start, setStart] = useState(isoToZoned(appt.start_time, zone));
  const [end, setEnd] = useState(isoToZoned(appt.end_time, zone));

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
    // Only what changed: a new start alone moves the appointment and the server keeps its length.
    const body: { start_time?: string; end_time?: string } = {};
    if (start !== isoToZoned(appt.start_time, zone)) body.start_time = zonedInstant(start, zone);
    if (end && end !== isoToZoned(appt.end_time, zone)) body.end_time = zonedInstant(end, zone);
    if (!body.start_time && !body.end_time) return setEditing(false);
    patch.mutate(body);
  }

  const lead = leadLabel(appt.leads);
  return (
    <article className="crm-appt" data-appointment-id={appt.id} aria-label={`${formatTime(appt.start_time, zone)} ${appt.title}`}>
      <div className="crm-appt-time">
        {formatTime(appt.start_time, zone)}
        <span className="crm-muted" style={{ fontWeight: 400 }}>
          {' '}
          – {formatTime(appt.end_time, zone)}
        </span>
      </div>
      <div>
        <div className="crm-appt-title">{appt.title}</div>
        <div className="crm-appt-meta">
          <span>{appointmentTypeLabel(appt.appointment_type)}</span>
          <StatusBadge status={appt.status} />
          <span>
            with <Link to={`/leads/${appt.lead_id}`}>{lead}</Link>
          </span>
          {appt.leads.phone && <PhoneLinks phone={appt.leads.phone} name={lead} />}
          {appt.location && <span>· {appt.location}</span>}
        </div>
        {appt.notes && <div className="crm-appt-meta">{appt.notes}</div>}
      </div>
      <div className="crm-appt-actions">
        <label className="crm-visually-hidden" htmlFor={`status-${appt.id}`}>
          Status of {appt.title}
        </label>
        <SaveSelect
          id={`status-${appt.id}`}
          value={appt.status}
          saving={patch.isPending}
          onSave={(status) => patch.mutate({ status: status as AppointmentStatus })}
          style={{ width: 'auto' }}
        >
          {APPOINTMENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {humanize(s)}
            </option>
          ))}
        </SaveSelect>
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
              <Field label="New start" error={errors.start_time} hint={`Times in ${zone}`}>
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
