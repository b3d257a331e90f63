import { and, desc, eq, getTableColumns, gt, gte, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedPerDb } from '../../db/prepared.js';
import { appointmentCounts, appointments, leads } from '../../db/schema/index.js';

export type AppointmentRow = typeof appointments.$inferSelect;
export type AppointmentInsert = typeof appointments.$inferInsert;
export type AppointmentRecord = AppointmentRow & { leadName: string | null; leadPhone: string | null; leadEmail: string | null };

export type AppointmentFilters = { type?: string; status?: string; from?: Date; to?: Date; leadId?: string };

const withLead = {
  ...getTableColumns(appointments),
  leadName: leads.name,
  leadPhone: leads.phone,
  leadEmail: leads.email,
};

function conditions(companyId: string, f: AppointmentFilters): SQL[] {
  const where: SQL[] = [eq(appointments.companyId, companyId)];
  if (f.type) where.push(eq(appointments.appointmentType, f.type as AppointmentRow['appointmentType']));
  if (f.status) where.push(eq(appointments.status, f.status as AppointmentRow['status']));
  if (f.from) where.push(gte(appointments.startTime, f.from));
  if (f.to) where.push(lt(appointments.startTime, f.to));
  if (f.leadId) where.push(eq(appointments.leadId, f.leadId));
  return where;
}

const ph = <T>(name: string) => sql.placeholder(name) as unknown as T;

// Without a time range the total is a sum of appointment_counts (kept by triggers); the four shapes
// (with or without type and status) are prepared once. A time range, or one lead's appointments (through
// the lead's index), counts its rows.
const unrangedPages = new Map<string, ReturnType<typeof preparedPage>>();
function preparedPage(shape: { type: boolean; status: boolean }) {
  const f: AppointmentFilters = { type: shape.type ? ph('type') : undefined, status: shape.status ? ph('status') : undefined };
  const company = ph<string>('companyId');
  return preparedPerDb((db) => {
    const countWhere: SQL[] = [eq(appointmentCounts.companyId, company)];
    if (f.type) countWhere.push(eq(appointmentCounts.appointmentType, f.type));
    if (f.status) countWhere.push(eq(appointmentCounts.status, f.status));
    const total = db
      .select({ n: sql<number>`coalesce(sum(${appointmentCounts.count}), 0)::int` })
      .from(appointmentCounts)
      .where(and(...countWhere));
    return db
      .select({ ...withLead, total: sql<number>`(${total})`.as('total') })
      .from(appointments)
      .innerJoin(leads, eq(leads.id, appointments.leadId))
      .where(and(...conditions(company, f)))
      .orderBy(desc(appointments.startTime), desc(appointments.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(`appointment_page${shape.type ? '_type' : ''}${shape.status ? '_status' : ''}`);
  });
}

/** One page of appointments, latest start first, with the lead, and how many match in all. */
export async function listAppointmentPage(
  db: Db,
  companyId: string,
  f: AppointmentFilters,
  page: { limit: number; offset: number },
): Promise<{ rows: AppointmentRecord[]; total: number }> {
  if (f.from || f.to || f.leadId) {
    const rows = await db
      .select({ ...withLead, total: sql<number>`(count(*) over ())::int`.as('total') })
      .from(appointments)
      .innerJoin(leads, eq(leads.id, appointments.leadId))
      .where(and(...conditions(companyId, f)))
      .orderBy(desc(appointments.startTime), desc(appointments.id))
      .limit(page.limit)
      .offset(page.offset);
    if (rows.length || page.offset === 0) return { rows, total: rows[0]?.total ?? 0 };
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(appointments)
      .where(and(...conditions(companyId, f)));
    return { rows, total: row.n };
  }
  const key = `${Boolean(f.type)}:${Boolean(f.status)}`;
  let statement = unrangedPages.get(key);
  if (!statement) unrangedPages.set(key, (statement = preparedPage({ type: Boolean(f.type), status: Boolean(f.status) })));
  const params = { companyId, type: f.type, status: f.status, ...page };
  const rows = await statement(db).execute(params);
  if (rows.length || page.offset === 0) return { rows, total: rows[0]?.total ?? 0 };
  const [first] = await statement(db).execute({ ...params, limit: 1, offset: 0 });
  return { rows, total: first?.total ?? 0 };
}

export async function findAppointment(db: Db, companyId: string, id: string, o: { lock?: boolean } = {}): Promise<AppointmentRecord | undefined> {
  const query = db
    .select(withLead)
    .from(appointments)
    .innerJoin(leads, eq(leads.id, appointments.leadId))
    .where(and(eq(appointments.id, id), eq(appointments.companyId, companyId)));
  const [row] = o.lock ? await query.for('update', { of: appointments }) : await query;
  return row;
}

/** The booking made under an origin key (an agent turn's), if any. */
export async function findAppointmentByOrigin(db: Db, companyId: string, originKey: string): Promise<AppointmentRecord | undefined> {
  const [row] = await db.select({ id: appointments.id }).from(appointments).where(and(eq(appointments.companyId, companyId), eq(appointments.originKey, originKey)));
  return row ? findAppointment(db, companyId, row.id) : undefined;
}

/**
 * The lead's upcoming appointment that its customer asked to move (an R answered to a reminder),
 * locked: the agent's next booking moves it instead of making a second one.
 */
export async function findRescheduleRequest(db: Db, companyId: string, leadId: string, now: Date): Promise<AppointmentRecord | undefined> {
  const [row] = await db
    .select({ id: appointments.id })
    .from(appointments)
    .where(
      and(
        eq(appointments.companyId, companyId),
        eq(appointments.leadId, leadId),
        sql`${appointments.rescheduleRequestedAt} is not null and ${appointments.status} in ('scheduled', 'confirmed') and ${appointments.startTime} > ${now}`,
      ),
    )
    .orderBy(appointments.startTime)
    .limit(1);
  return row ? findAppointment(db, companyId, row.id, { lock: true }) : undefined;
}

/** The lead's live booking that starts at `start`, if any: a move already made (a turn run again after a crash). */
export async function findLeadBookingAt(db: Db, companyId: string, leadId: string, start: Date): Promise<{ id: string } | undefined> {
  const [row] = await db
    .select({ id: appointments.id })
    .from(appointments)
    .where(
      and(
        eq(appointments.companyId, companyId),
        eq(appointments.leadId, leadId),
        eq(appointments.startTime, start),
        sql`${appointments.status} in ('scheduled', 'confirmed')`,
      ),
    );
  return row;
}

/**
 * The company's bookings that are not cancelled and overlap [from, to): what an offered slot must
 * not overlap. `lock` first takes the company's booking lock (to the end of the transaction), so two
 * bookings racing for one slot take turns: the second sees the first.
 */
export async function busyIntervals(db: Db, companyId: string, from: Date, to: Date, o: { lock?: boolean } = {}) {
  if (o.lock) await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`booking:${companyId}`}, 0))`);
  return db
    .select({ start: appointments.startTime, end: appointments.endTime })
    .from(appointments)
    .where(and(eq(appointments.companyId, companyId), ne(appointments.status, 'cancelled'), lt(appointments.startTime, to), gt(appointments.endTime, from)));
}

export async function insertAppointment(db: Db, values: AppointmentInsert): Promise<void> {
  await db.insert(appointments).values(values);
}

export async function updateAppointmentRow(db: Db, companyId: string, id: string, patch: Partial<AppointmentInsert>): Promise<void> {
  await db
    .update(appointments)
    .set(patch)
    .where(and(eq(appointments.id, id), eq(appointments.companyId, companyId)));
}
