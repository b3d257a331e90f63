import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { FormError } from '../../components/forms';
import { useWebhookEvents } from './EventChecklist';
import type { WebhookTestResult } from './webhookTypes';

export function AttemptOutcome({ attempt }: { attempt: { success: boolean; status_code: number | null; error: string | null } }) {
  return (
    <span className={`badge ${attempt.success ? 'badge-green' : 'badge-red'}`}>
      {attempt.status_code !== null ? `HTTP ${attempt.status_code}` : 'No response'}
      {attempt.success ? ' · OK' : ' · Failed'}
    </span>
  );
}

export default function WebhookTest({ endpointId, enabled }: { endpointId: string; enabled: boolean }) {
  const queryClient = useQueryClient();
  const events = useWebhookEvents();
  const [event, setEvent] = useState('lead.created');
  const send = useMutation({
    mutationFn: () => api<{ data: WebhookTestResult }>(`/v1/webhooks/${endpointId}/test`, { method: 'POST', body: { event } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['webhook-deliveries', endpointId] }),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    send.mutate();
  }

  const result = send.data?.data;
  return (
    <section className="card">
      <h2 id="test-title">Send a test event</h2>
      <p className="muted">
        Sends a sample of the event, marked with the header <code>X-Webhook-Test: true</code> and <code>"test": true</code>, and
        shows what your endpoint answered.
      </p>
      {!enabled && <p className="alert alert-warning">The endpoint is disabled; a test is still sent so you can check your fix.</p>}
      <form className="actions" onSubmit={submit}>
        <div className="field" style={{ minWidth: '16rem' }}>
          <label htmlFor="test-event">Event</label>
          <select id="test-event" value={event} onChange={(e) => setEvent(e.target.value)}>
            {(events.data?.data ?? [{ event: 'lead.created', description: '' }]).map((e) => (
              <option key={e.event} value={e.event}>
                {e.event}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn btn-primary" disabled={send.isPending} style={{ alignSelf: 'flex-end' }}>
          {send.isPending ? 'Sending…' : 'Send test event'}
        </button>
      </form>
      <div aria-live="polite">
        <FormError error={send.error} />
        {result && (
          <div className="card" style={{ marginTop: '1rem', boxShadow: 'none' }} data-testid="test-result">
            <h3>Result</h3>
            <dl className="dl">
              <dt>Outcome</dt>
              <dd>
                <AttemptOutcome attempt={result} />
              </dd>
              <dt>Status code</dt>
              <dd>{result.status_code ?? '—'}</dd>
              <dt>Duration</dt>
              <dd>{result.duration_ms} ms</dd>
              {result.error && (
                <>
                  <dt>Error</dt>
                  <dd>{result.error}</dd>
                </>
              )}
              <dt>Response</dt>
              <dd>{result.response_body ? <pre className="excerpt">{result.response_body}</pre> : <span>Empty</span>}</dd>
            </dl>
          </div>
        )}
      </div>
    </section>
  );
}
