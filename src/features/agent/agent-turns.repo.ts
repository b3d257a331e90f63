import { and, asc, desc, eq, gt, gte, lt, ne, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';
import { agentTurns, smsMessages } from '../../db/schema/index.js';
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

/** The lead's latest turn but the one of `trigger` (which may be running again): what it answered through. */
export async function lastTurnOf(db: Db, companyId: string, leadId: string, trigger: string) {
  const [last] = await db
    .select({ through: agentTurns.through })
    .from(agentTurns)
    .where(and(eq(agentTurns.companyId, companyId), eq(agentTurns.leadId, leadId), ne(agentTurns.trigger, trigger)))
    .orderBy(desc(agentTurns.createdAt))
    .limit(1);
  return last;
}

/** The lead's inbound texts after `after` (all when null), oldest first. */
export function inboundAfter(db: Db, companyId: string, leadId: string, after: Date | null) {
  return db
    .select({ body: smsMessages.body, at: smsMessages.createdAt })
    .from(smsMessages)
    .where(
      and(
        eq(smsMessages.companyId, companyId),
        eq(smsMessages.leadId, leadId),
        eq(smsMessages.direction, 'inbound'),
        after ? gt(smsMessages.createdAt, after) : undefined,
      ),
    )
    .orderBy(asc(smsMessages.createdAt));
}

/** How many texts the agent has sent the lead. */
export async function agentTextsTo(db: Db, companyId: string, leadId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(smsMessages)
    .where(
      and(eq(smsMessages.companyId, companyId), eq(smsMessages.leadId, leadId), eq(smsMessages.direction, 'outbound'), sql`${smsMessages.sender}->>'type' = 'agent'`),
    );
  return row?.n ?? 0;
}

/** The latest `limit` messages of the thread before `before` (all when null), oldest first. */
export async function threadBefore(db: Db, companyId: string, leadId: string, before: Date | null, limit: number) {
  const rows = await db
    .select({ direction: smsMessages.direction, body: smsMessages.body, at: smsMessages.createdAt, sender: sql<string>`coalesce(${smsMessages.sender}->>'type', '')` })
    .from(smsMessages)
    .where(and(eq(smsMessages.companyId, companyId), eq(smsMessages.leadId, leadId), before ? lt(smsMessages.createdAt, before) : undefined))
    .orderBy(desc(smsMessages.createdAt))
    .limit(limit);
  return rows.reverse();
}

/** A turn's record; a turn run again (after a crash) replaces its own. */
export async function recordTurn(db: Db, values: typeof agentTurns.$inferInsert) {
  await db
    .insert(agentTurns)
    .values(values)
    .onConflictDoUpdate({ target: [agentTurns.companyId, agentTurns.trigger], set: { ...values, createdAt: undefined } });
}
