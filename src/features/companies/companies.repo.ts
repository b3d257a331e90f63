import { count, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { companies } from '../../db/schema/index.js';

export type CompanyRow = typeof companies.$inferSelect;
export type CompanyInsert = typeof companies.$inferInsert;

export async function insertCompany(db: Db, values: CompanyInsert): Promise<CompanyRow> {
  const [row] = await db.insert(companies).values(values).returning();
  return row;
}

export async function updateCompany(
  db: Db,
  companyId: string,
  patch: Partial<CompanyInsert> & Pick<CompanyInsert, 'updatedAt'>,
): Promise<CompanyRow | undefined> {
  const [row] = await db
    .update(companies)
    .set(patch)
    .where(eq(companies.id, companyId))
    .returning();
  return row;
}

export async function findCompany(db: Db, companyId: string): Promise<CompanyRow | undefined> {
  const [row] = await db.select().from(companies).where(eq(companies.id, companyId));
  return row;
}

export async function countCompanies(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(companies);
  return Number(row.n);
}
