import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';

// Each list is one range or prefix of an existing index, cut at LIMIT: appointments by
// appointments_company_start_idx (two days of them), hot leads by leads_company_ai_status_created_idx
// (each checked for a quote by quotes_lead_created_idx), viewed quotes by quotes_company_status_created_idx.
const LIMIT = 20;

export type AppointmentRow = {
  id: string;
  lead_id: string;
  lead_name: string | null;
  lead_phone: string | null;
  title: string;
  appointment_type: string;
  status: string;
  start_time: Date;
  end_time: Date;
  location: string | null;
};

/** The company's appointments starting in [from, to), soonest first, cancelled ones left out. */
export async function appointmentsBetween(db: Db, companyId: string, from: Date, to: Date): Promise<AppointmentRow[]> {
  const result = await db.execute(sql`
    select a.id, a.lead_id, l.name as lead_name, l.phone as lead_phone, a.title, a.appointment_type, a.status,
           a.start_time, a.end_time, a.location
      from appointments a join leads l on l.id = a.lead_id and l.company_id = a.company_id
     where a.company_id = ${companyId} and a.start_time >= ${from.toISOString()}::timestamptz
       and a.start_time < ${to.toISOString()}::timestamptz and a.status <> 'cancelled'
     order by a.start_time, a.id
     limit ${LIMIT * 5}`);
  return rowsOf<AppointmentRow>(result).map((r) => ({ ...r, start_time: new Date(r.start_time), end_time: new Date(r.end_time) }));
}

export type HotLeadRow = { id: string; name: string | null; phone: string | null; ai_score: number; ai_summary: string | null; created_at: Date };

/** Leads the agent rates hot, still open, with no quote at all (not even a draft), newest first. */
export async function hotLeadsWithoutQuote(db: Db, companyId: string): Promise<HotLeadRow[]> {
  const result = await db.execute(sql`
    select l.id, l.name, l.phone, l.ai_score, l.ai_summary, l.created_at
      from leads l
     where l.company_id = ${companyId} and l.ai_status = 'hot'
       and l.pipeline_stage not in ('closed_won', 'closed_lost')
       and not exists (select 1 from quotes q where q.lead_id = l.id)
     order by l.created_at desc, l.id desc
     limit ${LIMIT}`);
  return rowsOf<HotLeadRow>(result).map((r) => ({ ...r, ai_score: Number(r.ai_score), created_at: new Date(r.created_at) }));
}

export type ViewedQuoteRow = {
  id: string;
  number: number;
  lead_id: string;
  lead_name: string | null;
  total_cents: string;
  currency: string;
  viewed_at: Date;
  expires_at: Date | null;
};

/** Quotes the customer opened and has neither accepted nor declined, still open at `now`, latest view first. */
export async function viewedUnansweredQuotes(db: Db, companyId: string, now: Date): Promise<ViewedQuoteRow[]> {
  const result = await db.execute(sql`
    select q.id, q.number, q.lead_id, l.name as lead_name, q.total_cents::text as total_cents, q.currency, q.viewed_at, q.expires_at
      from quotes q join leads l on l.id = q.lead_id and l.company_id = q.company_id
     where q.company_id = ${companyId} and q.status = 'viewed'
       and (q.expires_at is null or q.expires_at > ${now.toISOString()}::timestamptz)
     order by q.viewed_at desc, q.id desc
     limit ${LIMIT}`);
  return rowsOf<ViewedQuoteRow>(result).map((r) => ({
    ...r,
    number: Number(r.number),
    viewed_at: new Date(r.viewed_at),
    expires_at: r.expires_at === null ? null : new Date(r.expires_at),
  }));
}
