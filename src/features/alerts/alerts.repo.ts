import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';
import { companies, leads, notifications, users, type AlertChannel, type AlertKind, type AlertPrefs, type Role } from '../../db/schema/index.js';

export type NotificationRow = typeof notifications.$inferSelect;
export type NotificationListRow = NotificationRow & { leadName: string | null };

/** How the team knows a lead in an alert: its name, else its phone, else its email (a texter has only a number). */
const leadLabel = sql<string | null>`coalesce(${leads.name}, ${leads.phone}, ${leads.email})`;

/** A user's bell: their in-app alerts, newest first, `before` a cursor (created_at, id) for the next page. */
export async function listUserNotifications(
  db: Db,
  userId: string,
  o: { limit: number; unreadOnly: boolean; before?: { at: Date; id: string } },
): Promise<NotificationListRow[]> {
  const rows = await db
    .select({ n: notifications, leadName: leadLabel })
    .from(notifications)
    .leftJoin(leads, eq(leads.id, notifications.leadId))
    .where(
      and(
        eq(notifications.userId, userId),
        eq(notifications.inApp, true),
        o.unreadOnly ? isNull(notifications.readAt) : undefined,
        o.before
          ? or(lt(notifications.createdAt, o.before.at), and(eq(notifications.createdAt, o.before.at), lt(notifications.id, o.before.id)))
          : undefined,
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(o.limit);
  return rows.map((r) => ({ ...r.n, leadName: r.leadName }));
}

/** Where a page that starts after one of the user's alerts starts. */
export async function findNotificationCursor(db: Db, userId: string, id: string): Promise<{ at: Date; id: string } | undefined> {
  const [row] = await db
    .select({ at: notifications.createdAt, id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.id, id)));
  return row;
}

export async function countUnread(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.inApp, true), isNull(notifications.readAt)));
  return row.n;
}

/** Marks a user's alerts read: the given ones (others' are left alone), or all of them. */
export async function markRead(db: Db, userId: string, which: { ids: string[] } | { all: true }, at: Date): Promise<number> {
  const rows = await db
    .update(notifications)
    .set({ readAt: at })
    .where(
      and(
        eq(notifications.userId, userId),
        isNull(notifications.readAt),
        'all' in which ? undefined : inArray(notifications.id, which.ids),
      ),
    )
    .returning({ id: notifications.id });
  return rows.length;
}

export type AlertUser = {
  id: string;
  role: Role;
  alertPrefs: AlertPrefs;
  mobile: string | null;
  mobileVerifiedAt: Date | null;
};

/** `lock`: under the user's row lock, for a read-modify-write of their choices. */
export async function findAlertUser(db: Db, userId: string, o: { lock?: boolean } = {}): Promise<AlertUser | undefined> {
  const q = db
    .select({ id: users.id, role: users.role, alertPrefs: users.alertPrefs, mobile: users.mobile, mobileVerifiedAt: users.mobileVerifiedAt })
    .from(users)
    .where(eq(users.id, userId));
  const [row] = o.lock ? await q.for('update') : await q;
  return row;
}

/** Every kind's channels for one user as the trigger decides them (alert_chosen): one rule, in SQL. */
export async function effectiveChoices(db: Db, prefs: AlertPrefs, role: Role, kinds: readonly AlertKind[], channels: readonly AlertChannel[]) {
  const rows = rowsOf<{ kind: AlertKind; channel: AlertChannel; chosen: boolean; by_default: boolean }>(
    await db.execute(sql`
      select k.kind, c.channel,
             alert_chosen(${JSON.stringify(prefs)}::jsonb, ${role}, k.kind, c.channel) as chosen,
             alert_default(${role}, k.kind, c.channel) as by_default
        from unnest(${`{${kinds.join(',')}}`}::text[]) as k(kind)
        cross join unnest(${`{${channels.join(',')}}`}::text[]) as c(channel)`),
  );
  return rows;
}

export async function writeAlertPrefs(db: Db, userId: string, prefs: AlertPrefs): Promise<void> {
  await db.update(users).set({ alertPrefs: prefs }).where(eq(users.id, userId));
}

/** One alert with what sending it needs: its user's address and mobile, the company's name, zone, number and pause. */
export async function findNotificationToSend(tx: Db, companyId: string, id: string, lock: boolean) {
  const q = tx
    .select({
      n: notifications,
      leadName: leadLabel,
      email: users.email,
      userName: users.name,
      mobile: users.mobile,
      mobileVerifiedAt: users.mobileVerifiedAt,
      companyName: companies.name,
      timeZone: companies.timezone,
      twilioNumber: companies.twilioNumber,
      smsPaused: companies.smsPaused,
    })
    .from(notifications)
    .innerJoin(users, eq(users.id, notifications.userId))
    .innerJoin(companies, eq(companies.id, notifications.companyId))
    .leftJoin(leads, eq(leads.id, notifications.leadId))
    .where(and(eq(notifications.companyId, companyId), eq(notifications.id, id)));
  const [row] = lock ? await q.for('update', { of: notifications }) : await q;
  return row;
}
export type NotificationToSend = NonNullable<Awaited<ReturnType<typeof findNotificationToSend>>>;

export async function setSendStatus(
  tx: Db,
  id: string,
  channel: 'email' | 'sms',
  status: NotificationRow['emailStatus'],
  detail?: Record<string, unknown>,
): Promise<void> {
  await tx
    .update(notifications)
    .set(
      channel === 'email'
        ? { emailStatus: status, ...(detail && { emailDetail: detail }) }
        : { smsStatus: status, ...(detail && { smsDetail: detail }) },
    )
    .where(eq(notifications.id, id));
}

export type AlertSendStart = { done: Record<string, unknown> } | { row: NotificationToSend };

/**
 * The start of every send of an alert by one channel, in the transaction that will mark it `sending`:
 * locks the alert, and ends the run when there is nothing to send: the alert is gone, already settled,
 * or `sending` (a worker died mid-send: marked `unknown`, never sent again).
 */
export async function startAlertSend(tx: Db, companyId: string, id: string, channel: 'email' | 'sms'): Promise<AlertSendStart> {
  const row = await findNotificationToSend(tx, companyId, id, true);
  if (!row) return { done: { result: 'alert_gone' } };
  const status = channel === 'email' ? row.n.emailStatus : row.n.smsStatus;
  if (status === 'sending') {
    await setSendStatus(tx, id, channel, 'unknown', { error: 'the worker stopped during the send; not sent again' });
    return { done: { result: 'unknown' } };
  }
  if (status !== 'pending') return { done: { result: `already ${status}` } };
  return { row };
}

/** Ends a send's start without sending: the channel cannot carry it (`reason` is kept on the alert). */
export async function skipAlertSend(tx: Db, id: string, channel: 'email' | 'sms', reason: string) {
  await setSendStatus(tx, id, channel, 'skipped', { error: reason });
  return { done: { result: 'skipped', reason } };
}
