import type { Db } from '../../db/client.js';
import type { SessionPrincipal } from '../../auth/principal.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError } from '../../lib/errors.js';
import { addDays, dateIn, instantOfWallTime } from '../../lib/zoned-time.js';
import { findCompany } from '../companies/companies.repo.js';
import { quoteNumberOf } from '../quotes/quotes.service.js';
import { countNeedsReply, listConversations, UNREAD_DAYS } from '../inbox/inbox.repo.js';
import { conversationView } from '../inbox/inbox.service.js';
import { appointmentsBetween, hotLeadsWithoutQuote, viewedUnansweredQuotes, type AppointmentRow } from './today.repo.js';

// Home shows the first few waiting conversations; the Inbox's filter has them all.
const WAITING_SHOWN = 5;

const appointmentView = (a: AppointmentRow) => ({ ...a, start_time: a.start_time.toISOString(), end_time: a.end_time.toISOString() });

/** Home (issue 18): what the business has to do today, with days in the company's timezone. */
export function createToday(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  async function today(user: Pick<SessionPrincipal, 'companyId' | 'userId'>) {
    const company = await findCompany(db, user.companyId);
    if (!company) throw new NotFoundError('Company not found');
    const now = clock.now();
    const tz = company.timezone;
    const todayDate = dateIn(now, tz);
    const tomorrowDate = addDays(todayDate, 1);
    const start = (date: string) => new Date(instantOfWallTime(date, '00:00', tz));
    const [appointments, waiting, waitingCount, hot, viewed] = await Promise.all([
      appointmentsBetween(db, user.companyId, start(todayDate), start(addDays(todayDate, 2))),
      listConversations(db, { ...user, unreadSince: new Date(now - UNREAD_DAYS * 86_400_000), filter: 'needs_reply', limit: WAITING_SHOWN }),
      countNeedsReply(db, user.companyId),
      hotLeadsWithoutQuote(db, user.companyId),
      viewedUnansweredQuotes(db, user.companyId, new Date(now)),
    ]);
    const tomorrowStart = start(tomorrowDate).getTime();
    return {
      timezone: tz,
      today: { date: todayDate, appointments: appointments.filter((a) => a.start_time.getTime() < tomorrowStart).map(appointmentView) },
      tomorrow: { date: tomorrowDate, appointments: appointments.filter((a) => a.start_time.getTime() >= tomorrowStart).map(appointmentView) },
      waiting: { count: waitingCount, data: waiting.map(conversationView) },
      hot_leads: hot.map((l) => ({ ...l, created_at: l.created_at.toISOString() })),
      viewed_quotes: viewed.map((q) => ({ ...q, quote_number: quoteNumberOf(q.number), viewed_at: q.viewed_at.toISOString(), expires_at: q.expires_at?.toISOString() ?? null })),
    };
  }

  return { today };
}

export type TodayService = ReturnType<typeof createToday>;
/** What GET /app/api/today answers (the dashboard reads this type). */
export type Today = Awaited<ReturnType<TodayService['today']>>;
