import type { Database, Db } from '../../db/client.js';

// Token lookups are cached per process, because on a two-core machine the lookup is half of the
// database round trips of a simple GET. A cached entry may never outlive a revocation:
// - any change to a token, or to its company (deleted, country changed), by any writer (the API, the
//   command line, plain SQL) sends NOTIFY from database triggers (drizzle/0013_auth_changes.sql);
//   every process drops the entries when the notification arrives, moments after the commit;
// - the revoking process drops its own entry before revokeToken returns;
// - while the listening connection is down, nothing is cached or served from the cache.
// Entries also expire after a minute, which bounds how long a changed company country is seen late.

export const AUTH_CHANNEL = 'quoteleads_auth';
const TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

export type CachedToken = {
  id: string;
  name: string;
  companyId: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  country: string;
};

export type TokenCache = {
  get(digest: string, now: number): CachedToken | undefined;
  /** Changes whenever anything is dropped: read it before a lookup and pass it to `set`. */
  version(): number;
  /** Caches a lookup, unless something was dropped since it started (it may predate a revocation). */
  set(digest: string, token: CachedToken, now: number, versionBeforeLookup: number): void;
  /** A notification payload: `token:<digest>`, `company:<id>`, `user:<id>`, `session:<id>` or `*`. */
  drop(payload: string): void;
  stop(): Promise<void>;
};

const caches = new WeakMap<Db, Set<TokenCache>>();

/** Drops entries from every cache of this process on `db` now, without waiting for the notification. */
export function dropCachedTokens(db: Db, payload: string): void {
  for (const cache of caches.get(db) ?? []) cache.drop(payload);
}

export async function startTokenCache(database: Database, onLive?: (live: boolean) => void): Promise<TokenCache> {
  const entries = new Map<string, { token: CachedToken; at: number }>();
  let live = false;
  let version = 0;

  const cache: TokenCache = {
    get(digest, now) {
      if (!live) return undefined;
      const hit = entries.get(digest);
      if (!hit) return undefined;
      if (now - hit.at > TTL_MS) {
        entries.delete(digest);
        return undefined;
      }
      return hit.token;
    },
    version: () => version,
    set(digest, token, now, versionBeforeLookup) {
      if (!live || versionBeforeLookup !== version) return;
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(digest, { token, at: now });
    },
    drop(payload) {
      version++;
      const [kind, value] = [payload.slice(0, payload.indexOf(':')), payload.slice(payload.indexOf(':') + 1)];
      if (kind === 'token') entries.delete(value);
      else if (kind === 'company') {
        for (const [digest, e] of entries) if (e.token.companyId === value) entries.delete(digest);
      } else if (kind === 'user' || kind === 'session') {
        // Sessions are looked up afresh on every request: nothing of theirs is cached here.
      } else entries.clear();
    },
    async stop() {
      live = false;
      entries.clear();
      caches.get(database.db)?.delete(cache);
      await unlisten();
    },
  };
  const unlisten = await database.listen(AUTH_CHANNEL, (payload) => cache.drop(payload), (isLive) => {
    live = isLive;
    // Whatever was cached before a gap may have been revoked during it.
    version++;
    entries.clear();
    onLive?.(isLive);
  });
  if (!caches.has(database.db)) caches.set(database.db, new Set());
  caches.get(database.db)!.add(cache);
  return cache;
}
