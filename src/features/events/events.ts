import type { Db } from '../../db/client.js';
import { sql, type SQL } from 'drizzle-orm';
import { outboxEvents, type Actor } from '../../db/schema/index.js';

// In a file of their own, without the database, so that the dashboard can import them too.
import { EVENT_TYPES, type EventType } from './event-types.js';
export { EVENT_TYPES, type EventType };

/** What each event means, in the words the dashboard shows next to its checkbox (A10, B6). */
export const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  'lead.created': 'A lead was created (API, dashboard, inbound SMS)',
  'lead.updated': 'A lead changed: stage, fields, opt-out',
  'lead.deleted': 'A lead was erased (only its id is sent)',
  'sale.completed': 'A lead moved into closed_won',
  'quote.sent': 'A quote was sent to the customer',
  'quote.viewed': 'The customer opened a quote for the first time',
  'quote.accepted': 'The customer accepted a quote',
  'quote.declined': 'The customer declined a quote',
  'appointment.booked': 'An appointment was booked',
  'appointment.updated': 'An appointment was rescheduled or changed status',
  'sms.received': 'A lead texted the company',
  'sms.sent': 'A text to a lead was accepted by the SMS provider',
  'agent.handed_off': 'The lead agent handed a lead to a person (the lead, with handoff_reason)',
  'sms.credits_low': "A text left the company's SMS credits below its low_credits_threshold",
};

/**
 * Records an event in the outbox, with who made the change. Call it with the transaction that makes
 * the change, so that a committed change always has its event and a rolled-back one never does (B6).
 * `data` may be SQL when part of it is only known inside the statement (see leads.repo insertLeadWith).
 */
export function recordEvent(
  tx: Db,
  companyId: string,
  eventType: EventType,
  data: Record<string, unknown> | SQL,
  actor: Actor,
  previous?: Record<string, unknown>,
) {
  // A Drizzle statement: awaiting it runs it; it can also be embedded in a larger statement.
  return tx.insert(outboxEvents).values({ companyId, eventType, data: data as Record<string, unknown>, actor, previous: previous ?? null });
}

/**
 * lead.created for each new lead of a batch, in order, with its opt-out state as the statement that
 * writes the leads decided it: a statement to run inside that one, which names them `new_leads (id,
 * sms_opted_out)` (leads.repo insertLeadRows).
 */
export function recordLeadsCreated(companyId: string, views: Record<string, unknown>[], actor: Actor): SQL {
  return sql`
    insert into outbox_events (company_id, event_type, data, actor)
    select ${companyId}::uuid, 'lead.created', jsonb_set(e.data, '{sms_opted_out}', to_jsonb(n.sms_opted_out)), ${JSON.stringify(actor)}::jsonb
      from rows from (jsonb_to_recordset(${JSON.stringify(views.map((data) => ({ id: data.id, data })))}::jsonb) as (id uuid, data jsonb)) with ordinality as e(id, data, place)
      join new_leads n on n.id = e.id
     order by e.place`;
}
