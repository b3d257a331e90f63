// The inbox's requests (docs/dashboard.md, "Inbox and Home"), typed by the server's own views
// (type-only imports, erased from the bundle), and the unread count every page shows.
import { useEffect } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { setTitleCount } from '../../components/useTitle';
import { useLiveRefetch } from '../../live';
import type { EventType } from '../../../../src/features/events/event-types';
import type { ConversationView, InboxPage } from '../../../../src/features/inbox/inbox.service';

export type Conversation = ConversationView;
export type InboxFilter = 'needs_reply' | 'unread' | undefined;

export const INBOX_KEY = ['inbox'];
const UNREAD_KEY = ['inbox', 'unread'];
// What can change a conversation, its unread state or whether it waits for a reply.
export const INBOX_EVENTS: readonly EventType[] = ['lead.created', 'lead.updated', 'lead.deleted', 'sms.received', 'sms.sent', 'agent.handed_off'];
// A read in one tab is no event on the stream: the other tabs of the browser hear of it here.
const READS_CHANNEL = 'quoteleads-inbox-reads';

const PAGE_SIZE = 30;

export function useInbox(filter: InboxFilter) {
  const query = useInfiniteQuery({
    queryKey: [...INBOX_KEY, 'list', filter ?? 'all'],
    queryFn: ({ pageParam }) => api<InboxPage>('/app/api/inbox', { query: { filter, limit: PAGE_SIZE, before: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_before ?? undefined,
  });
  useLiveRefetch(INBOX_EVENTS, INBOX_KEY);
  return { query, conversations: query.data?.pages.flatMap((p) => p.data) ?? [] };
}

/**
 * The user's count of unread conversations (new leads and texts from leads), kept live, and shown in
 * front of the tab's title. For the menu and the phone's bottom navigation alike.
 */
export function useInboxUnread(): number {
  const queryClient = useQueryClient();
  const unread = useQuery({ queryKey: UNREAD_KEY, queryFn: () => api<{ unread: number }>('/app/api/inbox/unread').then((r) => r.unread) });
  useLiveRefetch(INBOX_EVENTS, INBOX_KEY);
  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const reads = new BroadcastChannel(READS_CHANNEL);
    reads.onmessage = () => void queryClient.invalidateQueries({ queryKey: INBOX_KEY });
    return () => reads.close();
  }, [queryClient]);
  const n = unread.data ?? 0;
  useEffect(() => setTitleCount(n), [n]);
  useEffect(() => () => setTitleCount(0), []);
  return n;
}

/** Marks a lead's conversation read for this user: on opening its page, and as texts arrive on it. */
export function useMarkConversationRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (leadId: string) => api<{ unread: number }>(`/app/api/inbox/${leadId}/read`, { method: 'POST' }),
    onSuccess: (answer) => {
      queryClient.setQueryData(UNREAD_KEY, answer.unread);
      void queryClient.invalidateQueries({ queryKey: [...INBOX_KEY, 'list'] });
      if (typeof BroadcastChannel === 'undefined') return;
      const reads = new BroadcastChannel(READS_CHANNEL);
      reads.postMessage('read');
      reads.close();
    },
  });
}
