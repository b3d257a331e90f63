import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';

// A company's timezone is read in two places: by JavaScript's Intl (quote validity, the quote page)
// and by the database (the overview's weeks, a quote's expiry, `at time zone`). The two tz databases
// differ (Intl still knows US/Pacific-New, PostgreSQL since 2020 does not; PGlite ships its own), so
// a zone is accepted only when both know it. The database's list is read once per process and kept.

const cache = new WeakMap<Db, Promise<Map<string, string>>>();

function intlKnows(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Every zone both engines know: lower-cased name → the database's own spelling. */
export function knownTimeZones(db: Db): Promise<Map<string, string>> {
  let zones = cache.get(db);
  if (!zones) {
    zones = db.execute(sql`select name from pg_timezone_names`).then((result) => {
      const names = (result as unknown as { rows: { name: string }[] }).rows.map((r) => r.name);
      return new Map(names.filter(intlKnows).map((name) => [name.toLowerCase(), name]));
    });
    zones.catch(() => cache.delete(db)); // a failed read is tried again next time
    cache.set(db, zones);
  }
  return zones;
}

/** The zone as the database spells it, or undefined when either engine does not know it. */
export async function canonicalTimeZone(db: Db, zone: string): Promise<string | undefined> {
  return (await knownTimeZones(db)).get(zone.toLowerCase());
}
