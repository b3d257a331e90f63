import type { Database, Db } from '../../db/client.js';
import type { Logger } from '../../lib/logger.js';
import { lastEventSeq, listEventsAfter, type OutboxEventRow } from '../events/events.repo.js';

// The company events a process passes on to its open streams (GET /app/api/stream). One LISTEN per
// process, whatever the number of browsers: the outbox's commit trigger (the outbox_seq_sql migration)
// sends `<company id>:<seq>` on EVENTS_CHANNEL after each commit, from any process, and on a
// notification the process reads that company's events after the lowest position among its streams,
// once for all of them. Why no stream misses or repeats an event:
// - a company's events commit in seq order (the trigger renumbers at commit when needed), so "every
//   event after seq N" read at any moment holds all events committed up to then, and an event
//   committed later has a higher seq than any read; each stream keeps the seq it has passed on;
// - a stream that starts is given its position before it is counted in, then read after it, so an
//   event committed in between is read too;
// - while the listening connection is down nothing is heard; when it is back, every company with a
//   stream is read again from each stream's position.

export const EVENTS_CHANNEL = 'quoteleads_events';
// Events read per query: a stream resuming after a busy week catches up a page at a time.
const PAGE = 500;
// A failed read (the database away for a moment) is tried again after this.
const RETRY_MS = 1000;

export type Subscriber = {
  /** The seq of the last event passed on. */
  cursor: number;
  /** Takes events after `cursor`, in seq order; called for each page read. */
  deliver(events: OutboxEventRow[]): void;
};

export type EventStream = {
  /**
   * Where a new stream starts: after `lastEventId` (a resuming browser's Last-Event-ID), or now (the
   * company's latest event) without one. An id beyond the company's latest event (a database that
   * was reset, say) starts now too, so that the stream does not stay silent until seq gets there.
   */
  startingPoint(companyId: string, lastEventId: number | undefined): Promise<number>;
  /** Counts a stream in; it is passed every event of its company after its cursor. Returns its removal. */
  subscribe(companyId: string, subscriber: Subscriber): () => void;
  stats(): { streams: number; live: boolean };
  stop(): Promise<void>;
};

export async function startEventStream(deps: { database: Pick<Database, 'listen'>; db: Db; log: Logger }): Promise<EventStream> {
  const { db, log } = deps;
  const companies = new Map<string, Set<Subscriber>>();
  // Per company, a read under way; `again` asks it to read once more when it is done.
  const reading = new Map<string, { again: boolean }>();
  let live = false;
  let stopped = false;

  function read(companyId: string) {
    const current = reading.get(companyId);
    if (current) {
      current.again = true;
      return;
    }
    const state = { again: true };
    reading.set(companyId, state);
    void (async () => {
      try {
        while (state.again && !stopped) {
          state.again = false;
          await passOn(companyId);
        }
      } catch (err) {
        log.warn({ err, companyId }, 'live stream: events not read; trying again');
        setTimeout(() => read(companyId), RETRY_MS).unref();
      } finally {
        reading.delete(companyId);
      }
    })();
  }

  async function passOn(companyId: string) {
    for (;;) {
      const subscribers = companies.get(companyId);
      if (!subscribers?.size) return;
      const from = Math.min(...[...subscribers].map((s) => s.cursor));
      const rows = await listEventsAfter(db, companyId, from, PAGE);
      if (rows.length === 0) return;
      for (const s of companies.get(companyId) ?? []) {
        // One that started behind `from` while this page was read is served by the next read.
        if (s.cursor < from) continue;
        const fresh = s.cursor === from ? rows : rows.filter((r) => r.seq > s.cursor);
        if (fresh.length === 0) continue;
        s.cursor = fresh[fresh.length - 1].seq;
        s.deliver(fresh);
      }
      if (rows.length < PAGE) return;
    }
  }

  const unlisten = await deps.database.listen(
    EVENTS_CHANNEL,
    (payload) => {
      const at = payload.lastIndexOf(':');
      const companyId = payload.slice(0, at);
      const seq = Number(payload.slice(at + 1));
      const subscribers = companies.get(companyId);
      // Nothing to read when every stream of the company is there already (a replay got it first).
      if (subscribers && [...subscribers].some((s) => !(s.cursor >= seq))) read(companyId);
    },
    (isLive) => {
      const back = isLive && !live;
      live = isLive;
      if (!isLive) log.warn({}, 'live stream: the notification connection is down; streams wait for it');
      if (back) for (const companyId of companies.keys()) read(companyId);
    },
  );

  return {
    async startingPoint(companyId, lastEventId) {
      const latest = await lastEventSeq(db, companyId);
      return lastEventId === undefined ? latest : Math.min(lastEventId, latest);
    },
    subscribe(companyId, subscriber) {
      let subscribers = companies.get(companyId);
      if (!subscribers) companies.set(companyId, (subscribers = new Set()));
      subscribers.add(subscriber);
      read(companyId);
      return () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0 && companies.get(companyId) === subscribers) companies.delete(companyId);
      };
    },
    stats: () => ({ streams: [...companies.values()].reduce((n, s) => n + s.size, 0), live }),
    async stop() {
      stopped = true;
      companies.clear();
      await unlisten();
    },
  };
}
