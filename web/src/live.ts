// The dashboard's one live stream (GET /app/api/stream, docs/dashboard.md "The live stream"): a single
// EventSource per browser, shared by every tab and every component that listens, by event type.
// Browsers allow six HTTP/1.1 connections per origin, so a stream per tab would starve a user with
// six tabs open. One tab leads: it holds a Web Lock, opens the EventSource and passes each event to
// the other tabs on a BroadcastChannel; when it closes, the lock passes to a waiting tab, which opens
// a stream of its own. The browser resumes a dropped stream itself with Last-Event-ID; this module
// reopens one the server refused (a 401, a 5xx during a deploy) or one a new leader opens, which
// start from now, so listeners in every tab are told to read again after every opening.
import { useEffect, useRef } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { EVENT_TYPES, type EventType } from '../../src/features/events/event-types';

const STREAM_URL = '/app/api/stream';
// A refused stream is asked for again after 2 s, then twice as long each time, up to a minute: a
// server that is down is not hammered, and one that is back is heard from soon.
const FIRST_RETRY_MS = 2000;
const LAST_RETRY_MS = 60_000;
// Events within this window cost one refetch: a CSV import or a burst of texts is not a request each.
const REFETCH_WINDOW_MS = 250;

/** One event as the stream sends it: `data` is the body a webhook receives for it. */
export type LiveEvent = { type: EventType; id: string; data: unknown };

type Listener = {
  types: readonly EventType[];
  onEvent: (event: LiveEvent) => void;
  /** The stream (re)opened and events may have passed unheard: read again what the events would change. */
  onOpen?: () => void;
};

// The lock and the channel are the browser's, per origin: every tab of the dashboard meets there.
const LEADER_LOCK = 'quoteleads-live-stream';
const CHANNEL = 'quoteleads-live-stream';
type Relayed = { kind: 'event'; event: LiveEvent } | { kind: 'open' };

const listeners = new Set<Listener>();
let source: EventSource | null = null;
let retries = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let closeTimer: ReturnType<typeof setTimeout> | undefined;
// While this tab takes part in the sharing: its channel, and how to give up the lock (or the wait for it).
let channel: BroadcastChannel | null = null;
let leaving: AbortController | null = null;
let leading = false;
const shared = () => typeof BroadcastChannel !== 'undefined' && typeof navigator !== 'undefined' && 'locks' in navigator;

function deliver(event: LiveEvent) {
  for (const l of [...listeners]) if (l.types.includes(event.type)) l.onEvent(event);
}
function opened() {
  for (const l of [...listeners]) l.onOpen?.();
}

function dispatch(message: MessageEvent<string>) {
  let data: unknown = undefined;
  try {
    data = JSON.parse(message.data);
  } catch {
    // A body that is not JSON still says that something of its type happened.
  }
  const event: LiveEvent = { type: message.type as EventType, id: message.lastEventId, data };
  channel?.postMessage({ kind: 'event', event } satisfies Relayed);
  deliver(event);
}

function openSource() {
  if (source || typeof EventSource === 'undefined') return;
  clearTimeout(retryTimer);
  const es = new EventSource(STREAM_URL);
  source = es;
  // Every type, not only this tab's: the other tabs' listeners hear through this one stream.
  for (const type of EVENT_TYPES) es.addEventListener(type, dispatch as EventListener);
  es.onopen = () => {
    retries = 0;
    channel?.postMessage({ kind: 'open' } satisfies Relayed);
    opened();
  };
  es.onerror = () => {
    // CONNECTING: the browser is reconnecting itself, resuming after the last event it had.
    if (es.readyState !== EventSource.CLOSED || source !== es) return;
    source = null;
    const wait = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** retries);
    retries += 1;
    retryTimer = setTimeout(() => {
      if (listeners.size > 0 && (leading || !channel)) openSource();
    }, wait);
  };
}

/** Joins the tabs: hears what the leading tab relays, and waits in line to lead. */
function start() {
  if (!shared()) return openSource();
  if (channel) return;
  const ch = new BroadcastChannel(CHANNEL);
  channel = ch;
  ch.onmessage = (message: MessageEvent<Relayed>) => {
    if (message.data.kind === 'event') deliver(message.data.event);
    else opened();
  };
  const abort = new AbortController();
  leaving = abort;
  navigator.locks
    .request(LEADER_LOCK, { signal: abort.signal }, () => {
      if (abort.signal.aborted) return;
      leading = true;
      openSource();
      // Held until this tab stops listening (or closes, when the browser lets it go itself).
      return new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
    })
    .catch(() => {
      // Aborted while waiting in line: this tab stopped listening before its turn came.
    });
}

/** Ends the stream now (log-out): the next listener to subscribe opens a new one. */
export function closeLiveStream() {
  clearTimeout(retryTimer);
  clearTimeout(closeTimer);
  source?.close();
  source = null;
  retries = 0;
  leading = false;
  leaving?.abort();
  leaving = null;
  channel?.close();
  channel = null;
}

/** Calls `onEvent` for each event of `types` the user hears (in any tab's stream); returns the unsubscribe. */
export function subscribeLive(listener: Listener): () => void {
  clearTimeout(closeTimer);
  listeners.add(listener);
  start();
  return () => {
    listeners.delete(listener);
    // Closed a moment later, so that a page swapping one listener for another keeps the stream (and
    // its place in it).
    if (listeners.size === 0) closeTimer = setTimeout(() => listeners.size === 0 && closeLiveStream(), 1000);
  };
}

/** `subscribeLive` for a component, with the latest handlers and no new subscription per render. */
export function useLiveEvents(types: readonly EventType[], onEvent: (event: LiveEvent) => void, onOpen?: () => void) {
  const handlers = useRef({ onEvent, onOpen });
  handlers.current = { onEvent, onOpen };
  const key = types.join(' ');
  useEffect(
    () =>
      subscribeLive({
        types: key.split(' ') as EventType[],
        onEvent: (e) => handlers.current.onEvent(e),
        onOpen: () => handlers.current.onOpen?.(),
      }),
    [key],
  );
}

/** Reads the queries under `queryKey` again when one of `types` happens (a burst once), and after a (re)connect. */
export function useLiveRefetch(types: readonly EventType[], queryKey: QueryKey) {
  const queryClient = useQueryClient();
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const keyRef = useRef(queryKey);
  keyRef.current = queryKey;
  useEffect(() => () => clearTimeout(pending.current), []);
  const refetch = () => {
    if (pending.current !== undefined) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      void queryClient.invalidateQueries({ queryKey: keyRef.current });
    }, REFETCH_WINDOW_MS);
  };
  useLiveEvents(types, refetch, refetch);
}

/** What changes a lead list or the board (a new text changes no list). */
export const LEAD_EVENTS: readonly EventType[] = ['lead.created', 'lead.updated', 'lead.deleted', 'sale.completed', 'agent.handed_off'];
/** What changes a quote's status. */
export const QUOTE_EVENTS: readonly EventType[] = ['quote.sent', 'quote.viewed', 'quote.accepted', 'quote.declined'];
/** What changes the appointments. */
export const APPOINTMENT_EVENTS: readonly EventType[] = ['appointment.booked', 'appointment.updated'];
