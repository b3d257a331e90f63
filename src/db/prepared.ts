import type { Db } from './client.js';

/**
 * A statement built once per database and reused: Drizzle builds its SQL once, and on PostgreSQL a
 * named statement is parsed once per connection. For the queries on every request's path.
 */
export function preparedPerDb<T>(build: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>();
  return (db) => {
    let statement = cache.get(db);
    if (!statement) cache.set(db, (statement = build(db)));
    return statement;
  };
}
