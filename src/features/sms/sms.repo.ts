import { arrivalsKey } from '../leads/lead-upsert.repo.js';
import { recordEvent } from '../events/events.js';
import { and, asc, desc, eq, gte, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { companies, leads, smsMessages, smsOptOuts, type Actor, type SmsStatus } from '../../db/schema/index.js';

export type MessageRow = typeof smsMessages.$inferSelect;
export type MessageInsert = typeof smsMessages.$inferInsert;

/**
 * Takes `n` credits if the company has them and has not paused SMS, in one conditional UPDATE:
 * concurrent sends queue on the company row and none can take the balance below zero, nor slip past
 * a pause that committed a moment ago. The new balance, or null when short or paused.
 */
export async function deductSmsCredits(db: Db, companyId: string, n: number): Promise<number | null> {
  const [row] = await db
    .update(companies)
    .set({ smsCredits: sql`${companies.smsCredits} - ${n}` })
    .where(and(eq(companies.id, companyId), gte(companies.smsCredits, n), eq(companies.smsPaused, false)))
    .returning({ credits: companies.smsCredits, threshold: companies.lowCreditsThreshold });
  if (!row) return null;
  // The spend that goes below the company's threshold, once per crossing (issue 17: an alert).
  if (row.credits < row.threshold && row.credits + n >= row.threshold) {
    await recordEvent(db, companyId, 'sms.credits_low', { credits_remaining: row.credits, threshold: row.threshold }, CREDITS_ACTOR);
  }
  return row.credits;
}

const CREDITS_ACTOR: Actor = { type: 'system', id: null, name: 'SMS credits' };

export async function isSmsPaused(db: Db, companyId: string): Promise<boolean> {
  const [row] = await db.select({ paused: companies.smsPaused }).from(companies).where(eq(companies.id, companyId));
  return row?.paused ?? false;
}

/** STOP adds the number to the company's suppression list, START takes it off. */
export async function recordOptOut(db: Db, companyId: string, phone: string, optedOut: boolean, at: Date) {
  if (optedOut) {
    await db.insert(smsOptOuts).values({ companyId, phone, createdAt: at }).onConflictDoNothing();
  } else {
    await db.delete(smsOptOuts).where(and(eq(smsOptOuts.companyId, companyId), eq(smsOptOuts.phone, phone)));
  }
}

/** Every lead of the company with this number, locked, in a fixed order (so two writers never deadlock). */
export async function findLeadsByPhoneForUpdate(db: Db, companyId: string, phone: string) {
  return db
    .select()
    .from(leads)
    .where(and(eq(leads.companyId, companyId), eq(leads.phone, phone)))
    .orderBy(asc(leads.id))
    .for('update');
}

export async function refundSmsCredits(db: Db, companyId: string, n: number): Promise<number> {
  const [row] = await db
    .update(companies)
    .set({ smsCredits: sql`${companies.smsCredits} + ${n}` })
    .where(eq(companies.id, companyId))
    .returning({ credits: companies.smsCredits });
  return row.credits;
}

/** The new row, or undefined when a unique key (a MessageSid, a lead's instant reply) already has one. */
export async function insertMessage(db: Db, values: MessageInsert): Promise<MessageRow | undefined> {
  const [row] = await db.insert(smsMessages).values(values).onConflictDoNothing().returning();
  return row;
}

// Statuses only move forward: queued → sent → delivered / undelivered / failed (final). Twilio's
// callbacks can arrive out of order, and a late `sent` must not undo `delivered`.
const rankOf = (status: SQL | SmsStatus) =>
  sql`(case ${status} when 'queued' then 0 when 'sent' then 1 else 2 end)`;
const forward = (next: SmsStatus) => sql`${rankOf(sql`${smsMessages.status}`)} < ${rankOf(sql`${next}::text`)}`;

/** The provider's answer to a send: its sid, and its status unless a callback already moved further. */
export async function recordProviderAnswer(
  db: Db,
  companyId: string,
  messageId: string,
  sid: string | null,
  status: SmsStatus,
  at: Date,
): Promise<MessageRow | undefined> {
  const [row] = await db
    .update(smsMessages)
    .set({
      providerSid: sql`coalesce(${smsMessages.providerSid}, ${sid})`,
      status: sql`case when ${forward(status)} then ${status} else ${smsMessages.status} end`,
      updatedAt: at,
    })
    .where(and(eq(smsMessages.id, messageId), eq(smsMessages.companyId, companyId)))
    .returning();
  return row;
}

export async function markMessageFailed(db: Db, companyId: string, messageId: string, errorCode: string, at: Date) {
  await db
    .update(smsMessages)
    // A refused text did not go: its origin key must not stop a later try.
    .set({ status: 'failed', errorCode, originKey: null, updatedAt: at })
    .where(and(eq(smsMessages.id, messageId), eq(smsMessages.companyId, companyId)));
}

/**
 * A delivery status from Twilio's callback, never backwards. Found by our message id (carried in the
 * StatusCallback URL, so a callback that beats the provider's answer still lands) or by MessageSid.
 * Crosses companies: the signature, not a token, vouches for the caller. True when a message matched.
 */
export async function applyStatusCallbackAnyCompany(
  db: Db,
  o: { messageId: string | null; sid: string; status: SmsStatus; errorCode: string | null; at: Date },
): Promise<boolean> {
  const target = o.messageId
    ? and(eq(smsMessages.id, o.messageId), or(isNull(smsMessages.providerSid), eq(smsMessages.providerSid, o.sid)))
    : eq(smsMessages.providerSid, o.sid);
  const [found] = await db
    .select({ id: smsMessages.id, status: smsMessages.status })
    .from(smsMessages)
    .where(and(target, eq(smsMessages.direction, 'outbound')));
  if (!found) return false;
  await db
    .update(smsMessages)
    .set({
      status: o.status,
      providerSid: sql`coalesce(${smsMessages.providerSid}, ${o.sid})`,
      errorCode: o.errorCode ?? sql`${smsMessages.errorCode}`,
      updatedAt: o.at,
    })
    .where(and(eq(smsMessages.id, found.id), forward(o.status)));
  return true;
}

export async function findMessageBySid(db: Db, companyId: string, sid: string): Promise<MessageRow | undefined> {
  const [row] = await db
    .select()
    .from(smsMessages)
    .where(and(eq(smsMessages.companyId, companyId), eq(smsMessages.providerSid, sid)));
  return row;
}

/** A lead's thread, oldest first, and how many messages it has. */
export async function listThread(db: Db, companyId: string, leadId: string, page: { limit: number; offset: number }) {
  const where = and(eq(smsMessages.companyId, companyId), eq(smsMessages.leadId, leadId));
  const rows = await db
    .select({ message: smsMessages, total: sql<number>`(count(*) over ())::int` })
    .from(smsMessages)
    .where(where)
    .orderBy(asc(smsMessages.createdAt), asc(smsMessages.id))
    .limit(page.limit)
    .offset(page.offset);
  if (rows.length) return { rows: rows.map((r) => r.message), total: rows[0].total };
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(smsMessages).where(where);
  return { rows: [], total: n };
}

/** Inbound routing: the company that owns this Twilio number (one at most: the column is unique). */
export async function findCompanyByTwilioNumber(db: Db, number: string) {
  const [row] = await db.select().from(companies).where(eq(companies.twilioNumber, number));
  return row;
}

/** The lead an inbound message belongs to: the most recently updated one with that phone, locked. */
export async function findLeadByPhoneForUpdate(db: Db, companyId: string, phone: string) {
  const [row] = await db
    .select()
    .from(leads)
    .where(and(eq(leads.companyId, companyId), eq(leads.phone, phone)))
    .orderBy(desc(leads.updatedAt), desc(leads.id))
    .limit(1)
    .for('update');
  return row;
}

/**
 * Serialises the first messages of one sender to one company, so that they create one lead; and, as
 * every arrival of a lead does (leads/lead-upsert.repo lockPersonKeys), holds the company's arrivals
 * key shared, first, so that a batch of leads and a text from one of them take turns.
 */
export async function lockSender(db: Db, companyId: string, phone: string) {
  await db.execute(
    sql`select pg_advisory_xact_lock_shared(hashtextextended(${arrivalsKey(companyId)}, 0)), pg_advisory_xact_lock(hashtextextended(${`sms-inbound:${companyId}:${phone}`}, 0))`,
  );
}
