import type { Db } from './client.js';

/**
 * What a change does, inside its own transaction and just before it commits, with what it made: a
 * keyed POST keeps its answer there (B2, src/http/idempotency.ts), so a crash at any point leaves
 * either nothing done or the change together with its answer. Services take one where they write;
 * without a key there is none and nothing is added to the transaction.
 */
export type AnswerKeeper<T> = {
  keep(tx: Db, result: T): Promise<void>;
  /** In the transaction that undoes the change (a text the provider refused): the key is free again. */
  release(tx: Db): Promise<void>;
};

/** Runs `write` in one transaction with the keeper's answer when there is a keeper; on `db` when not. */
export async function writeKept<T>(db: Db, keeper: AnswerKeeper<T> | undefined, write: (tx: Db) => Promise<T>): Promise<T> {
  if (!keeper) return write(db);
  return db.transaction(async (tx) => {
    const result = await write(tx);
    await keeper.keep(tx, result);
    return result;
  });
}
