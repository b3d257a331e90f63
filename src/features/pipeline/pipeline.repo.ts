import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';

/** New leads per week (Monday to Sunday in the company's timezone), the last `weeks` weeks, oldest first. */
export async function newLeadsByWeek(db: Db, companyId: string, now: Date, weeks: number) {
  const result = await db.execute(sql`
    with company as (select timezone as tz from companies where id = ${companyId}),
    weeks as (
      select week, tz
      from company, generate_series(
        date_trunc('week', ${now.toISOString()}::timestamptz at time zone tz) - ${`${weeks - 1} weeks`}::interval,
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

/** How many of the company's quotes were ever sent, accepted, declined. */
export async function quoteOutcomes(db: Db, companyId: string) {
  const result = await db.execute(sql`
    select count(*) filter (where sent_at is not null)::int as sent,
      count(*) filter (where accepted_at is not null)::int as accepted,
      count(*) filter (where declined_at is not null)::int as declined
    from quotes where company_id = ${companyId}`);
  const [row] = rowsOf<{ sent: number; accepted: number; declined: number }>(result);
  return { sent: Number(row.sent), accepted: Number(row.accepted), declined: Number(row.declined) };
}
