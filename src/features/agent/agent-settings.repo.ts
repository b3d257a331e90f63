import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { agentSettings } from '../../db/schema/index.js';

export type AgentSettingsRow = typeof agentSettings.$inferSelect;
export type AgentSettingsValues = Omit<AgentSettingsRow, 'companyId' | 'createdAt' | 'updatedAt'>;

export async function findAgentSettings(db: Db, companyId: string): Promise<AgentSettingsRow | undefined> {
  const [row] = await db.select().from(agentSettings).where(eq(agentSettings.companyId, companyId));
  return row;
}

/**
 * The company's row, locked until the transaction ends, written with `defaults` first when it has
 * none: two first changes at once then queue on one row instead of both starting from the defaults.
 */
export async function lockAgentSettings(tx: Db, companyId: string, defaults: AgentSettingsValues, at: Date): Promise<AgentSettingsRow> {
  await tx
    .insert(agentSettings)
    .values({ companyId, ...defaults, createdAt: at, updatedAt: at })
    .onConflictDoNothing({ target: agentSettings.companyId });
  const [row] = await tx.select().from(agentSettings).where(eq(agentSettings.companyId, companyId)).for('update');
  return row;
}

export async function updateAgentSettings(tx: Db, companyId: string, values: AgentSettingsValues, at: Date): Promise<AgentSettingsRow> {
  const [row] = await tx
    .update(agentSettings)
    .set({ ...values, updatedAt: at })
    .where(eq(agentSettings.companyId, companyId))
    .returning();
  return row;
}
