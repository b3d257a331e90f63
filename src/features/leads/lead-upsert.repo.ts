import { and, asc, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { companies, leads, leadSubmissions, smsMessages, type DedupeSettings } from '../../db/schema/index.js';
import type { LeadRow } from './leads.repo.js';

export type SubmissionInsert = typeof leadSubmissions.$inferInsert;
export type SubmissionRow = typeof leadSubmissions.$inferSelect;

/**
 * The keys of one person to one company: its external id, phone and email. The phone's key is the one
 * inbound SMS takes (sms.repo lockSender), so a text and a form post from one number make one lead.
 */
export function personKeys(companyId: string, k: { externalIds: string[]; phones: string[]; emails: string[] }): string[] {
  return [
    ...k.externalIds.map((id) => `lead-external:${companyId}:${id}`),
    ...k.phones.map((phone) => `sms-inbound:${companyId}:${phone}`),
    ...k.emails.map((email) => `lead-email:${companyId}:${email}`),
  ];
}

const arrayItem = (s: string) => `"${s.replace(/["\\]/g, (c) => '\\' + c)}"`;

/** Every arrival of a lead at a company holds this key: shared for one person, alone for a batch. */
export const arrivalsKey = (companyId: string) => `lead-arrivals:${companyId}`;

// Past this many keys an arrival (a batch) takes the company's arrivals alone instead of one lock per
// key: PostgreSQL's lock table is shared and small (max_locks_per_transaction), and a 500-lead batch
// would hold 1,500 of its slots.
const MAX_PERSON_KEYS = 16;

/**
 * Serialises arrivals of one person, in one order (sorted), so that two that share keys queue instead
 * of deadlocking; a batch waits for the company's other arrivals and they for it.
 */
export async function lockPersonKeys(tx: Db, companyId: string, keys: string[]): Promise<void> {
  if (keys.length > MAX_PERSON_KEYS) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${arrivalsKey(companyId)}, 0))`);
    return;
  }
  await tx.execute(
    sql`select pg_advisory_xact_lock_shared(hashtextextended(${arrivalsKey(companyId)}, 0)), (select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from (select distinct k from unnest(${`{${keys.map(arrayItem).join(',')}}`}::text[]) k order by k) keys)`,
  );
}

export async function dedupeSettingsOf(tx: Db, companyId: string): Promise<DedupeSettings> {
  const [row] = await tx.select({ dedupe: companies.dedupe }).from(companies).where(eq(companies.id, companyId));
  return row?.dedupe ?? { enabled: false, window_days: 30 };
}

export type Candidate = LeadRow & { lastSeenAt: Date };

/**
 * The company's leads that an arrival may be: the same external id, phone or email. Each with when
 * it was last seen (created, a submission, a message), which the dedupe window is measured from.
 * Locked in id order, so that two upserts reaching one lead by different keys take it in turn.
 */
export async function findCandidates(
  tx: Db,
  companyId: string,
  k: { externalIds: string[]; phones: string[]; emails: string[] },
): Promise<Candidate[]> {
  const matches: SQL[] = [];
  if (k.externalIds.length) matches.push(inArray(leads.externalId, k.externalIds));
  if (k.phones.length) matches.push(inArray(leads.phone, k.phones));
  if (k.emails.length) matches.push(inArray(leads.email, k.emails));
  if (!matches.length) return [];
  const lastSubmission = sql`(select max(${leadSubmissions.createdAt}) from ${leadSubmissions} where ${leadSubmissions.leadId} = ${leads.id})`;
  const lastMessage = sql`(select max(${smsMessages.createdAt}) from ${smsMessages} where ${smsMessages.leadId} = ${leads.id})`;
  const rows = await tx
    .select({ lead: leads, lastSeenAt: sql<string>`greatest(${leads.createdAt}, ${lastSubmission}, ${lastMessage})` })
    .from(leads)
    .where(and(eq(leads.companyId, companyId), or(...matches)))
    .orderBy(asc(leads.id))
    .for('update', { of: leads });
  return rows.map((r) => ({ ...r.lead, lastSeenAt: new Date(r.lastSeenAt) }));
}

/** The statement, to run on its own or inside another (leads.repo insertLeadRows); the rows travel as one JSON parameter. */
export function submissionsInsert(rows: SubmissionInsert[]): SQL {
  const json = rows.map((r) => ({
    id: r.id ?? randomUUID(),
    company_id: r.companyId,
    lead_id: r.leadId,
    channel: r.channel,
    matched_by: r.matchedBy ?? null,
    form_id: r.formId ?? null,
    source: r.source ?? null,
    attribution: r.attribution ?? null,
    fields: r.fields,
    created_at: r.createdAt,
  }));
  return sql`
    insert into lead_submissions (id, company_id, lead_id, channel, matched_by, form_id, source, attribution, fields, created_at)
    select id, company_id, lead_id, channel, matched_by, form_id, source, attribution, fields, created_at
      from jsonb_populate_recordset(null::lead_submissions, ${JSON.stringify(json)}::jsonb)`;
}

export async function insertSubmissions(tx: Db, rows: SubmissionInsert[]): Promise<void> {
  if (rows.length) await tx.execute(submissionsInsert(rows));
}

/** A lead's submissions, newest first. */
export async function listSubmissionPage(db: Db, companyId: string, leadId: string, page: { limit: number; offset: number }) {
  const rows = await db
    .select({ submission: leadSubmissions, total: sql<number>`(count(*) over ())::int` })
    .from(leadSubmissions)
    .where(and(eq(leadSubmissions.companyId, companyId), eq(leadSubmissions.leadId, leadId)))
    .orderBy(desc(leadSubmissions.createdAt), desc(leadSubmissions.id))
    .limit(page.limit)
    .offset(page.offset);
  return { rows: rows.map((r) => r.submission), total: rows[0]?.total };
}
