import { Link } from 'react-router';
import { formatAgo } from '../../components/dates';
import { leadLabel } from '../crm/ui';
import type { Conversation } from './inbox-api';

const SENDER_LABELS: Record<string, string> = { agent: 'Agent', automation: 'Automatic', user: 'You', api: 'Sent', intake: 'Web form', system: 'Sent' };

/** What a conversation shows of its newest item: the text (who wrote it, when it is ours), or that the lead is new. */
function preview(c: Conversation): string {
  const m = c.last_message;
  if (!m) return c.source ? `New lead from ${c.source}` : 'New lead, no texts yet';
  if (m.direction === 'inbound') return m.body;
  return `${SENDER_LABELS[m.sender_type ?? ''] ?? 'Sent'}: ${m.body}`;
}

/** One conversation in a list (the Inbox, Home): a link to the lead, marked unread and "Needs a reply". */
export function ConversationItem({ c, zone }: { c: Conversation; zone: string | undefined }) {
  return (
    <li className={`inbox-item${c.unread ? ' inbox-unread' : ''}`} data-testid="conversation">
      <Link to={`/leads/${c.lead_id}`} className="inbox-link">
        <span className="inbox-top">
          <span className="inbox-name">
            {c.unread && <span className="inbox-dot" aria-hidden="true" />}
            {leadLabel({ name: c.lead_name, phone: c.phone, email: c.email })}
            {c.unread && <span className="visually-hidden"> (unread)</span>}
          </span>
          <time className="inbox-time" dateTime={c.last_at}>
            {formatAgo(c.last_at, zone)}
          </time>
        </span>
        <span className="inbox-preview">{preview(c)}</span>
        {c.needs_reply && <span className="inbox-badge">Needs a reply</span>}
      </Link>
    </li>
  );
}
