import { and, desc, eq, getTableColumns, is, SQL, sql, type SQLWrapper } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';
import { preparedPerDb } from '../../db/prepared.js';
import { leadCounters, leads, smsOptOuts, type AiStatus, type PipelineStage } from '../../db/schema/index.js';
import { phoneSearchDigits } from '../../lib/phone.js';

export type LeadRow = typeof leads.$inferSelect;
export type LeadInsert = typeof leads.$inferInsert;

export type LeadFilters = { stage?: PipelineStage; aiStatus?: AiStatus; search?: string };

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/**
 * `search_text` (lower-cased name, email and phone digits) contains `term`. With a run of three
 * word characters the company-scoped trigram index finds the candidates (drizzle/0003); a shorter
 * term is checked against the company's rows alone.
 */
function contains(companyId: string, term: string): SQL {
  const like = sql`${leads.searchText} like '%' || lower(${escapeLike(term)}) || '%'`;
  if (!/[\p{L}\p{N}]{3}/u.test(term)) return like;
  const ascii = asciiSearchKeys(companyId, term);
  // ASCII keys are letters and digits only, so they make a plain array literal.
  const keys = ascii ? sql`${`{${ascii.join(',')}}`}::text[]` : sql`lead_search_query_keys(${companyId}::uuid, ${term})`;
  return sql`(lead_search_keys(${leads.companyId}, ${leads.searchText}) @> ${keys} and ${like})`;
}

/**
 * For an ASCII term, what lead_search_query_keys (drizzle/0003) computes, without a function call at
 * planning time: the 3-character windows of each run of letters and digits, behind the company's
 * 8-character prefix. Other terms go to SQL, where pg_trgm's own rules (and hashing) apply.
 */
