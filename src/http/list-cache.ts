import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/client.js';

// List answers (GET /v1/leads, /v1/pipeline, /v1/quotes, /v1/appointments) kept per process, as the
// JSON text that was sent. Integrations poll the first page of a list over and over, and a page that
// has not changed then costs no database round trip and no serialization. Why an entry is never
// served after its company's data changed:
// - every statement that writes a company's leads, quotes, quote lines or appointments sends NOTIFY
//   (drizzle/0012, triggers: every writer is seen), and each process drops the company's entries
//   when the notification arrives, normally within a millisecond of the commit;
// - a write through the API (a token or a dashboard session) drops the company's entries in the
//   process that made it before the write is answered, so an API client reads its own writes at once;
// - an answer computed while its company was dropped is not kept (it may have read the data before
//   the change);
// - while the listening connection is down nothing is kept or served, and everything is dropped when
//   it comes back;
// - an answer that depends on the clock (a quote that reads `expired` past its deadline) is kept only
//   until the next such moment, and none longer than a minute.
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
/** The payload that drops every company's answers (drizzle/0012 sends it after a TRUNCATE). */
export const ALL_COMPANIES = '*';
// However quiet a company, its answers are read afresh this often: a bound on any staleness the
// notifications could miss without the connection noticing (the connection is also checked).
const MAX_AGE_MS = 60_000;

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
  // Per company: its keys (oldest first) and their bytes.
  const companies = new Map<string, { keys: Set<string>; bytes: number }>();
  // Computations under way, per company: a drop marks them, and a marked one is not kept.
  const computing = new Map<string, { running: number; dropped: number }>();
  let bytes = 0;
  let live = false;
  // One company may fill a share of the memory only, so that its clients (paging through everything,
  // say) cannot push every other company's answers out.
  const companyShare = o.maxBytes / 8;

  function remove(key: string) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
    const company = companies.get(entry.companyId)!;
    company.keys.delete(key);
    company.bytes -= entry.bytes;
    if (company.keys.size === 0) companies.delete(entry.companyId);
  }

  function dropCompany(companyId: string) {
    const run = computing.get(companyId);
    if (run) run.dropped++;
    for (const key of [...(companies.get(companyId)?.keys ?? [])]) remove(key);
  }

  function clear() {
    entries.clear();
    companies.clear();
    bytes = 0;
    for (const run of computing.values()) run.dropped++;
  }

  function keep(key: string, entry: Entry) {
    if (entry.bytes > companyShare) return;
    remove(key);
    let company = companies.get(entry.companyId);
    while (company && company.bytes + entry.bytes > companyShare) remove(company.keys.values().next().value!);
    while (bytes + entry.bytes > o.maxBytes && entries.size) remove(entries.keys().next().value!);
    entries.set(key, entry);
    bytes += entry.bytes;
    company = companies.get(entry.companyId);
    if (!company) companies.set(entry.companyId, (company = { keys: new Set(), bytes: 0 }));
    company.keys.add(key);
    company.bytes += entry.bytes;
  }

  const cache: ListCache = {
    async serve(request, reply, companyId, compute) {
      const enabled = live && o.maxBytes > 0;
      // Routes without a query schema take no query: `?_=<random>` is the same answer, not a new one.
      const query = request.routeOptions.schema?.querystring ? queryKey(request.query) : '';
      const key = `${companyId} ${request.routeOptions.url} ${query}`;
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
      let run = computing.get(companyId);
      if (!run) computing.set(companyId, (run = { running: 0, dropped: 0 }));
      run.running++;
      const droppedBefore = run.dropped;
      let computed: Computed;
      try {
        computed = await compute();
      } finally {
        if (--run.running === 0) computing.delete(companyId);
      }
      // The route's own serializer: the response schema checks the answer, as on any other route.
      const body = reply.serialize(computed.payload) as string;
      if (enabled && live && run.dropped === droppedBefore) {
        const kept = Buffer.from(body);
        const freshUntil = Math.min(computed.freshUntil ?? Infinity, o.now() + MAX_AGE_MS);
        keep(key, { companyId, body: kept, bytes: kept.length + key.length * 2 + 64, freshUntil });
      }
      reply.header('content-type', JSON_TYPE).header('x-cache', 'miss').send(body);
    },
    drop(companyId) {
      if (companyId === ALL_COMPANIES) clear();
      else dropCompany(companyId);
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
      ? await database.listen(LISTS_CHANNEL, (payload) => cache.drop(payload), (isLive) => {
          live = isLive;
          clear(); // whatever changed during a gap was not heard
          o.onLive?.(isLive);
        })
      : async () => {};
  return cache;
}
