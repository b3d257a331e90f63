import { and, desc, eq, getTableColumns, gt, inArray, isNull, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedPerDb } from '../../db/prepared.js';
import { companies, leads, quoteLineItems, quoteNumberCounters, quotes, quoteStatusCounts, type PriceBookUnit, type QuoteStatus } from '../../db/schema/index.js';

export type QuoteRow = typeof quotes.$inferSelect;
export type QuoteInsert = typeof quotes.$inferInsert;
export type LineRow = typeof quoteLineItems.$inferInsert;
/**
 * A line as the queries return it: [position, description, quantity in thousandths, unit price in
 * cents, subtotal in cents, unit, price book item id] (JSON numbers: they stay far below 2^53). Unordered: an ordered aggregate
 * sorts once per quote, which doubled the list's cost in PostgreSQL; the view sorts three lines instead.
 */
export type LineJson = [number, string, number, number, number, PriceBookUnit | null, string | null];
export type QuoteRecord = QuoteRow & { lines: LineJson[] };

const linesOf = sql<LineJson[]>`(select coalesce(json_agg(json_build_array(l.position, l.description, l.quantity_milli, l.unit_price_cents, l.subtotal_cents, l.unit, l.price_book_item_id)), '[]'::json) from ${quoteLineItems} l where l.quote_id = ${quotes.id})`;

const withLines = { ...getTableColumns(quotes), lines: linesOf.as('lines') };

/** The next number of a company's quotes. The upsert's row lock orders concurrent creates until commit. */
export async function takeQuoteNumber(tx: Db, companyId: string): Promise<number> {
  const [row] = await tx
    .insert(quoteNumberCounters)
    .values({ companyId, lastNumber: 1 })
    .onConflictDoUpdate({ target: quoteNumberCounters.companyId, set: { lastNumber: sql`${quoteNumberCounters.lastNumber} + 1` } })
    .returning({ n: quoteNumberCounters.lastNumber });
  return row.n;
}

export async function insertQuote(tx: Db, row: QuoteInsert, lines: LineRow[]): Promise<void> {
  await tx.insert(quotes).values(row);
  await tx.insert(quoteLineItems).values(lines);
}

/** By quote id alone: lines have no company of their own; callers pass a quote they found in the company. */
export async function replaceQuoteLines(tx: Db, companyId: string, quoteId: string, lines: LineRow[]): Promise<void> {
  // Lines carry no company of their own: theirs is their quote's.
  const ofCompany = tx.select({ id: quotes.id }).from(quotes).where(and(eq(quotes.id, quoteId), eq(quotes.companyId, companyId)));
  await tx.delete(quoteLineItems).where(and(eq(quoteLineItems.quoteId, quoteId), inArray(quoteLineItems.quoteId, ofCompany)));
  await tx.insert(quoteLineItems).values(lines);
}

/** `lock` holds the quote row until the transaction ends, for read-modify-write. */
export async function findQuote(db: Db, companyId: string, quoteId: string, o: { lock?: boolean } = {}): Promise<QuoteRecord | undefined> {
  const query = db
    .select(withLines)
    .from(quotes)
    .where(and(eq(quotes.id, quoteId), eq(quotes.companyId, companyId)));
  const [row] = o.lock ? await query.for('update', { of: quotes }) : await query;
  return row;
}

export type PublicQuote = QuoteRecord & { companyName: string; timezone: string; country: string; leadName: string | null };

/** For the public page, whose only credential is the token: across companies by design. */
export async function findQuoteByPublicToken(db: Db, token: string, o: { lock?: boolean } = {}): Promise<PublicQuote | undefined> {
  const query = db
    .select({ ...withLines, companyName: companies.name, timezone: companies.timezone, country: companies.country, leadName: leads.name })
    .from(quotes)
    .innerJoin(companies, eq(companies.id, quotes.companyId))
    .innerJoin(leads, eq(leads.id, quotes.leadId))
    .where(eq(quotes.publicToken, token));
  const [row] = o.lock ? await query.for('update', { of: quotes }) : await query;
  return row;
}

