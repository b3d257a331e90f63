import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';
import { agentTurns } from '../../db/schema/index.js';
import { dateIn } from '../../lib/zoned-time.js';

/** Tokens the company's turns used on today's date in its timezone. */
export async function tokensUsedToday(db: Db, companyId: string, timezone: string, now: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`coalesce(sum(${agentTurns.promptTokens} + ${agentTurns.completionTokens}), 0)::int` })
    .from(agentTurns)
    .where(
      and(
        eq(agentTurns.companyId, companyId),
        // The day's bounds in UTC, so the company's index on created_at serves the sum.
        gte(agentTurns.createdAt, sql`(${dateIn(now.getTime(), timezone)}::date::timestamp at time zone ${timezone})`),
        lt(agentTurns.createdAt, sql`((${dateIn(now.getTime(), timezone)}::date + 1)::timestamp at time zone ${timezone})`),
      ),
    );
  return row?.n ?? 0;
}

export type UsageDay = { date: string; turns: number; prompt_tokens: number; completion_tokens: number; total_tokens: number };

/** Turns and tokens per day (the company's dates), the last `days` days, newest first; days without turns left out. */
export async function usageByDay(db: Db, companyId: string, timezone: string, now: Date, days: number): Promise<UsageDay[]> {
  const from = sql`((${dateIn(now.getTime(), timezone)}::date - ${days - 1}::int)::timestamp at time zone ${timezone})`;
  const result = await db.execute(sql`
    select to_char((created_at at time zone ${timezone})::date, 'YYYY-MM-DD') as date,
           count(*)::int as turns,
           coalesce(sum(prompt_tokens), 0)::int as prompt_tokens,
           coalesce(sum(completion_tokens), 0)::int as completion_tokens
      from ${agentTurns}
     where company_id = ${companyId} and created_at >= ${from}
     group by 1 order by 1 desc`);
  return rowsOf<Omit<UsageDay, 'total_tokens'>>(result).map((r) => ({ ...r, total_tokens: r.prompt_tokens + r.completion_tokens }));
}
