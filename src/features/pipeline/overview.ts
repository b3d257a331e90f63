import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';
import { PIPELINE_STAGES } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { sessionOf } from '../../auth/principal.js';
import { countLeadsByStage } from '../leads/leads.repo.js';

const WEEKS = 12;
// Both engines answer raw SQL with { rows }.

/** New leads per week (Monday to Sunday in the company's timezone), the last 12 weeks, oldest first. */
async function newLeadsByWeek(db: Db, companyId: string, now: Date) {
  const result = await db.execute(sql`
    with company as (select timezone as tz from companies where id = ${companyId}),
    weeks as (
      select week, tz
      from company, generate_series(
        date_trunc('week', ${now.toISOString()}::timestamptz at time zone tz) - ${`${WEEKS - 1} weeks`}::interval,
        date_trunc('week', ${now.toISOString()}::timestamptz at time zone tz),
        interval '1 week') as week
    )
    select to_char(week, 'YYYY-MM-DD') as week_start,
      (select count(*)::int from leads
        where company_id = ${companyId}
          and created_at >= (week at time zone tz)
          and created_at < ((week + interval '1 week') at time zone tz)) as count
    from weeks order by week`);
  return rowsOf<{ week_start: string; count: number }>(result).map((r) => ({ week_start: r.week_start, count: Number(r.count) }));
}

async function quoteOutcomes(db: Db, companyId: string) {
  const result = await db.execute(sql`
    select count(*) filter (where sent_at is not null)::int as sent,
      count(*) filter (where accepted_at is not null)::int as accepted,
      count(*) filter (where declined_at is not null)::int as declined
    from quotes where company_id = ${companyId}`);
  const [{ sent, accepted, declined }] = rowsOf<{ sent: number; accepted: number; declined: number }>(result);
  const decided = Number(accepted) + Number(declined);
  return {
    sent: Number(sent),
    accepted: Number(accepted),
    declined: Number(declined),
    win_rate: decided === 0 ? null : Number(accepted) / decided,
  };
}

async function overviewOf(db: Db, companyId: string, now: Date) {
  const [counts, weeks, quotes] = await Promise.all([
    countLeadsByStage(db, companyId),
    newLeadsByWeek(db, companyId, now),
    quoteOutcomes(db, companyId),
  ]);
  return {
    pipeline: Object.fromEntries(PIPELINE_STAGES.map((s) => [s, counts.get(s) ?? 0])) as Record<(typeof PIPELINE_STAGES)[number], number>,
    new_leads_by_week: weeks,
    quotes,
  };
}
/** What GET /app/api/overview answers (the dashboard reads this type). */
export type Overview = Awaited<ReturnType<typeof overviewOf>>;

/** The dashboard's home: the funnel, the weekly intake and the quote win rate in one answer. */
export function overviewRoutes(deps: { db: Db; clock: Clock }): FastifyPluginAsyncZod {
  const { db, clock } = deps;
  return async (app) => {
    app.get('/app/api/overview', { schema: { hide: true } }, async (request) =>
      overviewOf(db, sessionOf(request).companyId, new Date(clock.now())),
    );
  };
}
