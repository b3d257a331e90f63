import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, useMe } from '../../api';
import { useTitle } from '../../components/useTitle';
import { useLiveRefetch, LEAD_EVENTS, QUOTE_EVENTS } from '../../live';
import { FunnelChart, WeeklyBarChart, WinRateRing } from './charts';
import { TodaySections } from './TodaySections';
import { ErrorBanner, PageHead } from './ui';
import type { Overview } from './types';

export default function HomePage() {
  useTitle('Home');
  const { me } = useMe();
  const { data, error, isLoading } = useQuery({ queryKey: ['overview'], queryFn: () => api<Overview>('/app/api/overview') });
  useLiveRefetch([...LEAD_EVENTS, ...QUOTE_EVENTS], ['overview']);

  const p = data?.pipeline;
  const open = p ? p.new_lead + p.follow_up + p.quote_in_progress + p.quoted : 0;
  const weeks = data?.new_leads_by_week ?? [];
  const thisWeek = weeks.at(-1)?.count ?? 0;
  const lastWeek = weeks.at(-2)?.count ?? 0;
  const q = data?.quotes;

  return (
    <div className="crm-page">
      <PageHead
        title="Home"
        subtitle={me && <>{me.company.name}: your pipeline at a glance</>}
        actions={
          <>
            <Link className="crm-btn" to="/leads/new">
              New lead
            </Link>
            <Link className="crm-btn crm-btn-primary" to="/quotes/new">
              New quote
            </Link>
          </>
        }
      />
      <TodaySections />
      <ErrorBanner error={error} />
      {isLoading && <p className="crm-muted">Loading…</p>}
      {data && p && q && (
        <>
          <div className="crm-stats">
            <div className="crm-stat">
              <div className="crm-stat-label">Open leads</div>
              <div className="crm-stat-value">{open}</div>
              <div className="crm-stat-note">not yet won or lost</div>
            </div>
            <div className="crm-stat">
              <div className="crm-stat-label">New this week</div>
              <div className="crm-stat-value">{thisWeek}</div>
              <div className="crm-stat-note">{lastWeek} last week</div>
            </div>
            <div className="crm-stat">
              <div className="crm-stat-label">Jobs won</div>
              <div className="crm-stat-value">{p.closed_won}</div>
              <div className="crm-stat-note">{p.closed_lost} lost</div>
            </div>
            <div className="crm-stat">
              <div className="crm-stat-label">Quote win rate</div>
              <div className="crm-stat-value">{q.win_rate === null ? '—' : `${Math.round(q.win_rate * 100)}%`}</div>
              <div className="crm-stat-note">{q.accepted + q.declined} quotes decided</div>
            </div>
          </div>
          <div className="crm-grid crm-home-grid">
            <section className="crm-card" aria-labelledby="home-pipeline">
              <div className="crm-section-head">
                <h2 id="home-pipeline">Pipeline</h2>
                <Link to="/board">Open the board</Link>
              </div>
              <FunnelChart pipeline={p} />
            </section>
            <section className="crm-card" aria-labelledby="home-weekly">
              <div className="crm-section-head">
                <h2 id="home-weekly">New leads per week</h2>
                <Link to="/leads">All leads</Link>
              </div>
              <WeeklyBarChart weeks={weeks} />
            </section>
            <section className="crm-card" aria-labelledby="home-winrate">
              <div className="crm-section-head">
                <h2 id="home-winrate">Quote win rate</h2>
                <Link to="/quotes">All quotes</Link>
              </div>
              <div className="crm-winrate">
                <WinRateRing accepted={q.accepted} declined={q.declined} />
                <div>
                  <p>
                    <strong>{q.win_rate === null ? 'No decisions yet' : `${Math.round(q.win_rate * 100)}% of decided quotes won`}</strong>
                  </p>
                  <ul className="crm-muted">
                    <li>{q.sent} sent, awaiting an answer</li>
                    <li>{q.accepted} accepted</li>
                    <li>{q.declined} declined</li>
                  </ul>
                </div>
              </div>
            </section>
          </div>
        </>
      )}
    </div>
  );
}
