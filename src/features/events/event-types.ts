/** Every event a webhook endpoint can subscribe to (A10 and B6). */
export const EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'lead.deleted',
  'sale.completed',
  'quote.sent',
  'quote.viewed',
  'quote.accepted',
  'quote.declined',
  'appointment.booked',
  'appointment.updated',
  'sms.received',
  'sms.sent',
  'agent.handed_off',
  'sms.credits_low',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
