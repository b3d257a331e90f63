import type { AlertKind } from '../../db/schema/index.js';

// The words of an alert, the same in the bell, the email and the text: made from the event's data
// when shown, so that one wording serves every channel.

/** Each kind as the preferences page names it. */
export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  new_lead: 'A new lead arrives',
  lead_reply: 'A lead replies by text',
  handoff: 'The agent hands a lead to a person',
  quote_viewed: 'A customer opens a quote',
  quote_accepted: 'A customer accepts a quote',
  quote_declined: 'A customer declines a quote',
  appointment_booked: 'The agent books an appointment',
  credits_low: 'SMS credits run low',
};

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function whoOf(data: Record<string, unknown>, leadName: string | null | undefined): string {
  return str(leadName) ?? str(data.lead_name) ?? str(data.name) ?? str(data.customer_name) ?? str(data.phone) ?? str(data.from) ?? str(data.email) ?? 'A lead';
}

function money(data: Record<string, unknown>): string | null {
  const total = data.total;
  const currency = str(data.currency);
  if (typeof total !== 'number' && typeof total !== 'string') return null;
  const n = Number(total);
  if (!Number.isFinite(n)) return null;
  return `${currency ? `${currency} ` : ''}${n.toFixed(2)}`;
}

export type AlertWords = { title: string; body: string };

/**
 * What an alert says: a title (an email's subject, the bell's line) and a sentence or two more. The
 * lead's name as it is now (`leadName`) is preferred to the one in the event (a quote's has none).
 */
export function alertWords(kind: AlertKind, data: Record<string, unknown>, context: { leadName?: string | null; timeZone?: string } = {}): AlertWords {
  const { timeZone } = context;
  const who = whoOf(data, context.leadName);
  switch (kind) {
    case 'new_lead': {
      const what = [str(data.service_type), str(data.address)].filter(Boolean).join(', ');
      const how = [str(data.phone), str(data.email)].filter(Boolean).join(' · ');
      const source = str(data.source);
      return {
        title: `New lead: ${who}`,
        body: [what, how, source && `Source: ${source}`, str(data.message) && `“${clip(str(data.message)!, 300)}”`].filter(Boolean).join('\n') || 'A new lead arrived.',
      };
    }
    case 'lead_reply':
      return { title: `Reply from ${who}`, body: `“${clip(str(data.body) ?? '', 500)}”` };
    case 'handoff':
      return { title: `${who} needs a person`, body: str(data.handoff_reason) ?? 'The agent handed this lead to the team.' };
    case 'quote_viewed':
      return { title: `${who} opened quote ${str(data.quote_number) ?? ''}`.trim(), body: [money(data)].filter(Boolean).join(' · ') || 'The customer opened the quote.' };
    case 'quote_accepted':
      return { title: `${who} accepted quote ${str(data.quote_number) ?? ''}`.trim(), body: [money(data)].filter(Boolean).join(' · ') || 'The customer accepted the quote.' };
    case 'quote_declined':
      return { title: `${who} declined quote ${str(data.quote_number) ?? ''}`.trim(), body: [money(data)].filter(Boolean).join(' · ') || 'The customer declined the quote.' };
    case 'appointment_booked': {
      const start = str(data.start_time);
      const when = start ? formatWhen(start, timeZone) : null;
      return { title: `Booked: ${who}${when ? `, ${when}` : ''}`, body: [str(data.title), str(data.location)].filter(Boolean).join(' · ') || 'The agent booked an appointment.' };
    }
    case 'credits_low':
      return {
        title: `SMS credits low: ${String(data.credits_remaining ?? '?')} left`,
        body: 'Texts stop when the credits run out. Ask your QuoteLeads operator for more.',
      };
  }
}

function formatWhen(iso: string, timeZone?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat('en-AU', { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(at);
  } catch {
    return at.toISOString();
  }
}

/** Where an alert leads in the dashboard: the lead, or the settings for credits. */
export function alertPath(kind: AlertKind, leadId: string | null): string {
  if (leadId) return `/app/leads/${leadId}`;
  return kind === 'credits_low' ? '/app/settings' : '/app';
}
