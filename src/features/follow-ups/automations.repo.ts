import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { automations, type SequenceKind } from '../../db/schema/index.js';

export type AutomationRow = typeof automations.$inferSelect;

export async function listAutomations(db: Db, companyId: string): Promise<AutomationRow[]> {
  return db.select().from(automations).where(eq(automations.companyId, companyId));
}

/**
 * The company's row of this sequence, locked until the transaction ends, written with `defaults`
 * first when it has none: two first changes at once queue on one row instead of both starting from the defaults.
 */
export async function lockAutomation(tx: Db, companyId: string, kind: SequenceKind, defaults: Pick<AutomationRow, 'enabled' | 'steps'>, at: Date): Promise<AutomationRow> {
  await tx
    .insert(automations)
    .values({ companyId, kind, ...defaults, createdAt: at, updatedAt: at })
    .onConflictDoNothing({ target: [automations.companyId, automations.kind] });
  const [row] = await tx
    .select()
    .from(automations)
    .where(and(eq(automations.companyId, companyId), eq(automations.kind, kind)))
    .for('update');
  return row;
}

export async function updateAutomation(tx: Db, companyId: string, kind: SequenceKind, values: Pick<AutomationRow, 'enabled' | 'steps'>, at: Date): Promise<AutomationRow> {
  const [row] = await tx
    .update(automations)
    .set({ ...values, updatedAt: at })
    .where(and(eq(automations.companyId, companyId), eq(automations.kind, kind)))
    .returning();
  return row;
}
