import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/forms';
import type { WebhookEvent } from './webhookTypes';

export function useWebhookEvents() {
  return useQuery({
    queryKey: ['webhook-events'],
    queryFn: () => api<{ data: WebhookEvent[] }>('/app/api/webhook-events'),
    staleTime: Infinity,
  });
}

/** The events an endpoint subscribes to; none chosen means every event, including future ones. */
export default function EventChecklist({ value, onChange, error }: { value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const events = useWebhookEvents();
  return (
    <fieldset aria-describedby="events-hint">
      <legend>Events</legend>
      <p className="hint small muted" id="events-hint">
        Leave every box empty to receive all events, including ones added later.
      </p>
      {events.isLoading && <p role="status">Loading events…</p>}
      <FormError error={events.error} />
      <div className="checklist">
        {events.data?.data.map((e) => (
          <label className="check" key={e.event}>
            <input
              type="checkbox"
              checked={value.includes(e.event)}
              onChange={(ev) => onChange(ev.target.checked ? [...value, e.event] : value.filter((x) => x !== e.event))}
            />
            <span>
              <span className="check-name">{e.event}</span>
              <span className="check-desc">{e.description}</span>
            </span>
          </label>
        ))}
      </div>
      {error && <p className="field-error">{error}</p>}
    </fieldset>
  );
}
