import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/client.js';

// List answers (GET /v1/leads, /v1/pipeline, /v1/quotes, /v1/appointments) kept per process, as the
// JSON text that was sent. Integrations poll the first page of a list over and over, and a page that
// has not changed then costs no database round trip and no serialization. Why an entry is never
// served after its company's data changed:
// - every statement that writes a company's leads, quotes, quote lines or appointments sends NOTIFY
//   (drizzle/0012, triggers: every writer is seen), and each process drops the company's entries
//   when the notification arrives, normally within a millisecond of the commit;
// - the process that made a write drops the company's entries itself before it answers the write, so
//   a client reads its own writes at once;
// - an answer computed while a drop happened is not kept (it may have read the data before the
//   change): each company has a generation, read before computing and compared before keeping;
// - while the listening connection is down nothing is kept or served, and everything is dropped when
//   it comes back;
// - an answer that depends on the clock (a quote that reads `expired` past its deadline) is kept only
//   until the next such moment.
// What remains: a write committed by another process is visible here once its notification arrives
// (typically under a millisecond). A client that needs a read strictly after such a write sends
// `Cache-Control: no-cache`, which always reads the database.

export const LISTS_CHANNEL = 'quoteleads_lists';

/** What a route computes on a miss: its answer, and until when that answer holds without a write. */
export type Computed = { payload: unknown; freshUntil?: number };

type Entry = { companyId: string; body: Buffer; bytes: number; freshUntil: number };

export type ListCache = {
  /**
   * The answer of a GET whose content depends only on the company's leads, quotes and appointments
   * (and on the clock, through `freshUntil`), and on the route and its validated query: from memory
   * when it may be, otherwise computed, serialized by the route's response schema, and kept. It sends
   * the answer: the route's handler then returns `reply`.
   */
  serve(request: FastifyRequest, reply: FastifyReply, companyId: string, compute: () => Promise<Computed>): Promise<void>;
  /** Forgets a company's answers (a notification's payload, or a write made here). */
  drop(companyId: string): void;
  stats(): { entries: number; bytes: number; live: boolean };
  stop(): Promise<void>;
};

const JSON_TYPE = 'application/json; charset=utf-8';
// Generations are kept per company seen; past this many, all are forgotten at once (with the entries).
const MAX_GENERATIONS = 100_000;

/** The validated query, in a fixed order: `?page=1` and no page are one key. */
function queryKey(query: unknown): string {
  if (!query || typeof query !== 'object') return '';
  return JSON.stringify(
    Object.entries(query as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** A client asking for a fresh answer: `Cache-Control: no-cache` (or `no-store`, `max-age=0`). */
function wantsFresh(request: FastifyRequest): boolean {
  const header = request.headers['cache-control'];
  return header !== undefined && /(?:^|,)\s*(?:no-cache|no-store|max-age=0)\s*(?:,|$)/i.test(header);
}

export async function startListCache(
  database: Pick<Database, 'listen'>,
  o: { maxBytes: number; now: () => number; onLive?: (live: boolean) => void },
): Promise<ListCache> {
  // In insertion order, refreshed on each hit: the first key is the least recently used.
  const entries = new Map<string, Entry>();
  const keysOf = new Map<string, Set<string>>();
  const generations = new Map<string, number>();
  let counter = 0;
  // Bumped whenever everything is dropped (and `generations` emptied): a generation never reads the same twice.
  let epoch = 0;
  let bytes = 0;
  let live = false;

  function remove(key: string) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
    const keys = keysOf.get(entry.companyId);
    keys?.delete(key);
    if (keys?.size === 0) keysOf.delete(entry.companyId);
  }

  function clear() {
    entries.clear();
    keysOf.clear();
    bytes = 0;
    // Every company's generation changes: a computation under way is not kept.
    generations.clear();
    epoch++;
  }
  const generationOf = (companyId: string) => `${epoch}:${generations.get(companyId) ?? 0}`;

  function keep(key: string, entry: Entry) {
    if (entry.bytes > o.maxBytes / 4) return; // one huge page may not push out everything else
    remove(key);
    while (bytes + entry.bytes > o.maxBytes && entries.size) remove(entries.keys().next().value!);
    entries.set(key, entry);
    bytes += entry.bytes;
    let keys = keysOf.get(entry.companyId);
    if (!keys) keysOf.set(entry.companyId, (keys = new Set()));
    keys.add(key);
  }

  const cache: ListCache = {
    async serve(request, reply, companyId, compute) {
      const enabled = live && o.maxBytes > 0;
      const key = `${companyId} ${request.routeOptions.url} ${queryKey(request.query)}`;
      if (enabled && !wantsFresh(request)) {
        const hit = entries.get(key);
        if (hit && o.now() < hit.freshUntil) {
          entries.delete(key); // most recently used goes last
          entries.set(key, hit);
          // Bytes go out as they are: no serialization, no encoding.
          reply.header('content-type', JSON_TYPE).header('x-cache', 'hit').send(hit.body);
          return;
        }
        if (hit) remove(key);
      }
      const generation = generationOf(companyId);
      const { payload, freshUntil = Infinity } = await compute();
      // The route's own serializer: the response schema checks the answer, as on any other route.
      const body = reply.serialize(payload) as string;
      if (enabled && live && generationOf(companyId) === generation) {
        const bytes = Buffer.from(body);
        keep(key, { companyId, body: bytes, bytes: bytes.length + key.length * 2 + 64, freshUntil });
      }
      reply.header('content-type', JSON_TYPE).header('x-cache', 'miss').send(body);
    },
    drop(companyId) {
      generations.set(companyId, ++counter);
      if (generations.size > MAX_GENERATIONS) clear();
      for (const key of [...(keysOf.get(companyId) ?? [])]) remove(key);
    },
    stats: () => ({ entries: entries.size, bytes, live }),
    async stop() {
      live = false;
      clear();
      await unlisten();
    },
  };

  const unlisten =
    o.maxBytes > 0
      ? await database.listen(LISTS_CHANNEL, (companyId) => cache.drop(companyId), (isLive) => {
          live = isLive;
          clear(); // whatever changed during a gap was not heard
          o.onLive?.(isLive);
        })
      : async () => {};
  return cache;
}
