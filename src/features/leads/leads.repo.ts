import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { leadCounters, leads, type AiStatus, type PipelineStage } from '../../db/schema.js';
import { phoneSearchDigits } from '../../lib/phone.js';

export type LeadRow = typeof leads.$inferSelect;
export type LeadInsert = typeof leads.$inferInsert;

export type LeadFilters = { stage?: PipelineStage; aiStatus?: AiStatus; search?: string };

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/**
 * `search_text` (lower-cased name, email and phone digits) contains `term`. With a run of three
 * word characters the company-scoped trigram index finds the candidates (drizzle/0005); a shorter
 * term is checked against the company's rows alone.
 */
function contains(companyId: string, term: string): SQL {
  const like = sql`${leads.searchText} like '%' || lower(${escapeLike(term)}) || '%'`;
  if (!/[\p{L}\p{N}]{3}/u.test(term)) return like;
  return sql`(lead_search_keys(${leads.companyId}, ${leads.searchText}) @> lead_search_query_keys(${companyId}::uuid, ${term}) and ${like})`;
}

function filterConditions(companyId: string, f: LeadFilters): SQL[] {
  const where: SQL[] = [eq(leads.companyId, companyId)];
  if (f.stage) where.push(eq(leads.pipelineStage, f.stage));
  if (f.aiStatus) where.push(eq(leads.aiStatus, f.aiStatus));
  if (f.search) {
    const digits = phoneSearchDigits(f.search);
    const text = contains(companyId, f.search);
    where.push(digits ? sql`(${text} or ${contains(companyId, digits)})` : text);
  }
  return where;
}

export async function listLeadRows(
  db: Db,
  companyId: string,
  filters: LeadFilters,
  page: { limit: number; offset: number },
): Promise<LeadRow[]> {
  return db
    .select()
    .from(leads)
    .where(and(...filterConditions(companyId, filters)))
    .orderBy(desc(leads.createdAt), desc(leads.id))
    .limit(page.limit)
    .offset(page.offset);
}

/**
 * Without a search, totals come from lead_counters (kept by triggers), so a company of 300,000 leads
 * costs the same as one of ten. A search counts its matches through the trigram index.
 */
export async function countLeads(db: Db, companyId: string, filters: LeadFilters): Promise<number> {
  if (filters.search) {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(leads)
      .where(and(...filterConditions(companyId, filters)));
    return row.n;
  }
  const where: SQL[] = [eq(leadCounters.companyId, companyId)];
  if (filters.stage) where.push(eq(leadCounters.pipelineStage, filters.stage));
  if (filters.aiStatus) where.push(eq(leadCounters.aiStatus, filters.aiStatus));
  const [row] = await db
    .select({ n: sql<number>`coalesce(sum(${leadCounters.count}), 0)::int` })
    .from(leadCounters)
    .where(and(...where));
  return row.n;
}

export async function countLeadsByStage(db: Db, companyId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ stage: leadCounters.pipelineStage, n: sql<number>`sum(${leadCounters.count})::int` })
    .from(leadCounters)
    .where(eq(leadCounters.companyId, companyId))
    .groupBy(leadCounters.pipelineStage);
  return new Map(rows.map((r) => [r.stage, r.n]));
}

export async function findLead(db: Db, companyId: string, leadId: string): Promise<LeadRow | undefined> {
  const [row] = await db
    .select()
    .from(leads)
    .where(and(eq(leads.id, leadId), eq(leads.companyId, companyId)));
  return row;
}

/** The same, row-locked until the transaction ends, for read-modify-write. */
export async function findLeadForUpdate(db: Db, companyId: string, leadId: string): Promise<LeadRow | undefined> {
  const [row] = await db
    .select()
    .from(leads)
    .where(and(eq(leads.id, leadId), eq(leads.companyId, companyId)))
    .for('update');
  return row;
}

export async function insertLead(db: Db, values: LeadInsert): Promise<LeadRow> {
  const [row] = await db.insert(leads).values(values).returning();
  return row;
}

export async function updateLeadRow(
  db: Db,
  companyId: string,
  leadId: string,
  patch: Partial<LeadInsert>,
): Promise<LeadRow | undefined> {
  const [row] = await db
    .update(leads)
    .set(patch)
    .where(and(eq(leads.id, leadId), eq(leads.companyId, companyId)))
    .returning();
  return row;
}
