import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from '../../db/schema/index.js';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;

export async function insertEndpoint(db: Db, row: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
  const [inserted] = await db.insert(webhookEndpoints).values(row).returning();
  return inserted;
}

export async function findEndpoint(db: Db, companyId: string, id: string): Promise<EndpointRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.companyId, companyId)));
  return row;
}

export async function listEndpointPage(db: Db, companyId: string, page: { limit: number; offset: number }) {
  const rows = await db
    .select({ endpoint: webhookEndpoints, total: sql<number>`count(*) over ()::int` })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.companyId, companyId))
    .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id))
    .limit(page.limit)
    .offset(page.offset);
  const total = rows[0]?.total ?? (page.offset > 0 ? await countEndpoints(db, companyId) : 0);
  return { rows: rows.map((r) => r.endpoint), total };
}

async function countEndpoints(db: Db, companyId: string): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(webhookEndpoints).where(eq(webhookEndpoints.companyId, companyId));
  return r.n;
}

export async function updateEndpointRow(
  db: Db,
  companyId: string,
  id: string,
  patch: Partial<typeof webhookEndpoints.$inferInsert>,
): Promise<EndpointRow | undefined> {
  const [row] = await db
    .update(webhookEndpoints)
    .set(patch)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.companyId, companyId)))
    .returning();
  return row;
}

export async function deleteEndpointRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.companyId, companyId)))
    .returning({ id: webhookEndpoints.id });
  return deleted.length > 0;
}

/** The pending deliveries of a disabled endpoint fail at once, so enabling it again sends nothing stale. */
export async function failPendingDeliveries(db: Db, companyId: string, endpointId: string, reason: string, now: Date) {
  await db
    .update(webhookDeliveries)
    .set({ status: 'failed', lastError: reason, claimedUntil: null, claimId: null, updatedAt: now })
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.companyId, companyId),
        eq(webhookDeliveries.status, 'pending'),
      ),
    );
}

export type DeliveryFilters = { status?: 'pending' | 'succeeded' | 'failed'; event?: string };

export async function listDeliveryPage(
  db: Db,
  companyId: string,
  endpointId: string,
  filters: DeliveryFilters,
  page: { limit: number; offset: number },
) {
  const where: SQL[] = [eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.companyId, companyId)];
  if (filters.status) where.push(eq(webhookDeliveries.status, filters.status));
  if (filters.event) where.push(eq(webhookDeliveries.eventType, filters.event));
  const [rows, [count]] = await Promise.all([
    db
      .select()
      .from(webhookDeliveries)
      .where(and(...where))
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ n: sql<number>`count(*)::int` }).from(webhookDeliveries).where(and(...where)),
  ]);
  return { rows, total: count.n };
}

export async function findDelivery(db: Db, companyId: string, endpointId: string, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.companyId, companyId)));
  return row;
}

/** The attempts of these deliveries of the company, newest first. */
export async function attemptsOfDeliveries(db: Db, companyId: string, deliveryIds: string[]): Promise<AttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  return db
    .select(getTableColumns(webhookAttempts))
    .from(webhookAttempts)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, webhookAttempts.deliveryId))
    .where(
      and(
        eq(webhookDeliveries.companyId, companyId),
        sql`${webhookAttempts.deliveryId} = any(${`{${deliveryIds.join(',')}}`}::uuid[])`,
      ),
    )
    .orderBy(desc(webhookAttempts.attemptedAt), desc(webhookAttempts.id));
}

/** The operator's `quoteleads webhook delete`: by id alone, whatever the company. */
export async function deleteEndpointAnyCompany(db: Db, id: string): Promise<EndpointRow | undefined> {
  const [row] = await db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning();
  return row;
}

/** A failed delivery goes back to the queue for a new round of the retry schedule. */
export async function requeueDelivery(db: Db, companyId: string, id: string, now: Date): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: now, claimedUntil: null, claimId: null, updatedAt: now })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.companyId, companyId), sql`${webhookDeliveries.status} <> 'pending'`))
    .returning();
  return row;
}

export async function insertTestDelivery(db: Db, row: typeof webhookDeliveries.$inferInsert, attempt: typeof webhookAttempts.$inferInsert) {
  await db.transaction(async (tx) => {
    await tx.insert(webhookDeliveries).values(row);
    await tx.insert(webhookAttempts).values(attempt);
  });
}
