// Booking an appointment: on a lead's page (the lead is known) and on the agenda (a lead picker).
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, fieldErrors, useSettings } from '../../api';
import { APPOINTMENT_TYPES, type Appointment, type AppointmentType, type One } from './types';
import { ErrorBanner, Field, LeadPicker, Options, appointmentTypeLabel } from './ui';
import { nextHourIn, zonedToIso } from '../../components/zoned-time';
import { formatDateTime } from '../../components/dates';

/** A datetime-local value on the company's clock as the instant the API takes; an unreadable one goes as typed, for the API to name the field. */
export const zonedInstant = (local: string, zone: string) => zonedToIso(local, zone) ?? (local || undefined);

type Props = { leadId?: string; onDone?: (a: Appointment) => void };

/** Times are entered on the company's clock, so the form waits for its timezone. */
export function AppointmentForm(props: Props) {
  const settings = useSettings();
  if (settings.error) return <ErrorBanner error={settings.error} />;
  if (!settings.data) return <p className="crm-muted">Loading…</p>;
  return <BookingForm {...props} zone={settings.data.timezone} />;
}

function BookingForm({ leadId, onDone, zone }: Props & { zone: string }) {
  const queryClient = useQueryClient();
  const [lead, setLead] = useState(leadId ?? '');
  const [type, setType] = useState<AppointmentType>('callback');
  const [start, setStart] = useState(() => nextHourIn(zone));
  const [end, setEnd] = useState('');
  const [title, setTitle] = useState('');
  const [location, setLocation] = useState('');
  const [notes, setNotes] = useState('');
  const [noLead, setNoLead] = useState(false);
  const [booked, setBooked] = useState<Appointment | null>(null);

  const book = useMutation({
    mutationFn: () =>
      api<One<Appointment>>('/v1/appointments', {
        method: 'POST',
        body: {
          lead_id: lead,
          appointment_type: type,
          start_time: zonedInstant(start, zone),
          end_time: zonedInstant(end, zone),
          title: title.trim() || undefined,
          location: location.trim() || undefined,
          notes: notes.trim() || undefined,
        },
      }),
    onSuccess: (res) => {
      void queryClient.invalidateQueries({ queryKey: ['appointments'] });
      setTitle('');
      setLocation('');
      setNotes('');
      setEnd('');
      setBooked(res.data);
      onDone?.(res.data);
    },
  });
  const errors = fieldErrors(book.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    setNoLead(!lead);
    setBooked(null);
    if (lead) book.mutate();
  }

  return (
    <form className="crm-form" onSubmit={submit} noValidate aria-label="Book an appointment">
      <ErrorBanner error={book.error} />
      {booked && (
        <p className="crm-alert crm-alert-success" role="status">
          Booked: {booked.title}, {formatDateTime(booked.start_time, zone)}
        </p>
      )}
      {!leadId && <LeadPicker value={lead} onChange={setLead} error={noLead ? 'Choose the lead this appointment is with' : errors.lead_id} />}
      <div className="crm-form-grid">
        <Field label="Type" error={errors.appointment_type}>
          {(attrs) => (
            <select {...attrs} value={type} onChange={(e) => setType(e.target.value as AppointmentType)}>
              <Options values={APPOINTMENT_TYPES} label={appointmentTypeLabel} />
            </select>
          )}
        </Field>
        <Field label="Start" error={errors.start_time} hint={`Times in ${zone}`}>
          {(attrs) => <input {...attrs} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} required />}
        </Field>
        <Field label="End (optional)" error={errors.end_time} hint={`Default: 30 minutes after the start. Times in ${zone}`}>
          {(attrs) => <input {...attrs} type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />}
        </Field>
      </div>
      <div className="crm-form-grid">
        <Field label="Title (optional)" error={errors.title}>
          {(attrs) => <input {...attrs} type="text" value={title} placeholder="Callback: or Site Visit: + the lead's name" onChange={(e) => setTitle(e.target.value)} />}
        </Field>
        <Field label="Location" error={errors.location}>
          {(attrs) => <input {...attrs} type="text" value={location} onChange={(e) => setLocation(e.target.value)} />}
        </Field>
      </div>
      <Field label="Appointment notes" error={errors.notes}>
        {(attrs) => <textarea {...attrs} rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />}
      </Field>
      <div className="crm-form-actions">
        <button type="submit" className="crm-btn crm-btn-primary" disabled={book.isPending}>
          Book appointment
        </button>
      </div>
    </form>
  );
}
