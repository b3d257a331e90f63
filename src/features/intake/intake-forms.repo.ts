import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { companies, intakeForms, intakeFormTexts } from '../../db/schema/index.js';

export type FormRow = typeof intakeForms.$inferSelect;
export type FormInsert = typeof intakeForms.$inferInsert;

export async function insertForm(db: Db, values: FormInsert): Promise<FormRow> {
  const [row] = await db.insert(intakeForms).values(values).returning();
  return row;
}

export async function listFormPage(db: Db, companyId: string, page: { limit: number; offset: number }) {
  const rows = await db
    .select({ form: intakeForms, total: sql<number>`(count(*) over ())::int` })
    .from(intakeForms)
    .where(eq(intakeForms.companyId, companyId))
    .orderBy(desc(intakeForms.createdAt), desc(intakeForms.id))
    .limit(page.limit)
    .offset(page.offset);
  return { rows: rows.map((r) => r.form), total: rows[0]?.total ?? 0 };
}

export async function findForm(db: Db, companyId: string, formId: string): Promise<FormRow | undefined> {
  const [row] = await db
    .select()
    .from(intakeForms)
    .where(and(eq(intakeForms.id, formId), eq(intakeForms.companyId, companyId)));
  return row;
}

/** The public intake endpoint's lookup: the key is the only thing a page has, so no company to filter on. */
export async function findFormByPublicKey(db: Db, publicKey: string) {
  const [row] = await db
    .select({ form: intakeForms, country: companies.country, dedupe: companies.dedupe })
    .from(intakeForms)
    .innerJoin(companies, eq(companies.id, intakeForms.companyId))
    .where(eq(intakeForms.publicKey, publicKey));
  return row;
}

export async function updateForm(db: Db, companyId: string, formId: string, patch: Partial<FormInsert>): Promise<FormRow | undefined> {
  const [row] = await db
    .update(intakeForms)
    .set(patch)
    .where(and(eq(intakeForms.id, formId), eq(intakeForms.companyId, companyId)))
    .returning();
  return row;
}

export async function deleteForm(db: Db, companyId: string, formId: string): Promise<boolean> {
  const rows = await db
    .delete(intakeForms)
    .where(and(eq(intakeForms.id, formId), eq(intakeForms.companyId, companyId)))
    .returning({ id: intakeForms.id });
  return rows.length === 1;
}

/**
 * Counts one automatic text against the form's hour when the hour has room; true when it had. Run
 * last in the transaction that creates the lead, so the counter row is held only until its commit.
 */
export async function takeFormText(tx: Db, formId: string, hour: Date, cap: number): Promise<boolean> {
  if (cap <= 0) return false;
  const taken = await tx
    .insert(intakeFormTexts)
    .values({ formId, hour, texts: 1 })
    .onConflictDoUpdate({
      target: [intakeFormTexts.formId, intakeFormTexts.hour],
      set: { texts: sql`${intakeFormTexts.texts} + 1` },
      setWhere: sql`${intakeFormTexts.texts} < ${cap}`,
    })
    .returning({ texts: intakeFormTexts.texts });
  return taken.length === 1;
}

