import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { formatAgo, formatDay, formatTime } from '../../components/dates';
import { APPOINTMENT_EVENTS, LEAD_EVENTS, QUOTE_EVENTS, useLiveRefetch } from '../../live';
import { formatMoney } from '../../../../src/lib/money';
import type { Today } from '../../../../src/features/today/today.service';
import { ConversationItem } from '../inbox/ConversationItem';
import { INBOX_EVENTS } from '../inbox/inbox-api';
import '../inbox/inbox.css';
import { appointmentTypeLabel, ErrorBanner, leadLabel } from './ui';

const TODAY_KEY = ['today'];
const TODAY_EVENTS = [...new Set([...INBOX_EVENTS, ...LEAD_EVENTS, ...QUOTE_EVENTS, ...APPOINTMENT_EVENTS])];

type Day = Today['today'];

function Appointments({ day, label, zone }: { day: Day; label: string; zone: string }) {
  return (
    <div className="today-day">
      <h3>
        {label} <span className="crm-muted">{formatDay(day.date)}</span>
      </h3>
      {day.appointments.length === 0 ? (
        <p className="crm-muted">Nothing booked.</p>
      ) : (
        <ul className="today-list">
          {day.appointments.map((a) => (
            <li key={a.id}>
              <Link to={`/leads/${a.lead_id}`}>
                <strong>{formatTime(a.start_time, zone)}</strong> {a.title}
              </Link>
              <span className="crm-muted">
                {' '}
                {appointmentTypeLabel(a.appointment_type)} · {leadLabel({ name: a.lead_name, phone: a.lead_phone, email: null })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
/** Home's top half (issue 18): what waits today, from GET /app/api/today, kept live. Each item is a link. */
export function TodaySections() {
  const today = useQuery({ queryKey: TODAY_KEY, queryFn: () => api<Today>('/app/api/today') });
  useLiveRefetch(TODAY_EVENTS, TODAY_KEY);
  const t = today.data;
  if (today.error) return <ErrorBanner error={today.error} />;
  if (!t) return <p className="crm-muted">Loading today…</p>;
  const zone = t.timezone;
  return (
    <div className="crm-grid crm-grid-2 today" data-testid="today">
      <section className="crm-card" aria-labelledby="today-appointments">
        <div className="crm-section-head">
          <h2 id="today-appointments">Appointments</h2>
          <Link to="/appointments">Agenda</Link>
        </div>
        <Appointments day={t.today} label="Today" zone={zone} />
        <Appointments day={t.tomorrow} label="Tomorrow" zone={zone} />
      </section>
      <section className="crm-card" aria-labelledby="today-waiting">
        <div className="crm-section-head">
          <h2 id="today-waiting">Waiting for a reply{t.waiting.count > 0 && ` (${t.waiting.count})`}</h2>
          <Link to="/inbox?filter=needs_reply">Inbox</Link>
        </div>
        {t.waiting.data.length === 0 ? (
          <p className="crm-muted">Nobody is waiting for a reply.</p>
        ) : (
          <ul className="inbox-list" aria-label="Waiting for a reply">
            {t.waiting.data.map((c) => (
              <ConversationItem key={c.lead_id} c={c} zone={zone} />
            ))}
          </ul>
        )}
      </section>
      <section className="crm-card" aria-labelledby="today-hot">
        <div className="crm-section-head">
          <h2 id="today-hot">Hot leads without a quote</h2>
          <Link to="/leads?ai_status=hot">Hot leads</Link>
        </div>
        {t.hot_leads.length === 0 ? (
          <p className="crm-muted">None: every hot lead has a quote.</p>
        ) : (
          <ul className="today-list">
            {t.hot_leads.map((l) => (
              <li key={l.id}>
                <Link to={`/leads/${l.id}`}>{leadLabel({ name: l.name, phone: l.phone, email: null })}</Link>
                <span className="crm-muted"> score {l.ai_score} · </span>
                <Link to={`/quotes/new?lead_id=${l.id}`}>Make a quote</Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="crm-card" aria-labelledby="today-viewed">
        <div className="crm-section-head">
          <h2 id="today-viewed">Quotes viewed, not answered</h2>
          <Link to="/quotes?status=viewed">Quotes</Link>
        </div>
        {t.viewed_quotes.length === 0 ? (
          <p className="crm-muted">No quote is waiting on a customer who has seen it.</p>
        ) : (
          <ul className="today-list">
            {t.viewed_quotes.map((q) => (
              <li key={q.id}>
                <Link to={`/quotes/${q.id}`}>
                  {q.quote_number} · {leadLabel({ name: q.lead_name, phone: null, email: null })}
                </Link>
                <span className="crm-muted">
                  {' '}
                  {formatMoney(BigInt(q.total_cents), q.currency)} · viewed {formatAgo(q.viewed_at, zone)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