export async function updateQuoteRow(tx: Db, companyId: string, quoteId: string, patch: Partial<QuoteInsert>): Promise<void> {
  await tx
    .update(quotes)
    .set(patch)
    .where(and(eq(quotes.id, quoteId), eq(quotes.companyId, companyId)));
}

/**
 * Marks a draft as being sent until `until`, unless another send holds it: the claim that keeps two
 * sends (or a send and an edit) from both going ahead while a text is on its way. True when taken.
 */
export async function claimDraftForSending(db: Db, companyId: string, quoteId: string, now: Date, until: Date): Promise<boolean> {
  const rows = await db
    .update(quotes)
    .set({ sendingUntil: until })
    .where(
      and(
        eq(quotes.id, quoteId),
        eq(quotes.companyId, companyId),
        eq(quotes.status, 'draft'),
        or(isNull(quotes.sendingUntil), lte(quotes.sendingUntil, now)),
      ),
    )
    .returning({ id: quotes.id });
  return rows.length === 1;
}

export async function releaseSendingClaim(db: Db, companyId: string, quoteId: string, until: Date): Promise<void> {
  await db
    .update(quotes)
    .set({ sendingUntil: null })
    .where(and(eq(quotes.id, quoteId), eq(quotes.companyId, companyId), eq(quotes.sendingUntil, until)));
}

