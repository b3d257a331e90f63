import { z } from 'zod';
import type { TokenPrincipal } from '../../auth/principal.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { INSTANT_RANGE_MESSAGE, isStorableInstant } from '../../http/schema-fields.js';
import { digestToken, generateToken, isPlausibleToken } from '../../lib/tokens.js';
import { uniqueViolation } from '../../db/errors.js';
import { DEFAULT_SCOPES, isScope, SCOPES, type Scope } from '../../auth/scopes.js';
import { dropCachedTokens, type TokenCache } from './token-cache.js';
import {
  companyExists,
  findTokenForAuthentication,
  insertToken,
  listTokens,
  notifyAuthChange,
  revokeCompanyToken,
  revokeTokenAnyCompany,
  touchTokenLastUsed,
  type TokenRow,
} from './tokens.repo.js';


export function tokenView(row: TokenRow) {
  return {
    id: row.id,
    company_id: row.companyId,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    expires_at: row.expiresAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

function parseScopes(scopes: string[] | undefined): Scope[] {
  if (scopes === undefined) return DEFAULT_SCOPES;
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length) {
    throw new ValidationError(`Unknown scope '${unknown[0]}'; scopes are: ${Object.keys(SCOPES).join(', ')}`);
  }
  if (scopes.length === 0) throw new ValidationError('A token needs at least one scope');
  return [...new Set(scopes)] as Scope[];
}

/** `field` names the input as its caller knows it: the CLI's `--expires-at` flag, or the dashboard's JSON field. */
function parseExpiry(expiresAt: string | undefined, clock: Clock, field = 'expires-at'): Date | null {
  if (expiresAt === undefined) return null;
  const parsed = z.iso.datetime({ offset: true }).safeParse(expiresAt);
  if (!parsed.success) throw new ValidationError(`'${field}' must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z`);
  const date = new Date(expiresAt);
  if (!isStorableInstant(date.getTime())) throw new ValidationError(`'${field}' ${INSTANT_RANGE_MESSAGE}`);
  if (date.getTime() <= clock.now()) throw new ValidationError(`'${field}' must be in the future`);
  return date;
}

async function requireCompany(db: Db, companyId: string) {
  if (!isUuid(companyId) || !(await companyExists(db, companyId))) {
    throw new NotFoundError(`Company not found: ${companyId}`);
  }
}

/** A token of the original service, brought over by its digest (`quoteleads token import`). */
export type ImportTokenInput = {
  companyId: string;
  sha256: string;
  prefix: string;
  name?: string;
  scopes?: string[];
  expiresAt?: string;
};

/** API keys: issued, imported and revoked by the operator's command line and the dashboard (B7). */
export function createTokens(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  async function issue(input: { companyId: string; name?: string; scopes?: string[]; expiresAt?: string; expiresAtField?: string }) {
    const scopes = parseScopes(input.scopes);
    const expiresAt = parseExpiry(input.expiresAt, clock, input.expiresAtField);
    await requireCompany(db, input.companyId);
    const { token, digest, prefix } = generateToken();
    const row = await insertToken(db, {
      companyId: input.companyId,
      name: input.name?.trim() || 'API token',
      tokenHash: digest,
      prefix,
      scopes,
      expiresAt,
    });
    // The raw token leaves the server here, once.
    return { ...tokenView(row), token };
  }

  /** Brings over a token of the original service by its digest, so the integration keeps its key. */
  async function importByDigest(input: ImportTokenInput) {
    if (!/^[0-9a-fA-F]{64}$/.test(input.sha256)) throw new ValidationError("'sha256' must be 64 hexadecimal characters");
    if (!/^qlhq_[0-9a-f]{7}$/.test(input.prefix)) {
      throw new ValidationError("'prefix' must be the token's first 12 characters, e.g. qlhq_1a2b3c4");
    }
    const scopes = parseScopes(input.scopes);
    const expiresAt = parseExpiry(input.expiresAt, clock);
    await requireCompany(db, input.companyId);
    try {
      const row = await insertToken(db, {
        companyId: input.companyId,
        name: input.name?.trim() || 'Imported token',
        tokenHash: input.sha256.toLowerCase(),
        prefix: input.prefix,
        scopes,
        expiresAt,
      });
      return tokenView(row);
    } catch (err) {
      if (uniqueViolation(err)) throw new ConflictError('A token with that digest already exists');
      throw err;
    }
  }

  /** Revokes at once, in every process (see token-cache.ts). `revoke` finds the token by id and answers it. */
  async function revokeWith(tokenId: string, revoke: (tx: Db) => Promise<TokenRow | undefined>) {
    if (!isUuid(tokenId)) throw new NotFoundError(`Token not found: ${tokenId}`);
    const row = await db.transaction(async (tx) => {
      const revoked = await revoke(tx);
      // Delivered at commit to every process that caches tokens (token-cache.ts).
      if (revoked) await notifyAuthChange(tx, `token:${revoked.tokenHash}`);
      return revoked;
    });
    if (!row) throw new NotFoundError(`Token not found: ${tokenId}`);
    dropCachedTokens(db, `token:${row.tokenHash}`);
    return tokenView(row);
  }

  /** The dashboard's revocation: a token of another company is simply not found. */
  function revokeOfCompany(companyId: string, tokenId: string) {
    return revokeWith(tokenId, (tx) => revokeCompanyToken(tx, companyId, tokenId, new Date(clock.now())));
  }

  /** The operator's `quoteleads token revoke`: by id alone, whatever the company. */
  function revokeAnyCompany(tokenId: string) {
    return revokeWith(tokenId, (tx) => revokeTokenAnyCompany(tx, tokenId, new Date(clock.now())));
  }

  async function list(companyId: string) {
    await requireCompany(db, companyId);
    return (await listTokens(db, companyId)).map(tokenView);
  }

  return { issue, importByDigest, revokeOfCompany, revokeAnyCompany, list };
}

export type TokensService = ReturnType<typeof createTokens>;

const BEARER = /^Bearer(?:\s+(.*))?$/i;

/**
 * A1: resolves the Authorization header to a principal or throws the exact 401 of each case.
 * Lookups go through the process's token cache when one runs; see token-cache.ts for why a cached
 * token never outlives its revocation.
 */
export function createAuthenticator(deps: { db: Db; clock: Clock; cache?: TokenCache; onTouchError?: (err: unknown) => void }) {
  const { db, clock } = deps;
  // The last time this process wrote last_used_at per token; the SQL guard covers other instances.
  const lastTouched = new Map<string, number>();

  return async function authenticate(header: string | undefined): Promise<TokenPrincipal> {
    const match = header === undefined ? null : BEARER.exec(header.trim());
    if (!match) throw new UnauthorizedError('Missing or invalid Authorization header. Use: Bearer <api_token>');
    const token = (match[1] ?? '').trim();
    if (!token) throw new UnauthorizedError('Empty bearer token');
    if (!isPlausibleToken(token)) throw new UnauthorizedError('Invalid API token');
    const digest = digestToken(token);
    const now = clock.now();
    let row = deps.cache?.get(digest, now);
    if (!row) {
      const version = deps.cache?.version() ?? 0;
      row = await findTokenForAuthentication(db, digest);
      if (row && !row.revokedAt) deps.cache?.set(digest, row, now, version);
    }
    if (!row) throw new UnauthorizedError('Invalid API token');
    if (row.revokedAt) throw new UnauthorizedError('API token has been revoked');
    if (row.expiresAt && row.expiresAt.getTime() <= now) throw new UnauthorizedError('API token has expired');

    if (now - (lastTouched.get(row.id) ?? -Infinity) >= 60_000) {
      lastTouched.set(row.id, now);
      if (lastTouched.size > 100_000) lastTouched.clear();
      // Bookkeeping only: never make the request wait for it or fail because of it.
      touchTokenLastUsed(db, row.companyId, row.id, new Date(now)).catch((err) => deps.onTouchError?.(err));
    }
    return { kind: 'token', tokenId: row.id, tokenName: row.name, companyId: row.companyId, scopes: row.scopes, country: row.country };
  };
}
