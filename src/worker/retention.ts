import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { WorkerTask } from '../jobs/task-loop.js';
import { finishLeadErasures } from '../features/leads/lead-erasure.repo.js';
import { IDEMPOTENCY_RETENTION_MS } from '../http/idempotency.js';

const DAY_MS = 86_400_000;
/** Delivered outbox rows are only the record that fan-out happened: a week covers any investigation. */
export const OUTBOX_RETENTION_MS = 7 * DAY_MS;
/** The delivery log (deliveries and their attempts) a company can browse: 30 days. */
export const DELIVERY_LOG_RETENTION_MS = 30 * DAY_MS;
/** The agent's turns, with what was sent to the model (issue 14): 30 days, for the business to see why. */
export const AGENT_TURN_RETENTION_MS = 30 * DAY_MS;
/** Finished jobs (succeeded, failed, cancelled) are a lead's history of timed work: 30 days. */
export const JOB_HISTORY_RETENTION_MS = 30 * DAY_MS;
const BATCH = 1000;

/**
 * Drops what has served its purpose, so the outbox, the delivery log, sessions, finished jobs and
 * Idempotency-Key answers do not
 * grow without end: a batch at a time (short transactions, SKIP LOCKED so that several workers do not
 * queue on the same rows), again at once while there is more, then once an hour. Across companies by
 * design.
 */
export function createRetentionTask(deps: { db: Db; clock: Clock }): WorkerTask {
  const { db, clock } = deps;
  const deleted = (result: unknown) => rowsOf(result).length;
  return {
    name: 'retention',
    idleMs: 3_600_000,
    async runOnce() {
      const now = clock.now();
      const outbox = await db.execute(sql`
        delete from outbox_events where id in (
          select id from outbox_events
          where processed_at < ${new Date(now - OUTBOX_RETENTION_MS)}
          limit ${BATCH} for update skip locked)
        returning id`);
      // Attempts go with their delivery (ON DELETE CASCADE).
      const deliveries = await db.execute(sql`
        delete from webhook_deliveries where id in (
          select id from webhook_deliveries
          where status <> 'pending' and updated_at < ${new Date(now - DELIVERY_LOG_RETENTION_MS)}
          limit ${BATCH} for update skip locked)
        returning id`);
      // Dashboard sessions past their idle or absolute end: they no longer authenticate anyway.
      const sessions = await db.execute(sql`
        delete from sessions where id in (
          select id from sessions
          where expires_at < ${new Date(now)} or idle_expires_at < ${new Date(now)}
          limit ${BATCH} for update skip locked)
        returning id`);
      const finishedJobs = await db.execute(sql`
        delete from jobs where id in (
          select id from jobs
          where status <> 'pending' and finished_at < ${new Date(now - JOB_HISTORY_RETENTION_MS)}
          limit ${BATCH} for update skip locked)
        returning id`);
      const turns = await db.execute(sql`
        delete from agent_turns where id in (
          select id from agent_turns
          where created_at < ${new Date(now - AGENT_TURN_RETENTION_MS)}
          limit ${BATCH} for update skip locked)
        returning id`);
      // Idempotency-Key answers past B2's day (lookups already ignore them).
      const keys = await db.execute(sql`
        delete from idempotency_keys where (company_id, key) in (
          select company_id, key from idempotency_keys
          where created_at < ${new Date(now - IDEMPOTENCY_RETENTION_MS)}
          limit ${BATCH} for update skip locked)
        returning key`);
      // Copies of erased leads in events that were still on their way when the lead was erased.
      const erasures = await finishLeadErasures(db, BATCH);
      return deleted(outbox) + deleted(deliveries) + deleted(sessions) + deleted(finishedJobs) + deleted(keys) + deleted(turns) + erasures;
    },
  };
}
