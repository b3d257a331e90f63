import { useEffect, useRef } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { APPOINTMENT_EVENTS, LEAD_EVENTS, QUOTE_EVENTS, useLiveEvents, type LiveEvent } from '../../live';
import { useMarkConversationRead } from '../inbox/inbox-api';

const TEXT_EVENTS = ['sms.received', 'sms.sent'] as const;
const EVENTS = [...LEAD_EVENTS, ...QUOTE_EVENTS, ...APPOINTMENT_EVENTS, ...TEXT_EVENTS];
// Events within this window cost one read of each part they touch (a burst of texts, a CSV import).
const WINDOW_MS = 250;

/** The record an event is about: `data` of the webhook body, whose lead is `id` for lead events, `lead_id` otherwise. */
function leadOf(event: LiveEvent): string | undefined {
  const data = (event.data as { data?: { id?: string; lead_id?: string } } | undefined)?.data;
  return event.type.startsWith('lead.') || event.type === 'agent.handed_off' || event.type === 'sale.completed' ? data?.id : data?.lead_id;
}

/**
 * Keeps a lead's open page live: its thread, the lead (agent state, stage), its quotes and
 * appointments are read again when the stream tells of a change to this lead. Being on the page is
 * reading the conversation, so it is marked read on opening and as texts arrive.
 */
export function useLiveLead(leadId: string) {
  const queryClient = useQueryClient();
  const markRead = useMarkConversationRead();
  const pending = useRef(new Map<string, QueryKey>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const mark = useRef(markRead.mutate);
  mark.current = markRead.mutate;

  useEffect(() => {
    mark.current(leadId);
    return () => clearTimeout(timer.current);
  }, [leadId]);

  const read = (...keys: QueryKey[]) => {
    for (const key of keys) pending.current.set(JSON.stringify(key), key);
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      const keys = [...pending.current.values()];
      pending.current.clear();
      for (const queryKey of keys) void queryClient.invalidateQueries({ queryKey });
    }, WINDOW_MS);
  };

  const all = () => read(['lead', leadId], ['messages', leadId], ['quotes', 'lead', leadId], ['appointments', 'lead', leadId]);
  useLiveEvents(
    EVENTS,
    (event) => {
      if (leadOf(event) !== leadId) return;
      if (event.type === 'sms.received' || event.type === 'sms.sent') {
        read(['messages', leadId]);
        if (event.type === 'sms.received') mark.current(leadId);
      } else if (event.type.startsWith('quote.')) read(['quotes', 'lead', leadId], ['quote']);
      else if (event.type.startsWith('appointment.')) read(['appointments', 'lead', leadId]);
      else read(['lead', leadId]);
    },
    all,
  );
}
