import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';

export type ClaimedEvent = {
  id: string;
  company_id: string;
  event_type: string;
  data: Record<string, unknown>;
  previous: Record<string, unknown> | null;
  occurred_at: Date;
  attempts: number;
};

/**
 * Claims up to `limit` due events for one worker. Any number of workers may call this at once:
 * SKIP LOCKED hands each row to one of them, and the lease (`claimed_until`) returns a crashed
 * worker's rows to the queue when it runs out. The worker reads across companies by design.
 */
export async function claimDueOutboxEvents(db: Db, opts: { limit: number; leaseMs: number }): Promise<ClaimedEvent[]> {
  const result = await db.execute(sql`
    update outbox_events set claimed_until = now() + ${opts.leaseMs} * interval '1 millisecond', attempts = attempts + 1
    where id in (
      select id from outbox_events
      where processed_at is null and available_at <= now() and (claimed_until is null or claimed_until < now())
      order by available_at
      limit ${opts.limit}
      for update skip locked
    )
    returning id, company_id, event_type, data, previous, occurred_at, attempts`);
  return (result as unknown as { rows: ClaimedEvent[] }).rows;
}

export async function markOutboxEventProcessed(db: Db, eventId: string): Promise<void> {
  await db.execute(sql`update outbox_events set processed_at = now(), claimed_until = null where id = ${eventId}`);
}
