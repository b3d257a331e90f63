// The dashboard's one live stream (GET /app/api/stream, docs/dashboard.md "The live stream"): a single
// EventSource per tab, shared by every component that listens, by event type. The browser resumes a
// dropped stream itself with Last-Event-ID; this module reopens one the server refused (a 401, a 5xx
// during a deploy), which starts from now, so listeners are told to read again after every opening.
import { useEffect, useRef } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import type { EventType } from '../../src/features/events/events';

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

const listeners = new Set<Listener>();
let source: EventSource | null = null;
// The types the current EventSource dispatches: it hears a named event only through its own listener.
const heard = new Set<string>();
let retries = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let closeTimer: ReturnType<typeof setTimeout> | undefined;

function dispatch(message: MessageEvent<string>) {
  let data: unknown = undefined;
  try {
    data = JSON.parse(message.data);
  } catch {
    // A body that is not JSON still says that something of its type happened.
  }
  const event: LiveEvent = { type: message.type as EventType, id: message.lastEventId, data };
  for (const l of [...listeners]) if (l.types.includes(event.type)) l.onEvent(event);
}

function hear(types: readonly string[]) {
  if (!source) return;
  for (const type of types) {
    if (heard.has(type)) continue;
    heard.add(type);
    source.addEventListener(type, dispatch as EventListener);
  }
}

function open() {
  if (source || typeof EventSource === 'undefined') return;
  clearTimeout(retryTimer);
  const es = new EventSource(STREAM_URL);
  source = es;
  heard.clear();
  for (const l of listeners) hear(l.types);
  es.onopen = () => {
    retries = 0;
    for (const l of [...listeners]) l.onOpen?.();
  };
  es.onerror = () => {
    // CONNECTING: the browser is reconnecting itself, resuming after the last event it had.
    if (es.readyState !== EventSource.CLOSED || source !== es) return;
    source = null;
    const wait = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** retries);
    retries += 1;
    retryTimer = setTimeout(() => {
      if (listeners.size > 0) open();
    }, wait);
  };
}

/** Ends the stream now (log-out): the next listener to subscribe opens a new one. */
export function closeLiveStream() {
  clearTimeout(retryTimer);
  clearTimeout(closeTimer);
  source?.close();
  source = null;
  heard.clear();
  retries = 0;
}

/** Calls `onEvent` for each event of `types` the user hears; returns the unsubscribe. */
export function subscribeLive(listener: Listener): () => void {
  clearTimeout(closeTimer);
  listeners.add(listener);
  if (source) hear(listener.types);
  else open();
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
