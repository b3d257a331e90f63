import { sql, type SQL } from 'drizzle-orm';
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
/** A follow-up pace (job_pacing) that ran out an hour ago. */
export const PACING_RETENTION_MS = 3_600_000;
/** A web form's hourly count of automatic texts, two hours after its hour began. */
export const FORM_TEXTS_RETENTION_MS = 2 * 3_600_000;
/** Alerts (issue 17) and the team's texts: the bell shows the last 90 days. */
export const ALERT_RETENTION_MS = 90 * DAY_MS;
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
  /** Deletes up to BATCH rows of `table` matching `where`, found by `key` (the table's primary key); how many. */
  const batch = async (table: string, where: SQL, key = 'id') => {
    const result = await db.execute(sql`
      delete from ${sql.identifier(table)} where (${sql.raw(key)}) in (
        select ${sql.raw(key)} from ${sql.identifier(table)} where ${where}
        limit ${BATCH} for update skip locked)
      returning 1`);
    return rowsOf(result).length;
  };
  return {
    name: 'retention',
    idleMs: 3_600_000,
    async runOnce() {
      const now = clock.now();
      const before = (ms: number) => new Date(now - ms);
      const counts = [
        await batch('outbox_events', sql`processed_at < ${before(OUTBOX_RETENTION_MS)}`),
        // Attempts go with their delivery (ON DELETE CASCADE).
        await batch('webhook_deliveries', sql`status <> 'pending' and updated_at < ${before(DELIVERY_LOG_RETENTION_MS)}`),
        // Dashboard sessions past their idle or absolute end: they no longer authenticate anyway.
        await batch('sessions', sql`expires_at < ${before(0)} or idle_expires_at < ${before(0)}`),
        await batch('jobs', sql`status <> 'pending' and finished_at < ${before(JOB_HISTORY_RETENTION_MS)}`),
        await batch('agent_turns', sql`created_at < ${before(AGENT_TURN_RETENTION_MS)}`),
        // A pace that ran out an hour ago holds nothing back (and a deleted company's goes this way).
        await batch('job_pacing', sql`next_at < ${before(PACING_RETENTION_MS)}`, 'company_id, kind'),
        // A web form's count of automatic texts matters for its own clock hour only.
        await batch('intake_form_texts', sql`hour < ${before(FORM_TEXTS_RETENTION_MS)}`, 'form_id, hour'),
        // Idempotency-Key answers past B2's day (lookups already ignore them).
        await batch('idempotency_keys', sql`created_at < ${before(IDEMPOTENCY_RETENTION_MS)}`, 'company_id, key'),
        await batch('notifications', sql`created_at < ${before(ALERT_RETENTION_MS)}`),
        await batch('team_texts', sql`created_at < ${before(ALERT_RETENTION_MS)}`),
        // Copies of erased leads in events that were still on their way when the lead was erased.
        await finishLeadErasures(db, BATCH),
      ];
      return counts.reduce((a, b) => a + b, 0);
    },
  };
}
