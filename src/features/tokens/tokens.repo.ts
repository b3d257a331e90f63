import { and, desc, eq, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedPerDb } from '../../db/prepared.js';
import { apiTokens, companies } from '../../db/schema/index.js';
import { AUTH_CHANNEL } from './token-cache.js';

export type TokenRow = typeof apiTokens.$inferSelect;

export async function insertToken(db: Db, values: typeof apiTokens.$inferInsert): Promise<TokenRow> {
  const [row] = await db.insert(apiTokens).values(values).returning();
  return row;
}

const tokenByDigest = preparedPerDb((db) =>
  db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      companyId: apiTokens.companyId,
      scopes: apiTokens.scopes,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
      country: companies.country,
    })
    .from(apiTokens)
    .innerJoin(companies, eq(companies.id, apiTokens.companyId))
    .where(eq(apiTokens.tokenHash, sql.placeholder('digest')))
    .prepare('token_by_digest'),
);

/** Tokens are issued for a company that exists (the operator's command names it by id). */
export async function companyExists(db: Db, companyId: string): Promise<boolean> {
  const [row] = await db.select({ id: companies.id }).from(companies).where(eq(companies.id, companyId));
  return row !== undefined;
}

/** Authentication looks a token up by digest before any company is known, so no tenant filter. */
export async function findTokenForAuthentication(db: Db, digest: string) {
  const [row] = await tokenByDigest(db).execute({ digest });
  return row;
}

/** Revokes a company's token (the dashboard): another company's token is simply not found. */
export function revokeCompanyToken(db: Db, companyId: string, tokenId: string, at: Date): Promise<TokenRow | undefined> {
  return revokeWhere(db, tokenId, at, eq(apiTokens.companyId, companyId));
}

/** Revokes a token by id alone: the operator's command acts for the platform, not for one company. */
export function revokeTokenAnyCompany(db: Db, tokenId: string, at: Date): Promise<TokenRow | undefined> {
  return revokeWhere(db, tokenId, at, undefined);
}

async function revokeWhere(db: Db, tokenId: string, at: Date, ofCompany: SQL | undefined): Promise<TokenRow | undefined> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: at })
    .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt), ofCompany))
    .returning();
  if (row) return row;
  const [existing] = await db.select().from(apiTokens).where(and(eq(apiTokens.id, tokenId), ofCompany));
  return existing;
}

export async function listTokens(db: Db, companyId: string): Promise<TokenRow[]> {
  return db.select().from(apiTokens).where(eq(apiTokens.companyId, companyId)).orderBy(desc(apiTokens.createdAt));
}

/** Tells every process that caches tokens to forget some (token-cache.ts); sent when `tx` commits. */
export async function notifyAuthChange(tx: Db, payload: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${AUTH_CHANNEL}, ${payload})`);
}

/** Records use at most once a minute per token, whatever the number of instances. */
export async function touchTokenLastUsed(db: Db, companyId: string, tokenId: string, at: Date): Promise<void> {
  const aMinuteAgo = new Date(at.getTime() - 60_000);
  await db
    .update(apiTokens)
    .set({ lastUsedAt: at })
    .where(
      and(
        eq(apiTokens.id, tokenId),
        eq(apiTokens.companyId, companyId),
        or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, aMinuteAgo)),
      ),
    );
}
