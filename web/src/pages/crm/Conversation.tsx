// A lead's SMS thread and the composer that says, as you type, what the message will cost.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, SETTINGS_KEY, useSettings } from '../../api';
// The server's own segment counter, so the price shown is the price charged.
import { countSegments } from '../../../../src/lib/sms-segments';
import type { Lead, Sender, SendSmsAnswer, Settings, SmsMessage } from './types';
import { ErrorBanner, fetchAll } from './ui';
import { formatDateTime } from '../../components/dates';

const MAX_MESSAGE_LENGTH = 1600; // sms.schemas.ts: a longer message is refused

/** Who sent an outbound text, in a word or two: the user's or key's name, or what sent it on its own. */
function senderLabel(sender: Sender): string {
  switch (sender.type) {
    case 'user':
      return sender.name ?? 'Team member';
    case 'api':
      return sender.name ? `API key ${sender.name}` : 'API';
    case 'agent':
      return 'Agent';
    case 'automation':
      return sender.name ?? 'Automation'; // the instant reply is named "Instant reply"
    case 'intake':
      return 'Web form';
    case 'lead':
      return 'Lead';
    case 'system':
      return sender.name ?? 'QuoteLeads';
  }
}

/** `following`: the page is reading the thread every second for the agent's answer. */
export function Conversation({ lead, following = false }: { lead: Lead; following?: boolean }) {
  const queryClient = useQueryClient();
  const settings = useSettings();
  const thread = useQuery({
    queryKey: ['messages', lead.id],
    queryFn: () => fetchAll<SmsMessage>(`/v1/leads/${lead.id}/messages`),
  });
  const [text, setText] = useState('');
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [thread.data?.length]);

  const send = useMutation({
    mutationFn: (message: string) => api<SendSmsAnswer>('/v1/sms', { method: 'POST', body: { lead_id: lead.id, message } }),
    onSuccess: (res) => {
      setText('');
      queryClient.setQueryData<Settings>(SETTINGS_KEY, (s) => (s ? { ...s, sms_credits: res.credits_remaining } : s));
      void queryClient.invalidateQueries({ queryKey: ['messages', lead.id] });
      // A person's text takes over from the agent: the lead's agent_paused has changed.
      void queryClient.invalidateQueries({ queryKey: ['lead', lead.id] });
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: SETTINGS_KEY }),
  });

  const count = countSegments(text);
  const credits = settings.data?.sms_credits;
  const tooLong = [...text].length > MAX_MESSAGE_LENGTH;
  const notEnough = credits !== undefined && count.segments > credits;
  // Paused: the server refuses every text (409 sms_paused), so the composer says so instead.
  const paused = settings.data?.sms_paused === true;
  const blocked = lead.sms_opted_out || !lead.phone || paused;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (text.trim() && !tooLong && !blocked) send.mutate(text);
  }

  return (
    <section className="crm-card" aria-labelledby="conversation-heading">
      <div className="crm-section-head">
        <h2 id="conversation-heading">Conversation</h2>
        <span className="crm-muted">{credits === undefined ? '' : `${credits} SMS credit${credits === 1 ? '' : 's'} left`}</span>
      </div>
      <ErrorBanner error={thread.error} />
      {thread.data && thread.data.length === 0 && <p className="crm-muted">No messages yet.</p>}
      {thread.data && thread.data.length > 0 && (
        <ol className="crm-thread" ref={listRef} aria-label="Messages, oldest first" tabIndex={0}>
          {thread.data.map((m) => (
            <li
              key={m.id}
              className={`crm-msg crm-msg-${m.direction}${m.direction === 'outbound' && m.sender.type === 'agent' ? ' crm-msg-agent' : ''}`}
              data-message-id={m.id}
              data-sender-type={m.sender.type}
            >
              <span className="crm-visually-hidden">{m.direction === 'inbound' ? 'From the lead: ' : 'Sent: '}</span>
              {m.direction === 'outbound' && m.sender.type === 'agent' && (
                <span className="crm-msg-by" aria-hidden="true">
                  Agent
                </span>
              )}
              {m.body}
              <span className="crm-msg-meta">
                {m.direction === 'outbound' && (
                  <>
                    <span className="crm-visually-hidden">by </span>
                    <span data-testid="message-sender">{senderLabel(m.sender)}</span> ·{' '}
                  </>
                )}
                {formatDateTime(m.created_at, settings.data?.timezone)}
                {m.direction === 'outbound' && ` · ${m.status}${m.segments > 1 ? ` · ${m.segments} segments` : ''}`}
              </span>
            </li>
          ))}
        </ol>
      )}
      <p className="crm-muted crm-following" role="status">
        {following ? 'Waiting for the agent’s answer…' : ''}
      </p>

      {paused ? (
        <p className="crm-alert crm-alert-info" id="sms-blocked">
          SMS is paused for this company, so no text can be sent. An owner or admin can switch it back on in{' '}
          <Link to="/settings">Settings</Link>.
        </p>
      ) : lead.sms_opted_out ? (
        <p className="crm-alert crm-alert-info">This lead has opted out of SMS (texted STOP). They can text START to opt back in.</p>
      ) : !lead.phone ? (
        <p className="crm-alert crm-alert-info">This lead has no phone number. Add one to text them.</p>
      ) : null}

      {/* On a phone the composer stays at the bottom of the screen while the thread is read (crm.css). */}
      <form className="crm-form crm-composer" onSubmit={submit} aria-label="Text the lead">
        <ErrorBanner error={send.error} />
        <div className="crm-field">
          <label htmlFor="sms-message">Message</label>
          <textarea
            id="sms-message"
            rows={3}
            value={text}
            disabled={blocked}
            aria-describedby={paused ? 'sms-blocked sms-cost' : 'sms-cost'}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="crm-composer-meta" id="sms-cost" aria-live="polite">
          <span>
            {[...text].length} character{[...text].length === 1 ? '' : 's'} · {count.segments} segment{count.segments === 1 ? '' : 's'} ({count.encoding})
          </span>
          <span className={notEnough || tooLong ? 'crm-over' : undefined}>
            {tooLong
              ? `Too long: at most ${MAX_MESSAGE_LENGTH} characters`
              : `Costs ${count.segments} credit${count.segments === 1 ? '' : 's'}${credits === undefined ? '' : ` of ${credits}`}${notEnough ? ': not enough credits' : ''}`}
          </span>
        </div>
        <div className="crm-form-actions">
          <button type="submit" className="crm-btn crm-btn-primary" disabled={blocked || !text.trim() || tooLong || send.isPending}>
            Send
          </button>
          {send.data && !send.isPending && !text && (
            <span className="crm-muted" role="status">
              Sent ({send.data.segments} credit{send.data.segments === 1 ? '' : 's'} used)
            </span>
          )}
        </div>
      </form>
    </section>
  );
}