export function asciiSearchKeys(companyId: string, term: string): string[] | null {
  if (!/^[\x00-\x7f]*$/.test(term)) return null;
  const prefix = companyId.slice(0, 8);
  const keys = new Set<string>();
  for (const word of term.toLowerCase().split(/[^a-z0-9]+/)) {
    for (let i = 0; i + 3 <= word.length; i++) keys.add(prefix + word.slice(i, i + 3));
  }
  return [...keys];
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

const companyParam = sql.placeholder('companyId') as unknown as string;

/** The counter rows behind a list's total: the company's, under the same stage / AI status filter. */
function counterConditions(company: string, f: LeadFilters): SQL[] {
  const where: SQL[] = [eq(leadCounters.companyId, company)];
  if (f.stage) where.push(eq(leadCounters.pipelineStage, f.stage));
  if (f.aiStatus) where.push(eq(leadCounters.aiStatus, f.aiStatus));
  return where;
}

// Unsearched lists have four shapes (with or without stage and AI status), each prepared once. The
// page and its total come back in one round trip: the total from lead_counters (kept by triggers), so
// a company of 300,000 leads costs the same as one of ten.
const unsearchedPages = new Map<string, ReturnType<typeof preparedUnsearchedPage>>();
function preparedUnsearchedPage(shape: { stage: boolean; aiStatus: boolean }) {
  const name = `lead_page${shape.stage ? '_stage' : ''}${shape.aiStatus ? '_ai' : ''}`;
  const filters: LeadFilters = {
    stage: shape.stage ? (sql.placeholder('stage') as unknown as PipelineStage) : undefined,
    aiStatus: shape.aiStatus ? (sql.placeholder('aiStatus') as unknown as AiStatus) : undefined,
  };
  return preparedPerDb((db) => {
    const total = db
      .select({ n: sql<number>`coalesce(sum(${leadCounters.count}), 0)::int` })
      .from(leadCounters)
      .where(and(...counterConditions(companyParam, filters)));
    return db
      .select({ ...getTableColumns(leads), total: sql<number>`(${total})`.as('total') })
      .from(leads)
      .where(and(...filterConditions(companyParam, filters)))
      .orderBy(desc(leads.createdAt), desc(leads.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(name);
  });
}

/** One page of leads, newest first, and how many match in all. */
export async function listLeadPage(
  db: Db,
  company: string,
  filters: LeadFilters,
  page: { limit: number; offset: number },
): Promise<{ rows: LeadRow[]; total: number }> {
  let rows: (LeadRow & { total: number })[];
  if (filters.search) {
    // Searches are planned for their term (the trigram keys are folded into the plan), not prepared.
    rows = await db
      .select({ ...getTableColumns(leads), total: sql<number>`(count(*) over ())::int`.as('total') })
      .from(leads)
      .where(and(...filterConditions(company, filters)))
      .orderBy(desc(leads.createdAt), desc(leads.id))
      .limit(page.limit)
      .offset(page.offset);
  } else {
    const shape = { stage: Boolean(filters.stage), aiStatus: Boolean(filters.aiStatus) };
    const key = `${shape.stage}:${shape.aiStatus}`;
    let statement = unsearchedPages.get(key);
    if (!statement) unsearchedPages.set(key, (statement = preparedUnsearchedPage(shape)));
    rows = await statement(db).execute({ companyId: company, stage: filters.stage, aiStatus: filters.aiStatus, ...page });
  }
  // Past the last page there is no row to carry the total: count on its own.
  const total = rows.length ? rows[0].total : await countLeads(db, company, filters);
  return { rows, total };
}

/** How many leads match: a search counts its matches, anything else sums lead_counters. */
export async function countLeads(db: Db, company: string, filters: LeadFilters): Promise<number> {
  const [row] = filters.search
    ? await db
        .select({ n: sql<number>`count(*)::int` })
        .from(leads)
        .where(and(...filterConditions(company, filters)))
    : await db
        .select({ n: sql<number>`coalesce(sum(${leadCounters.count}), 0)::int` })
        .from(leadCounters)
        .where(and(...counterConditions(company, filters)));
  return row.n;
}

const stageCounts = preparedPerDb((db) =>
  db
    .select({ stage: leadCounters.pipelineStage, n: sql<number>`sum(${leadCounters.count})::int` })
    .from(leadCounters)
    .where(eq(leadCounters.companyId, sql.placeholder('companyId')))
    .groupBy(leadCounters.pipelineStage)
    .prepare('lead_stage_counts'),
);

export async function countLeadsByStage(db: Db, company: string): Promise<Map<string, number>> {
  const rows = await stageCounts(db).execute({ companyId: company });
  return new Map(rows.map((r) => [r.stage, r.n]));
}

/** `lock` holds the row until the transaction ends, for read-modify-write. */
export async function findLead(db: Db, companyId: string, leadId: string, o: { lock?: boolean } = {}): Promise<LeadRow | undefined> {
  const query = db
    .select()
    .from(leads)
    .where(and(eq(leads.id, leadId), eq(leads.companyId, companyId)));
  const [row] = o.lock ? await query.for('update') : await query;
  return row;
}

/**
 * A new lead's whole row before it is written: the values given, the columns' defaults for the rest.
 * The caller supplies id and times, so the lead (and its event) is known before the insert.
 */
export function newLeadRow(values: LeadInsert & Required<Pick<LeadInsert, 'id' | 'createdAt' | 'updatedAt'>>): LeadRow {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(leads))) {
    const given = (values as Record<string, unknown>)[key];
    if (given !== undefined) row[key] = given;
    else if (column.hasDefault && !is(column.default, SQL)) row[key] = structuredClone(column.default);
    else row[key] = null;
  }
  return row as LeadRow;
}

/** Whether the company has opted `phone` out of SMS (a STOP from that number). */
export async function isNumberOptedOut(db: Db, companyId: string, phone: string): Promise<boolean> {
  const [row] = await db
    .select({ phone: smsOptOuts.phone })
    .from(smsOptOuts)
    .where(and(eq(smsOptOuts.companyId, companyId), eq(smsOptOuts.phone, phone)));
  return row !== undefined;
}

/**
 * Writes a lead and another statement (its event) as one statement: as atomic as a transaction,
 * without BEGIN and COMMIT round trips. POST /v1/leads is bound by the database, so they count.
 * The lead's opt-out state is its number's (sms_opt_outs), read in the same statement: `alongside`
 * gets a function that puts that state into a JSON view of the lead. Answers the state.
 */
export async function insertLeadWith(
  db: Db,
  row: LeadRow,
  alongside: (withOptOut: (view: Record<string, unknown>) => SQL) => SQLWrapper,
): Promise<boolean> {
  const { searchText: _generated, ...values } = row;
  const optedOut = row.phone
    ? sql`exists (select 1 from ${smsOptOuts} where ${smsOptOuts.companyId} = ${row.companyId} and ${smsOptOuts.phone} = ${row.phone})`
    : sql`false`;
  const insert = db.insert(leads).values({ ...values, smsOptedOut: optedOut as unknown as boolean }).returning({ optedOut: leads.smsOptedOut });
  const withOptOut = (view: Record<string, unknown>) =>
    sql`jsonb_set(${JSON.stringify(view)}::jsonb, '{sms_opted_out}', to_jsonb((select sms_opted_out from new_lead)))`;
  const result = await db.execute(
    sql`with new_lead as (${insert.getSQL()}), alongside as (${alongside(withOptOut).getSQL()}) select sms_opted_out from new_lead`,
  );
  return rowsOf<{ sms_opted_out: boolean }>(result)[0].sms_opted_out;
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

export async function deleteLeadRow(db: Db, companyId: string, leadId: string): Promise<boolean> {
  const rows = await db
    .delete(leads)
    .where(and(eq(leads.id, leadId), eq(leads.companyId, companyId)))
    .returning({ id: leads.id });
  return rows.length === 1;
}

// The columns a new lead is written with, as SQL names: all but the generated search text and the
// opt-out state, which the statement reads from sms_opt_outs.
const WRITTEN = Object.entries(getTableColumns(leads)).filter(([, c]) => c.name !== 'search_text' && c.name !== 'sms_opted_out');
const WRITTEN_LIST = sql.raw(WRITTEN.map(([, c]) => `"${c.name}"`).join(', '));

/**
 * Writes many new leads in one statement, each with its number's opt-out state, together with the
 * statements `alongside` (their events, their submissions), which may read `new_leads (id,
 * sms_opted_out)`: one round trip for a batch. The rows travel as one JSON parameter, which
 * PostgreSQL turns back into rows of `leads` (a 500-row insert built value by value costs more in the
 * query builder than in the database). Answers the opt-out states by id.
 */
export async function insertLeadRows(db: Db, rows: LeadRow[], alongside: SQLWrapper[]): Promise<Map<string, boolean>> {
  const json = JSON.stringify(rows.map((row) => Object.fromEntries(WRITTEN.map(([key, c]) => [c.name, (row as Record<string, unknown>)[key]]))));
  const ctes = alongside.map((s, i) => sql`, ${sql.raw(`alongside_${i}`)} as (${s.getSQL()})`);
  const result = await db.execute(sql`
    with new_leads as (
      insert into leads (${WRITTEN_LIST}, sms_opted_out)
      select ${WRITTEN_LIST}, (phone is not null and exists (select 1 from ${smsOptOuts} o where o.company_id = r.company_id and o.phone = r.phone))
        from jsonb_populate_recordset(null::leads, ${json}::jsonb) r
      returning id, sms_opted_out
    )${sql.join(ctes)}
    select id, sms_opted_out from new_leads`);
  return new Map(rowsOf<{ id: string; sms_opted_out: boolean }>(result).map((r) => [r.id, r.sms_opted_out]));
}
