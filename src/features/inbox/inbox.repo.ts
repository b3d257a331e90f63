import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';

// Query plan. Every read starts from `conversations` (one row per lead, kept by triggers:
// drizzle/0036_inbox_sql.sql), never from `sms_messages`:
// - the list walks conversations_company_last_idx backwards from the cursor and stops at `limit`
//   rows, each joined by primary key to its lead, its newest text and the user's read row;
// - a filter is applied during that walk: in the worst case (few matches) it reads the company's
//   conversation rows, one per lead, not its messages (10,000 leads: a few milliseconds);
// - the unread count reads only conversations that asked for attention within UNREAD_DAYS, through
//   the partial conversations_company_attention_idx, so its cost follows recent activity, not the
//   company's history.
// Unread is per user: a conversation is unread for a user when it asked for attention (the lead
// arrived or texted) after what that user last read of it.

/** Attention older than this is no longer counted as unread: a lead nobody opened in a month is not news. */
export const UNREAD_DAYS = 30;

// coalesce: a conversation without attention or without texts is plainly not unread, not unknown.
const unread = (since: Date) =>
  sql`coalesce(c.attention_at > ${since.toISOString()}::timestamptz and (r.read_up_to is null or c.attention_at > r.read_up_to), false)`;

// The lead wrote last, or the agent handed the lead to a person and no person has texted since.
const needsReply = sql`coalesce(c.last_direction = 'inbound'
  or (l.agent_paused and l.qualification->>'stage' = 'handed_off' and c.last_sender_type is distinct from 'user'), false)`;

export type InboxFilter = 'needs_reply' | 'unread';

export type ConversationRow = {
  lead_id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  source: string | null;
  pipeline_stage: string;
  body: string | null;
  direction: 'inbound' | 'outbound' | null;
  sender_type: string | null;
  last_at: Date;
  unread: boolean;
  needs_reply: boolean;
};

/** The company's conversations for one user, newest first, after `before` (the last of the page before). */
export async function listConversations(
  db: Db,
  q: { companyId: string; userId: string; unreadSince: Date; filter?: InboxFilter; limit: number; before?: { at: Date; leadId: string } },
): Promise<ConversationRow[]> {
  const where: SQL[] = [sql`c.company_id = ${q.companyId}`];
  if (q.before) where.push(sql`(c.last_at, c.lead_id) < (${q.before.at.toISOString()}::timestamptz, ${q.before.leadId}::uuid)`);
  if (q.filter === 'needs_reply') where.push(needsReply);
  if (q.filter === 'unread') where.push(unread(q.unreadSince));
  const result = await db.execute(sql`
    select c.lead_id, l.name, l.phone, l.email, l.source, l.pipeline_stage, m.body, c.last_direction as direction,
           c.last_sender_type as sender_type, c.last_at, ${unread(q.unreadSince)} as unread, ${needsReply} as needs_reply
      from conversations c
      join leads l on l.id = c.lead_id and l.company_id = c.company_id
      left join sms_messages m on m.id = c.last_message_id
      left join conversation_reads r on r.user_id = ${q.userId} and r.lead_id = c.lead_id
     where ${sql.join(where, sql` and `)}
     order by c.last_at desc, c.lead_id desc
     limit ${q.limit}`);
  return rowsOf<ConversationRow & { last_at: Date | string }>(result).map((r) => ({ ...r, last_at: new Date(r.last_at) }));
}

/** How many of the company's conversations are unread for the user. */
export async function countUnreadConversations(db: Db, companyId: string, userId: string, since: Date): Promise<number> {
  const result = await db.execute(sql`
    select count(*)::int as n
      from conversations c
      left join conversation_reads r on r.user_id = ${userId} and r.lead_id = c.lead_id
     -- The bare range, besides the test, is what lets the planner use the partial attention index.
     where c.company_id = ${companyId} and c.attention_at > ${since.toISOString()}::timestamptz and ${unread(since)}`);
  return Number(rowsOf<{ n: number }>(result)[0].n);
}

/** How many of the company's conversations wait for a reply (Home). */
export async function countNeedsReply(db: Db, companyId: string): Promise<number> {
  const result = await db.execute(sql`
    select count(*)::int as n
      from conversations c join leads l on l.id = c.lead_id and l.company_id = c.company_id
     where c.company_id = ${companyId} and ${needsReply}`);
  return Number(rowsOf<{ n: number }>(result)[0].n);
}

/**
 * Marks the lead's conversation read by the user up to its newest item now. Read state only moves
 * forward, so a page that opened before a newer text cannot unread it.
 */
export async function markConversationRead(db: Db, companyId: string, userId: string, leadId: string, at: Date): Promise<void> {
  await db.execute(sql`
    insert into conversation_reads (user_id, lead_id, company_id, read_up_to, read_at)
    select ${userId}, c.lead_id, c.company_id, c.last_at, ${at.toISOString()}::timestamptz
      from conversations c where c.company_id = ${companyId} and c.lead_id = ${leadId}
    on conflict (user_id, lead_id) do update
      set read_up_to = greatest(conversation_reads.read_up_to, excluded.read_up_to), read_at = excluded.read_at`);
}
