import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { priceBookItems } from '../../db/schema/index.js';

export type PriceBookRow = typeof priceBookItems.$inferSelect;
export type PriceBookInsert = typeof priceBookItems.$inferInsert;

export async function insertPriceBookItem(db: Db, row: PriceBookInsert): Promise<PriceBookRow> {
  const [inserted] = await db.insert(priceBookItems).values(row).returning();
  return inserted;
}

export async function findPriceBookItem(db: Db, companyId: string, id: string): Promise<PriceBookRow | undefined> {
  const [row] = await db
    .select()
    .from(priceBookItems)
    .where(and(eq(priceBookItems.id, id), eq(priceBookItems.companyId, companyId)));
  return row;
}

/** The company's items among `ids` (another company's are simply not found). */
export async function findPriceBookItems(db: Db, companyId: string, ids: string[]): Promise<PriceBookRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(priceBookItems)
    .where(and(eq(priceBookItems.companyId, companyId), inArray(priceBookItems.id, ids)));
}

export async function listPriceBookItems(db: Db, companyId: string, w: { limit: number; offset: number }) {
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(priceBookItems)
      .where(eq(priceBookItems.companyId, companyId))
      .orderBy(asc(priceBookItems.name), asc(priceBookItems.id))
      .limit(w.limit)
      .offset(w.offset),
    db.select({ n: count() }).from(priceBookItems).where(eq(priceBookItems.companyId, companyId)),
  ]);
  return { rows, total: Number(total.n) };
}

export async function updatePriceBookItem(
  db: Db,
  companyId: string,
  id: string,
  patch: Partial<PriceBookInsert> & Pick<PriceBookInsert, 'updatedAt'>,
): Promise<PriceBookRow | undefined> {
  const [row] = await db
    .update(priceBookItems)
    .set(patch)
    .where(and(eq(priceBookItems.id, id), eq(priceBookItems.companyId, companyId)))
    .returning();
  return row;
}

export async function deletePriceBookItem(db: Db, companyId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(priceBookItems)
    .where(and(eq(priceBookItems.id, id), eq(priceBookItems.companyId, companyId)))
    .returning({ id: priceBookItems.id });
  return rows.length > 0;
}
