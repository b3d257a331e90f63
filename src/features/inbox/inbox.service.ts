import type { Db } from '../../db/client.js';
import type { SessionPrincipal } from '../../auth/principal.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError } from '../../lib/errors.js';
import { findLead } from '../leads/leads.repo.js';
import { countUnreadConversations, listConversations, markConversationRead, UNREAD_DAYS, type ConversationRow } from './inbox.repo.js';
import { cursorOf, type InboxQuery } from './inbox.schemas.js';

type User = Pick<SessionPrincipal, 'companyId' | 'userId'>;

export type ConversationView = {
  lead_id: string;
  lead_name: string | null;
  phone: string | null;
  email: string | null;
  source: string | null;
  pipeline_stage: string;
  /** The newest text; null for a new lead that has none yet (`at` is then its arrival). */
  last_message: { body: string; direction: 'inbound' | 'outbound'; sender_type: string | null; at: string } | null;
  last_at: string;
  unread: boolean;
  needs_reply: boolean;
};

export function conversationView(r: ConversationRow): ConversationView {
  return {
    lead_id: r.lead_id,
    lead_name: r.name,
    phone: r.phone,
    email: r.email,
    source: r.source,
    pipeline_stage: r.pipeline_stage,
    last_message:
      r.body !== null && r.direction !== null ? { body: r.body, direction: r.direction, sender_type: r.sender_type, at: r.last_at.toISOString() } : null,
    last_at: r.last_at.toISOString(),
    unread: r.unread,
    needs_reply: r.needs_reply,
  };
}

/** The dashboard's inbox (issue 18): the company's conversations, read and unread per user. */
export function createInbox(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  const unreadSince = () => new Date(clock.now() - UNREAD_DAYS * 86_400_000);

  const unread = (user: User) => countUnreadConversations(db, user.companyId, user.userId, unreadSince());

  async function list(user: User, q: InboxQuery) {
    const rows = await listConversations(db, { ...user, unreadSince: unreadSince(), filter: q.filter, limit: q.limit + 1, before: q.before });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      data: page.map(conversationView),
      unread: await unread(user),
      next_before: rows.length > q.limit && last ? cursorOf(last.last_at, last.lead_id) : null,
    };
  }

  /** Opening a conversation (the inbox or the lead's page) reads it up to its newest item. */
  async function read(user: User, leadId: string) {
    if (!(await findLead(db, user.companyId, leadId))) throw new NotFoundError('Lead not found');
    await markConversationRead(db, user.companyId, user.userId, leadId, new Date(clock.now()));
    return { unread: await unread(user) };
  }

  return { list, unread: async (user: User) => ({ unread: await unread(user) }), read };
}

export type InboxService = ReturnType<typeof createInbox>;
/** What GET /app/api/inbox answers (the dashboard reads this type). */
export type InboxPage = Awaited<ReturnType<InboxService['list']>>;
