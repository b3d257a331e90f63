// "Reply as the customer" (SMS_PROVIDER=console only): a text from the lead's own number, delivered
// as Twilio would deliver it, so the agent's whole loop can be tried without a phone network.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import type { Lead } from './types';
import { ErrorBanner } from './ui';

/** Whether the server runs the console SMS provider; the box exists only then. */
export function useSmsConsole(): boolean {
  const q = useQuery({
    queryKey: ['sms-console'],
    queryFn: () => api<{ sms_console: boolean }>('/app/api/console'),
    staleTime: Infinity,
  });
  return q.data?.sms_console === true;
}

/** The box; `onSent` starts the page following the thread for the agent's answer. */
export function ReplyAsCustomer({ lead, onSent }: { lead: Lead; onSent: () => void }) {
  const [text, setText] = useState('');
  const send = useMutation({
    mutationFn: (body: string) => api<{ received: boolean }>('/app/api/console/inbound', { method: 'POST', body: { lead_id: lead.id, text: body } }),
    onSuccess: () => {
      setText('');
      onSent();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (text.trim() && lead.phone) send.mutate(text);
  }
  return (
    <section className="crm-card crm-console" aria-labelledby="console-heading">
      <h2 id="console-heading">Reply as the customer</h2>
      <p className="crm-hint" id="console-hint">
        Console mode: this delivers a text from {lead.phone ?? 'the lead'} as if the customer had sent it, and the agent answers it as it
        would a real one. Nothing goes over the phone network.
      </p>
      {!lead.phone ? (
        <p className="crm-alert crm-alert-info">This lead has no phone number, so it cannot text in.</p>
      ) : (
        <form className="crm-form" onSubmit={submit}>
          <ErrorBanner error={send.error} />
          <div className="crm-field">
            <label htmlFor="console-text">The customer’s text</label>
            <textarea id="console-text" rows={2} maxLength={1600} value={text} aria-describedby="console-hint" onChange={(e) => setText(e.target.value)} />
          </div>
          <div className="crm-form-actions">
            <button type="submit" className="crm-btn" disabled={!text.trim() || send.isPending}>
              Send as the customer
            </button>
            <span className="crm-muted" role="status">
              {send.isPending ? 'Delivering…' : send.isSuccess && !text ? 'Delivered. The agent’s answer appears in the conversation.' : ''}
            </span>
          </div>
        </form>
      )}
    </section>
  );
}
