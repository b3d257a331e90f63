import { and, desc, eq, gte, isNotNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { notifications, teamTexts, users } from '../../db/schema/index.js';

// The users' mobile columns (drizzle/0031) and the team's texts: this feature is their one writer.

export type MobileState = {
  id: string;
  name: string;
  mobile: string | null;
  mobileVerifiedAt: Date | null;
  mobileCodeHash: string | null;
  mobileCodeExpiresAt: Date | null;
  mobileCodeAttempts: number;
};

const mobileColumns = {
  id: users.id,
  name: users.name,
  mobile: users.mobile,
  mobileVerifiedAt: users.mobileVerifiedAt,
  mobileCodeHash: users.mobileCodeHash,
  mobileCodeExpiresAt: users.mobileCodeExpiresAt,
  mobileCodeAttempts: users.mobileCodeAttempts,
};

/** One user's mobile and code, locked when asked (a code is sent, or guessed, one at a time). */
export async function findMobileState(db: Db, companyId: string, userId: string, o: { lock?: boolean } = {}): Promise<MobileState | undefined> {
  const q = db
    .select(mobileColumns)
    .from(users)
    .where(and(eq(users.id, userId), eq(users.companyId, companyId)));
  const [row] = o.lock ? await q.for('update') : await q;
  return row;
}

/** Whether another user of the company has this mobile verified (one author per number). */
export async function isMobileVerifiedByOther(db: Db, companyId: string, mobile: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(users.mobile, mobile), isNotNull(users.mobileVerifiedAt), ne(users.id, userId)));
  return row !== undefined;
}

/** A new code for a (new or same) mobile: it is not verified until the code comes back. */
export async function storeMobileCode(db: Db, companyId: string, userId: string, o: { mobile: string; codeHash: string; expiresAt: Date }) {
  await db
    .update(users)
    .set({ mobile: o.mobile, mobileVerifiedAt: null, mobileCodeHash: o.codeHash, mobileCodeExpiresAt: o.expiresAt, mobileCodeAttempts: 0 })
    .where(and(eq(users.id, userId), eq(users.companyId, companyId)));
}

/** A code that never reached the phone (Twilio refused it): gone, so the next may be asked for at once. */
export async function dropMobileCode(db: Db, companyId: string, userId: string, codeHash: string) {
  await db
    .update(users)
    .set({ mobileCodeHash: null, mobileCodeExpiresAt: null, mobileCodeAttempts: 0 })
    .where(and(eq(users.id, userId), eq(users.companyId, companyId), eq(users.mobileCodeHash, codeHash)));
}

export async function countWrongCode(db: Db, companyId: string, userId: string): Promise<number> {
  const [row] = await db
    .update(users)
    .set({ mobileCodeAttempts: sql`${users.mobileCodeAttempts} + 1` })
    .where(and(eq(users.id, userId), eq(users.companyId, companyId)))
    .returning({ attempts: users.mobileCodeAttempts });
  return row?.attempts ?? 0;
}

export async function markMobileVerified(db: Db, companyId: string, userId: string, at: Date) {
  await db
    .update(users)
    .set({ mobileVerifiedAt: at, mobileCodeHash: null, mobileCodeExpiresAt: null, mobileCodeAttempts: 0 })
    .where(and(eq(users.id, userId), eq(users.companyId, companyId)));
}

/** The mobile, its verification and any code, gone. `keepNumber`: unverified only (a STOP from it). */
export async function clearMobile(db: Db, companyId: string, userId: string, o: { keepNumber?: boolean } = {}) {
  await db
    .update(users)
    .set({ ...(!o.keepNumber && { mobile: null }), mobileVerifiedAt: null, mobileCodeHash: null, mobileCodeExpiresAt: null, mobileCodeAttempts: 0 })
    .where(and(eq(users.id, userId), eq(users.companyId, companyId)));
}

/**
 * The user of the company whose mobile this is: verified only, unless `evenUnverified` (a START from a
 * mobile that a STOP unverified is still the team's, not a new lead). Verified first.
 */
export async function findTeamMobile(db: Db, companyId: string, phone: string, o: { evenUnverified: boolean }) {
  const [row] = await db
    .select({ id: users.id, name: users.name, verified: sql<boolean>`${users.mobileVerifiedAt} is not null` })
    .from(users)
    .where(and(eq(users.companyId, companyId), eq(users.mobile, phone), o.evenUnverified ? undefined : isNotNull(users.mobileVerifiedAt)))
    .orderBy(sql`${users.mobileVerifiedAt} is null`, desc(users.createdAt))
    .limit(1);
  return row;
}

/** The lead of the latest SMS alert the user was sent since `since`, if any: what a text back is about. */
export async function latestSmsAlertLead(db: Db, companyId: string, userId: string, since: Date): Promise<string | null> {
  const [row] = await db
    .select({ leadId: notifications.leadId })
    .from(notifications)
    .where(
      and(
        eq(notifications.companyId, companyId),
        eq(notifications.userId, userId),
        eq(notifications.smsStatus, 'sent'),
        isNotNull(notifications.leadId),
        gte(notifications.createdAt, since),
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(1);
  return row?.leadId ?? null;
}

export type TeamTextInsert = typeof teamTexts.$inferInsert;

/** The new row, or undefined when this MessageSid is recorded already (Twilio sent the webhook again). */
export async function insertTeamText(db: Db, values: TeamTextInsert) {
  const [row] = await db.insert(teamTexts).values(values).onConflictDoNothing().returning();
  return row;
}
