// The dashboard's one door to the server: /app/api and /v1 with the session cookie, never a token.
import { useSyncExternalStore } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { SessionView } from '../../src/auth/principal';
import type { SettingsView } from '../../src/features/companies/settings.routes';

/** What GET /app/api/me answers: the user, their company and the scopes their role has. */
export type Me = SessionView;

export class ApiError extends Error {
  status: number;
  code: string;
  details: { field: string; message: string }[];

  constructor(status: number, message: string, code: string, details: { field: string; message: string }[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** No answer at all: the server is down, or this browser is offline. */
export class NetworkError extends ApiError {
  constructor() {
    super(0, 'Cannot reach the server. Check your connection, then try again.', 'network_error');
    this.name = 'NetworkError';
  }
}

// Whether the server answered the last request: the banner on every page reads it. Any answer, even
// an error, shows the server is there; only a request that got none sets it.
let reachable = true;
const watchers = new Set<() => void>();
function setReachable(next: boolean) {
  if (reachable === next) return;
  reachable = next;
  for (const w of watchers) w();
}
if (typeof window !== 'undefined') window.addEventListener('offline', () => setReachable(false));

/** False from a request that got no answer (or the browser going offline) until one gets an answer. */
export function useServerReachable(): boolean {
  return useSyncExternalStore(
    (w) => {
      watchers.add(w);
      return () => watchers.delete(w);
    },
    () => reachable,
  );
}

type Init = {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | undefined>;
};

// These answer 401 as part of their job (wrong password, no session yet); no redirect for them.
const NO_REDIRECT_ON_401 = ['/app/api/login', '/app/api/me', '/app/api/signup'];

function withQuery(path: string, query: Init['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  if (!qs) return path;
  return path + (path.includes('?') ? '&' : '?') + qs;
}

export async function api<T>(path: string, init: Init = {}): Promise<T> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(path, init.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (err) {
    // fetch rejects only when no answer came (a TypeError: "Failed to fetch"), or when aborted.
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    setReachable(false);
    throw new NetworkError();
  }
  setReachable(true);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const body = (data ?? {}) as { error?: string; code?: string; details?: { field: string; message: string }[] };
    const err = new ApiError(
      res.status,
      body.error ?? `Request failed (${res.status})`,
      body.code ?? 'http_error',
      Array.isArray(body.details) ? body.details : [],
    );
    if (res.status === 401 && !NO_REDIRECT_ON_401.some((p) => path.startsWith(p)) && !isPublicPage()) {
      window.location.assign('/app/login');
    }
    throw err;
  }
  return data as T;
}

function isPublicPage(): boolean {
  const p = window.location.pathname;
  return p.startsWith('/app/login') || p.startsWith('/app/signup') || p.startsWith('/app/invite/');
}

/** The `details` of a validation error as `{field: message}`; empty for any other error. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) {
    for (const d of err.details) {
      if (!(d.field in out)) out[d.field] = d.message;
    }
  }
  return out;
}

export function useMe(): { me: Me | undefined; isLoading: boolean; error: unknown; retry(): void } {
  const q = useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return await api<Me>('/app/api/me');
      } catch (err) {
        // Not logged in is an answer, not a failure: null lets the app route to /login.
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    retry: false,
    staleTime: 60_000,
  });
  return { me: q.data ?? undefined, isLoading: q.isLoading, error: q.error, retry: () => void q.refetch() };
}

/** The query key of the company settings: one cache for the settings page, the CRM and the SMS pause banner. */
export const SETTINGS_KEY = ['settings'];

/** The company settings (timezone, currency, tax defaults, SMS credits and pause). */
export function useSettings() {
  return useQuery({ queryKey: SETTINGS_KEY, queryFn: () => api<SettingsView>('/app/api/settings') });
}

/** The company's timezone (settings), in which the dashboard shows and takes every time; undefined while loading. */
export function useCompanyZone(): string | undefined {
  return useSettings().data?.timezone;
}
