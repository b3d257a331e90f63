import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { outboxEvents } from '../../db/schema/index.js';

export type OutboxEventRow = typeof outboxEvents.$inferSelect;

/** A company's events after `afterSeq`, in seq order (which is its commit order: drizzle/*_outbox_seq_sql). */
export function listEventsAfter(db: Db, companyId: string, afterSeq: number, limit: number): Promise<OutboxEventRow[]> {
  return db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.companyId, companyId), gt(outboxEvents.seq, afterSeq)))
    .orderBy(asc(outboxEvents.seq))
    .limit(limit);
}

/** The seq of the company's latest committed event; 0 when it has none. */
export async function lastEventSeq(db: Db, companyId: string): Promise<number> {
  const [row] = await db
    .select({ seq: sql<string | null>`max(${outboxEvents.seq})` })
    .from(outboxEvents)
    .where(eq(outboxEvents.companyId, companyId));
  return Number(row?.seq ?? 0);
}
