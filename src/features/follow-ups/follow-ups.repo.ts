import { and, asc, eq, getTableColumns, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { agentSettings, automations, companies, jobs, type SequenceKind } from '../../db/schema/index.js';
import type { JobRow } from '../../jobs/jobs.repo.js';
import type { CompanyRow } from '../companies/companies.repo.js';

/** The job kind of a follow-up step; the triggers of drizzle/0026_follow_ups_sql.sql plan them. */
export const FOLLOW_UP_JOB = 'follow_up';

const ofLead = (companyId: string, leadId: string) =>
  and(eq(jobs.companyId, companyId), eq(jobs.leadId, leadId), eq(jobs.kind, FOLLOW_UP_JOB));

/** A lead's follow-up steps, planned, sent, skipped or cancelled, in the order they fall due. */
export async function listLeadFollowUps(db: Db, companyId: string, leadId: string): Promise<JobRow[]> {
  return db.select().from(jobs).where(ofLead(companyId, leadId)).orderBy(asc(jobs.runAt), asc(jobs.seq));
}

export async function findLeadFollowUp(db: Db, companyId: string, leadId: string, id: string): Promise<JobRow | undefined> {
  const [row] = await db.select().from(jobs).where(and(ofLead(companyId, leadId), eq(jobs.id, id)));
  return row;
}

/** Cancels one planned step, with the reason kept; undefined when it is no longer planned. */
export async function cancelFollowUp(tx: Db, companyId: string, leadId: string, id: string, reason: string): Promise<JobRow | undefined> {
  const [row] = await tx
    .update(jobs)
    .set({ status: 'cancelled', finishedAt: sql`now()`, lockedUntil: null, outcome: { result: 'cancelled', reason } })
    .where(and(ofLead(companyId, leadId), eq(jobs.id, id), eq(jobs.status, 'pending')))
    .returning();
  return row;
}

/** The rest of one anchor's planned steps (a step that could not be sent stops its sequence). */
export async function cancelRestOfSequence(
  db: Db,
  job: { id: string; companyId: string; leadId: string; sequence: string; anchorId: string },
  reason: string,
): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'cancelled', finishedAt: sql`now()`, lockedUntil: null, outcome: { result: 'cancelled', reason } })
    .where(
      and(
        ofLead(job.companyId, job.leadId),
        eq(jobs.status, 'pending'),
        ne(jobs.id, job.id),
        sql`${jobs.payload}->>'sequence' = ${job.sequence} and ${jobs.payload}->>'anchor_id' = ${job.anchorId}`,
      ),
    );
}

/**
 * What a step's send looks at besides its lead, in one read: the company, whether the step's
 * sequence is on, and the agent's closed dates (none until the company sets its agent up).
 */
export async function findStepContext(
  db: Db,
  companyId: string,
  sequence: SequenceKind,
): Promise<{ company: CompanyRow; sequenceOn: boolean; closedDates: string[] } | undefined> {
  const [row] = await db
    .select({ company: getTableColumns(companies), sequenceOn: automations.enabled, closedDates: agentSettings.closedDates })
    .from(companies)
    .leftJoin(automations, and(eq(automations.companyId, companies.id), eq(automations.kind, sequence)))
    .leftJoin(agentSettings, eq(agentSettings.companyId, companies.id))
    .where(eq(companies.id, companyId));
  return row && { company: row.company, sequenceOn: row.sequenceOn === true, closedDates: row.closedDates ?? [] };
}
