import { and, asc, count, eq, gt, isNull, ne } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { companies, invites, sessions, users } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;

export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row.n;
}

/** Log-in looks a user up by email before any company is known, so no tenant filter. */
export async function findUserForLogin(db: Db, email: string) {
  const [row] = await db
    .select({ user: users, companyName: companies.name })
    .from(users)
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(eq(users.email, email));
  return row;
}

/** Inserts unless the email is taken; undefined then (sign-up must not say which). */
export async function insertUserIfNew(db: Db, values: typeof users.$inferInsert): Promise<UserRow | undefined> {
  const [row] = await db.insert(users).values(values).onConflictDoNothing({ target: users.email }).returning();
  return row;
}

export async function listCompanyUsers(db: Db, companyId: string): Promise<UserRow[]> {
  return db.select().from(users).where(eq(users.companyId, companyId)).orderBy(asc(users.createdAt));
}

/** Removes a user of the company (never its owner); their sessions go with them (cascade). */
export async function deleteCompanyUser(db: Db, companyId: string, userId: string) {
  const [row] = await db
    .delete(users)
    .where(and(eq(users.id, userId), eq(users.companyId, companyId), ne(users.role, 'owner')))
    .returning({ id: users.id });
  return row;
}

export async function insertSession(db: Db, values: typeof sessions.$inferInsert) {
  await db.insert(sessions).values(values);
}

/** Authentication finds a session by its digest before any company is known, so no tenant filter. */
export async function findSessionForAuthentication(db: Db, tokenHash: string, now: Date) {
  const [row] = await db
    .select({
      sessionId: sessions.id,
      lastSeenAt: sessions.lastSeenAt,
      userId: users.id,
      role: users.role,
      name: users.name,
      email: users.email,
      companyId: companies.id,
      companyName: companies.name,
      country: companies.country,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now), gt(sessions.idleExpiresAt, now)));
  return row;
}

/** By session id: the session was just authenticated by its secret, before any company is known. */
export async function extendSessionAnyCompany(db: Db, sessionId: string, now: Date, idleExpiresAt: Date) {
  await db.update(sessions).set({ lastSeenAt: now, idleExpiresAt }).where(eq(sessions.id, sessionId));
}

export async function deleteSessionByHash(db: Db, tokenHash: string) {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

export async function insertInvite(db: Db, values: typeof invites.$inferInsert): Promise<InviteRow> {
  const [row] = await db.insert(invites).values(values).returning();
  return row;
}

export async function listOpenInvites(db: Db, companyId: string, now: Date): Promise<InviteRow[]> {
  return db
    .select()
    .from(invites)
    .where(and(eq(invites.companyId, companyId), isNull(invites.acceptedAt), gt(invites.expiresAt, now)))
    .orderBy(asc(invites.createdAt));
}

export async function deleteCompanyInvite(db: Db, companyId: string, inviteId: string) {
  const [row] = await db
    .delete(invites)
    .where(and(eq(invites.id, inviteId), eq(invites.companyId, companyId)))
    .returning({ id: invites.id });
  return row;
}

/** The invitation link is its only credential, so it is found by digest alone. */
export async function findOpenInviteByToken(db: Db, tokenHash: string, now: Date) {
  const [row] = await db
    .select({ invite: invites, companyName: companies.name })
    .from(invites)
    .innerJoin(companies, eq(companies.id, invites.companyId))
    .where(and(eq(invites.tokenHash, tokenHash), isNull(invites.acceptedAt), gt(invites.expiresAt, now)));
  return row;
}

/**
 * Takes the invitation once: of two acceptances at the same time, one gets the row. By id, found by
 * the invitation's secret: the invitee belongs to no company yet.
 */
export async function claimInviteAnyCompany(db: Db, inviteId: string, now: Date) {
  const [row] = await db
    .update(invites)
    .set({ acceptedAt: now })
    .where(and(eq(invites.id, inviteId), isNull(invites.acceptedAt), gt(invites.expiresAt, now)))
    .returning();
  return row;
}

/** A user of the company with what a profile change needs (the password's hash to check). */
export async function findCompanyUser(db: Db, companyId: string, userId: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(and(eq(users.id, userId), eq(users.companyId, companyId)));
  return row;
}

export async function updateCompanyUser(
  db: Db,
  companyId: string,
  userId: string,
  values: Partial<Pick<typeof users.$inferInsert, 'name' | 'email' | 'passwordHash'>>,
): Promise<UserRow | undefined> {
  const [row] = await db.update(users).set(values).where(and(eq(users.id, userId), eq(users.companyId, companyId))).returning();
  return row;
}

/**
 * Ends every session of the user but `keepSessionId`. By user id: the caller's session was just
 * authenticated as this user, whose company is checked by updateCompanyUser/findCompanyUser.
 */
export async function deleteOtherSessionsOfUser(db: Db, userId: string, keepSessionId: string): Promise<number> {
  const rows = await db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)))
    .returning({ id: sessions.id });
  return rows.length;
}

/** The user's live sessions (their count on the profile page). */
export async function countLiveSessionsOfUser(db: Db, userId: string, now: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now), gt(sessions.idleExpiresAt, now)));
  return row.n;
}