/** Whether the lead has another quote the customer can still answer (sent or viewed, not expired). */
export async function leadHasOtherOpenQuote(tx: Db, companyId: string, leadId: string, exceptQuoteId: string, now: Date): Promise<boolean> {
  const rows = await tx
    .select({ id: quotes.id })
    .from(quotes)
    .where(
      and(
        eq(quotes.companyId, companyId),
        eq(quotes.leadId, leadId),
        ne(quotes.id, exceptQuoteId),
        inArray(quotes.status, ['sent', 'viewed']),
        or(isNull(quotes.expiresAt), gt(quotes.expiresAt, now)),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

// --- lists ------------------------------------------------------------------------------------------

const p = <T>(name: string) => sql.placeholder(name) as unknown as T;
const nowParam = sql`${sql.placeholder('now')}::timestamptz`;
const companyParam = p<string>('companyId');
const statusParam = p<'sent'>('status');

const counted = (status?: SQL) =>
  sql`(select coalesce(sum(${quoteStatusCounts.count}), 0) from ${quoteStatusCounts} where ${quoteStatusCounts.companyId} = ${companyParam}${
    status ? sql` and ${quoteStatusCounts.status} = ${status}` : sql``
  })`;
const expiredCount = (statuses: SQL) =>
  sql`(select count(*) from ${quotes} e where e.company_id = ${companyParam} and e.status in ${statuses} and e.expires_at <= ${nowParam})`;

/**
 * The four list shapes, each prepared once (for the company, and for one lead): the page and its total
 * in one round trip. A company's totals come from quote_status_counts (kept by triggers); only the part
 * that depends on the clock (open quotes past their deadline) is counted, through the partial index of
 * open quotes by deadline.
 */
type Shape = 'all' | 'stored' | 'open' | 'expired';
const shapes: Record<Shape, { where: SQL; total: SQL }> = {
  all: { where: sql`true`, total: counted() },
  // draft, accepted, declined: what is stored is what reads.
  stored: { where: sql`${quotes.status} = ${statusParam}`, total: counted(sql`${statusParam}`) },
  // sent, viewed: stored so, and not past the deadline.
  open: {
    where: sql`${quotes.status} = ${statusParam} and (${quotes.expiresAt} is null or ${quotes.expiresAt} > ${nowParam})`,
    total: sql`${counted(sql`${statusParam}`)} - ${expiredCount(sql`(${statusParam})`)}`,
  },
  expired: {
    where: sql`${quotes.status} in ('sent', 'viewed') and ${quotes.expiresAt} <= ${nowParam}`,
    total: expiredCount(sql`('sent', 'viewed')`),
  },
};

const leadParam = p<string>('leadId');
type PageRow = QuoteRecord & { total: number; nextExpiry: Date | null };
type PageStatement = (db: Db) => { execute(params: Record<string, unknown>): Promise<PageRow[]> };

// The first deadline after `now` of the company's open quotes: until then its quotes read the same
// unless written (the list cache keeps a page that long). Once per statement, through the open-quote index.
const nextExpiry = sql`(select min(e.expires_at) from ${quotes} e where e.company_id = ${companyParam} and e.status in ('sent', 'viewed') and e.expires_at > ${nowParam})`;

// A lead's quotes are few: their total is counted from the rows, through the lead's index, not from
// the company's counters.
function preparedPage(shape: Shape, byLead: boolean): PageStatement {
  const total = byLead ? sql`count(*) over ()` : shapes[shape].total;
  return preparedPerDb((db) =>
    db
      .select({ ...withLines, total: sql<number>`(${total})::int`.as('total'), nextExpiry: nextExpiry.mapWith(quotes.expiresAt).as('next_expiry') })
      .from(quotes)
      .where(and(eq(quotes.companyId, companyParam), byLead ? eq(quotes.leadId, leadParam) : undefined, shapes[shape].where))
      .orderBy(desc(quotes.createdAt), desc(quotes.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(`quote_page_${shape}${byLead ? '_lead' : ''}`),
  ) as unknown as PageStatement;
}

const pages = Object.fromEntries(
  (Object.keys(shapes) as Shape[]).map((shape) => [shape, { company: preparedPage(shape, false), lead: preparedPage(shape, true) }]),
) as Record<Shape, { company: PageStatement; lead: PageStatement }>;

function shapeOf(status: QuoteStatus | undefined): Shape {
  if (!status) return 'all';
  if (status === 'expired') return 'expired';
  if (status === 'sent' || status === 'viewed') return 'open';
  return 'stored';
}

/**
 * The first moment after `after` at which one of the company's open quotes (sent or viewed) passes its
 * deadline and starts to read `expired`: until then, nothing but a write changes how its quotes read.
 */
export async function nextOpenQuoteExpiry(db: Db, companyId: string, after: Date): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql`min(${quotes.expiresAt})`.mapWith(quotes.expiresAt) })
    .from(quotes)
    .where(and(eq(quotes.companyId, companyId), inArray(quotes.status, ['sent', 'viewed']), gt(quotes.expiresAt, after)));
  return row?.at ?? null;
}

export type QuoteFilters = { status?: QuoteStatus; leadId?: string };

/**
 * One page of quotes, newest first, as they read at `now`, how many match in all, and the company's
 * next open-quote deadline after `now` (null: none).
 */
export async function listQuotePage(
  db: Db,
  companyId: string,
  f: QuoteFilters,
  now: Date,
  page: { limit: number; offset: number },
): Promise<{ rows: QuoteRecord[]; total: number; nextExpiry: Date | null }> {
  const statement = pages[shapeOf(f.status)][f.leadId ? 'lead' : 'company'](db);
  const params = { companyId, status: f.status, leadId: f.leadId, now: now.toISOString(), ...page };
  const rows = await statement.execute(params);
  if (rows.length) return { rows, total: rows[0].total, nextExpiry: rows[0].nextExpiry };
  // With no row, nothing carries the total and the deadline: past the last page, the first row of the
  // same filter does; with no match at all, the total is 0 and the deadline is asked on its own.
  const [first] = page.offset > 0 ? await statement.execute({ ...params, limit: 1, offset: 0 }) : [];
  return first
    ? { rows, total: first.total, nextExpiry: first.nextExpiry }
    : { rows, total: 0, nextExpiry: await nextOpenQuoteExpiry(db, companyId, now) };
}
