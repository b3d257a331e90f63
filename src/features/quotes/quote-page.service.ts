import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { recordEvent } from '../events/events.js';
import { findLead } from '../leads/leads.repo.js';
import type { LeadsService } from '../leads/leads.service.js';
import { leadActor, type Actor } from '../../auth/principal.js';
import { findQuote, findQuoteByPublicToken, leadHasOtherOpenQuote, updateQuoteRow, type PublicQuote } from './quotes.repo.js';
import type { QuotesService } from './quotes.service.js';

// Public tokens are 32 random bytes in base64url: anything else is not looked up.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export type Decision = 'accept' | 'decline';

/**
 * What the public page (GET /q/:token) can do. Its only credential is the token, so every lookup here
 * is by token across companies, and a draft is treated as unknown (the customer has not been sent it).
 */
export function createQuotePage(deps: { db: Db; clock: Clock; quotes: QuotesService; leads: LeadsService }) {
  const { db, clock, quotes, leads } = deps;
  const now = () => new Date(clock.now());

  async function byToken(tx: Db, token: string, lock = false): Promise<PublicQuote | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const row = await findQuoteByPublicToken(tx, token, { lock });
    return row && row.status !== 'draft' ? row : undefined;
  }

  /** The customer a quote was sent to, as the actor of what they do on its page. */
  async function customerOf(tx: Db, quote: { companyId: string; leadId: string }): Promise<Actor> {
    const lead = await findLead(tx, quote.companyId, quote.leadId);
    return lead ? leadActor(lead) : { type: 'lead', id: quote.leadId, name: null };
  }

  /** The quote behind a token; a customer's view (`asView`) moves it sent → viewed, once. */
  async function open(token: string, o: { asView: boolean }): Promise<PublicQuote | undefined> {
    const row = await byToken(db, token);
    if (!row || !o.asView || quotes.statusAt(row, now()) !== 'sent') return row;
    return db.transaction(async (tx) => {
      const locked = await byToken(tx, token, true);
      if (!locked) return undefined;
      const at = now();
      if (quotes.statusAt(locked, at) !== 'sent') return locked; // someone else's view got there first
      await updateQuoteRow(tx, locked.companyId, locked.id, { status: 'viewed', viewedAt: at, updatedAt: at });
      const viewed = (await findQuote(tx, locked.companyId, locked.id))!;
      await recordEvent(tx, locked.companyId, 'quote.viewed', quotes.eventData(quotes.quoteView(viewed, at)), await customerOf(tx, locked));
      return { ...locked, ...viewed };
    });
  }

  /**
   * Accept or decline, once, from sent or viewed, before the deadline. The quote row is locked for the
   * whole change, so of two simultaneous clicks one acts and the other finds it answered.
   */
  async function respond(token: string, decision: Decision, from: { ip: string; userAgent: string | undefined }): Promise<PublicQuote> {
    return db.transaction(async (tx) => {
      const quote = await byToken(tx, token, true);
      if (!quote) throw new NotFoundError('Quote not found');
      const at = now();
      const status = quotes.statusAt(quote, at);
      if (status === 'accepted' || status === 'declined') throw new ConflictError(`This quote has already been ${status}`);
      if (status === 'expired') throw new ConflictError('This quote has expired');

      const { companyId } = quote;
      await updateQuoteRow(tx, companyId, quote.id, {
        status: decision === 'accept' ? 'accepted' : 'declined',
        ...(decision === 'accept' ? { acceptedAt: at } : { declinedAt: at }),
        respondedIp: from.ip,
        respondedUserAgent: from.userAgent?.slice(0, 500) ?? null,
        updatedAt: at,
      });
      const answered = (await findQuote(tx, companyId, quote.id))!;
      const view = quotes.quoteView(answered, at);
      // Then the lead, locked after the quote (the order everything else takes them in).
      const lead = await findLead(tx, companyId, quote.leadId, { lock: true });
      // The customer acts here: the page's only credential is the link they were sent.
      const customer: Actor = lead ? leadActor(lead) : { type: 'lead', id: quote.leadId, name: null };
      await recordEvent(tx, companyId, decision === 'accept' ? 'quote.accepted' : 'quote.declined', quotes.eventData(view), customer);

      if (lead && decision === 'accept') {
        await leads.applyLeadChange(tx, companyId, lead, { pipelineStage: 'closed_won' }, customer, { saleExtra: { quote_id: quote.id } });
      } else if (lead && lead.pipelineStage !== 'closed_won' && lead.pipelineStage !== 'closed_lost') {
        // Lost only when nothing else is still on offer to this lead.
        if (!(await leadHasOtherOpenQuote(tx, companyId, lead.id, quote.id, at))) {
          await leads.applyLeadChange(tx, companyId, lead, { pipelineStage: 'closed_lost' }, customer);
        }
      }
      return { ...quote, ...answered };
    });
  }

  return { open, respond };
}
