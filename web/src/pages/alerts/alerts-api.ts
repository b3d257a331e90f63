// The bell's and the alert settings' requests (docs/dashboard.md, "Alerts"), typed by the server's own
// views (type-only imports, erased from the bundle).
import { useInfiniteQuery, useQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { api } from '../../api';
import type { AlertsService, NotificationView } from '../../../../src/features/alerts/alerts.service';
import type { EventType } from '../../../../src/features/events/events';

export type Notification = NotificationView;
export type NotificationsPage = { data: Notification[]; unread: number; next_before: string | null };
export type AlertPreferences = Awaited<ReturnType<AlertsService['preferences']>>;
export type AlertKindRow = AlertPreferences['kinds'][number];
export type AlertChannel = keyof AlertKindRow['defaults'];

export const NOTIFICATIONS_KEY = ['notifications'];
export const ALERT_PREFERENCES_KEY = ['alert-preferences'];

// The events the outbox's trigger makes alerts of (drizzle/0032_alerts_sql.sql, alert_kind): hearing one
// on the live stream, the bell reads again, and finds the alert committed with it.
export const ALERT_EVENTS: readonly EventType[] = [
  'lead.created',
  'sms.received',
  'agent.handed_off',
  'quote.viewed',
  'quote.accepted',
  'quote.declined',
  'appointment.booked',
  'sms.credits_low',
];

export const CHANNELS: { channel: AlertChannel; label: string }[] = [
  { channel: 'in_app', label: 'In the dashboard' },
  { channel: 'email', label: 'Email' },
  { channel: 'sms', label: 'SMS' },
];

const PAGE_SIZE = 20;

/** The user's alerts, newest first, a page of 20 at a time; `unread` is their count of unread. */
export function useNotifications() {
  const query = useInfiniteQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: ({ pageParam }) => api<NotificationsPage>('/app/api/notifications', { query: { limit: PAGE_SIZE, before: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_before ?? undefined,
    // Back to the tab after a while: the stream may have been cut while the machine slept.
    refetchOnWindowFocus: true,
  });
  const pages = query.data?.pages ?? [];
  return {
    query,
    alerts: pages.flatMap((p) => p.data),
    unread: pages[0]?.unread ?? 0,
  };
}

/** Marks some alerts (or all) read, shows it at once, then reads the list again. */
export function useMarkRead() {
  const queryClient = useQueryClient();
  return async (which: { ids: string[] } | { all: true }) => {
    const answer = await api<{ marked: number; unread: number }>('/app/api/notifications/read', { body: which });
    const now = new Date().toISOString();
    const marks = (n: Notification) => ('all' in which || which.ids.includes(n.id)) && !n.read;
    queryClient.setQueryData<InfiniteData<NotificationsPage>>(NOTIFICATIONS_KEY, (data) =>
      data && {
        ...data,
        pages: data.pages.map((p) => ({
          ...p,
          unread: answer.unread,
          data: p.data.map((n) => (marks(n) ? { ...n, read: true, read_at: now } : n)),
        })),
      },
    );
    void queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
    return answer;
  };
}

export function useAlertPreferences() {
  return useQuery({ queryKey: ALERT_PREFERENCES_KEY, queryFn: () => api<AlertPreferences>('/app/api/me/notifications') });
}
