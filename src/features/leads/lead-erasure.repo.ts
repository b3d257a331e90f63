import { and, eq, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';
import { quotes } from '../../db/schema/index.js';

// What erasing a lead removes besides the rows that cascade from `leads` (quotes and their lines,
// appointments, messages, jobs: every table with a lead_id references leads ON DELETE CASCADE).
// These tables hold copies of the person inside JSON or text: the outbox and the webhook log (an
// event's `data` is the lead, or names it by `lead_id`), and stored idempotent answers (a POST's
// answer is the resource). src/features/leads/lead-erasure.test.ts fails when a table that may hold
// a lead is covered by neither.

/** Locks a lead's quotes, so that erasing the lead takes its locks in the order accept/decline do. */
export async function lockQuotesOfLead(tx: Db, companyId: string, leadId: string): Promise<void> {
  await tx
    .select({ id: quotes.id })
    .from(quotes)
    .where(and(eq(quotes.companyId, companyId), eq(quotes.leadId, leadId)))
    .for('update');
}

// lead.deleted names the lead by id and nothing else: it stays, like any event, for its receivers.
const aboutLead = (leadId: string) =>
  sql`(data->>'id' = ${leadId} or data->>'lead_id' = ${leadId}) and event_type <> 'lead.deleted'`;

/**
 * Erases the copies of a lead that have served their purpose: outbox rows already fanned out,
 * deliveries that are finished (their attempts cascade), stored answers. True when events about the
 * lead are still on their way: those go out as committed, so a receiver that mirrors leads hears
 * everything up to lead.deleted, and `finishErasures` removes them once they have.
 */
async function eraseFinishedCopies(tx: Db, companyId: string, leadId: string): Promise<boolean> {
  await tx.execute(sql`delete from outbox_events where company_id = ${companyId} and processed_at is not null and ${aboutLead(leadId)}`);
  // A test delivery carries sample data, never a lead.
  await tx.execute(sql`delete from webhook_deliveries where company_id = ${companyId} and status <> 'pending' and ${aboutLead(leadId)}`);
  // Their answers are sealed, so they are found by the lead they are about.
  await tx.execute(sql`delete from idempotency_keys where company_id = ${companyId} and lead_id = ${leadId}`);
  const pending = await tx.execute(sql`
    select 1 from outbox_events where company_id = ${companyId} and processed_at is null and ${aboutLead(leadId)}
    union all
    select 1 from webhook_deliveries where company_id = ${companyId} and status = 'pending' and ${aboutLead(leadId)}
    limit 1`);
  return rowsOf(pending).length > 0;
}

/** In the erasing transaction: what can go now, and a note of what must go once it has been delivered. */
export async function eraseEventsOfLead(tx: Db, companyId: string, leadId: string, at: Date): Promise<void> {
  if (await eraseFinishedCopies(tx, companyId, leadId)) {
    await tx.execute(sql`insert into lead_erasures (company_id, lead_id, erased_at) values (${companyId}, ${leadId}, ${at}) on conflict do nothing`);
  }
}

/**
 * The retention task's part: for each erasure still waiting, erase what has since been delivered,
 * and forget the erasure once nothing about the lead is left. Across companies by design. The
 * lead.deleted event names only the id, so it is kept like any other. Answers how many erasures it
 * finished (not how many it looked at: one still waiting for a failing endpoint is no reason to loop).
 */
export async function finishLeadErasures(db: Db, limit: number): Promise<number> {
  let finished = 0;
  const waiting = rowsOf<{ company_id: string; lead_id: string }>(
    await db.execute(sql`select company_id, lead_id from lead_erasures order by erased_at limit ${limit}`),
  );
  for (const e of waiting) {
    await db.transaction(async (tx) => {
      if (!(await eraseFinishedCopies(tx, e.company_id, e.lead_id))) {
        await tx.execute(sql`delete from lead_erasures where company_id = ${e.company_id} and lead_id = ${e.lead_id}`);
        finished++;
      }
    });
  }
  return finished;
}
