import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { AnswerKeeper } from '../../db/answer-keeper.js';
import type { Db } from '../../db/client.js';
import { quotes, type PipelineStage } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { foreignKeyViolation } from '../../db/errors.js';
import { isUuid } from '../../lib/ids.js';
import { centsToNumber, milliToNumber, rateFromDecimal, rateToDecimal, rateToNumber, toScaled } from '../../lib/money.js';
import { priced, totalsOf, withPriceBook } from './quote-pricing.js';
import { findCompany } from '../companies/companies.repo.js';
import { recordEvent } from '../events/events.js';
import { findLead } from '../leads/leads.repo.js';
import type { LeadsService } from '../leads/leads.service.js';
import { actorOf, type Actor, type Principal } from '../../auth/principal.js';
import type { CreateQuoteInput, ListQuotesQuery, Quote, UpdateQuoteInput } from './quotes.schemas.js';
import {
  claimDraftForSending,
  findQuote,
  insertQuote,
  listQuotePage,
  releaseSendingClaim,
  replaceQuoteLines,
  takeQuoteNumber,
  updateQuoteRow,
  type QuoteRecord,
} from './quotes.repo.js';

type Tenant = Pick<Principal, 'companyId'>;

/**
 * Texts a quote's public link to its lead, with SMS's own rules (credits, opt-out, provider errors,
 * thrown as AppErrors): app.ts wires it to the SMS feature's `send`. At most once per quote: it
 * resolves without texting again when the link went earlier (a send retried after a crash).
 */
export type TextQuoteLink = (args: { companyId: string; leadId: string; quoteId: string; message: string; sender: Actor }) => Promise<unknown>;

export type QuotesDeps = { db: Db; clock: Clock; publicUrl: string; textQuoteLink: TextQuoteLink; leads: LeadsService };

// How long a send holds a draft while its text is on the way (a crashed send frees it after this).
const SENDING_CLAIM_MS = 60_000;
// A lead in one of these stages moves to `quoted` when a quote is sent to them.
const BEFORE_QUOTED = new Set<PipelineStage>(['new_lead', 'follow_up', 'quote_in_progress']);

export const quoteNumberOf = (n: number) => `Q-${String(n).padStart(5, '0')}`;

/** The status a quote reads at `now`: an open offer (sent or viewed) past its deadline reads `expired`. */
export function statusAt(row: Pick<QuoteRecord, 'status' | 'expiresAt'>, now: Date): Quote['status'] {
  if ((row.status === 'sent' || row.status === 'viewed') && row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return 'expired';
  return row.status;
}

export function createQuotes(deps: QuotesDeps) {
  const { db, clock } = deps;
  const now = () => new Date(clock.now());

  function quoteView(row: QuoteRecord, at = now()): Quote {
    return {
      id: row.id,
      quote_number: quoteNumberOf(row.number),
      status: statusAt(row, at),
      lead_id: row.leadId,
      subtotal: centsToNumber(row.subtotalCents),
      tax: centsToNumber(row.taxCents),
      total: centsToNumber(row.totalCents),
      tax_rate: rateToNumber(rateFromDecimal(row.taxRate)),
      tax_mode: row.taxMode,
      currency: row.currency,
      line_items: [...row.lines]
        .sort((a, b) => a[0] - b[0])
        .map(([, description, quantity, unitPrice, subtotal, unit, priceBookItemId]) => ({
          description,
          quantity: milliToNumber(quantity),
          unit_price: centsToNumber(unitPrice),
          subtotal: centsToNumber(subtotal),
          unit,
          price_book_item_id: priceBookItemId,
        })),
      metadata: row.metadata,
      notes: row.notes,
      valid_until: row.validUntil,
      public_url: `${deps.publicUrl}/q/${row.publicToken}`,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      sent_at: row.sentAt?.toISOString() ?? null,
      viewed_at: row.viewedAt?.toISOString() ?? null,
      accepted_at: row.acceptedAt?.toISOString() ?? null,
      declined_at: row.declinedAt?.toISOString() ?? null,
    };
  }

  /** What a quote event carries: the quote as the API returns it, plus `quote_id` for older receivers. */
  const eventData = (q: Quote) => ({ ...q, quote_id: q.id });

  async function reload(tx: Db, companyId: string, quoteId: string): Promise<QuoteRecord> {
    const row = await findQuote(tx, companyId, quoteId);
    if (!row) throw new NotFoundError('Quote not found');
    return row;
  }

  async function companyOf(companyId: string) {
    const company = await findCompany(db, companyId);
    if (!company) throw new NotFoundError('Company not found');
    return company;
  }

  /** Today's date (YYYY-MM-DD) in a timezone. */
  function todayIn(timezone: string): string {
    return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now());
  }

  function checkValidUntil(validUntil: string | null | undefined, timezone: string) {
    if (validUntil && validUntil < todayIn(timezone)) {
      throw new ValidationError(`'valid_until' must not be in the past (today is ${todayIn(timezone)} in ${timezone})`, [
        { field: 'valid_until', message: 'must not be in the past' },
      ]);
    }
  }

  async function list(tenant: Tenant, query: ListQuotesQuery, window: { limit: number; offset: number }) {
    const at = now();
    const filters = { status: query.status, leadId: query.lead_id };
    const page = await listQuotePage(db, tenant.companyId, filters, at, window);
    return {
      page: { data: page.rows.map((r) => quoteView(r, at)), total: page.total },
      /** Until when the answer holds unless something is written (ms): the next open quote's deadline. */
      freshUntil: page.nextExpiry ? page.nextExpiry.getTime() : Infinity,
    };
  }

  async function get(tenant: Tenant, quoteId: string): Promise<Quote> {
    const row = isUuid(quoteId) ? await findQuote(db, tenant.companyId, quoteId) : undefined;
    if (!row) throw new NotFoundError('Quote not found');
    return quoteView(row);
  }

  async function create(tenant: Tenant, input: CreateQuoteInput, keeper?: AnswerKeeper<Quote>): Promise<Quote> {
    const lead = isUuid(input.lead_id) ? await findLead(db, tenant.companyId, input.lead_id) : undefined;
    if (!lead) throw new NotFoundError('Lead not found');
    const company = await companyOf(tenant.companyId);
    checkValidUntil(input.valid_until, company.timezone);
    const id = randomUUID();
    const lines = priced(await withPriceBook(db, tenant.companyId, input.line_items), id);
    const rateE5 = input.tax_rate === undefined ? rateFromDecimal(company.taxRate) : toScaled(input.tax_rate, 5)!;
    const taxMode = input.tax_mode ?? company.taxMode;
    const totals = totalsOf(
      lines.map((l) => l.subtotalCents!),
      rateE5,
      taxMode,
    );
    const at = now();
    return db
      .transaction(async (tx) => {
        const number = await takeQuoteNumber(tx, tenant.companyId);
        await insertQuote(
          tx,
          {
            id,
            companyId: tenant.companyId,
            leadId: lead.id,
            number,
            ...totals,
            taxRate: rateToDecimal(rateE5),
            taxMode,
            currency: company.currency,
            notes: input.notes ?? null,
            metadata: input.metadata ?? {},
            validUntil: input.valid_until ?? null,
            // 256 random bits: the page's only credential, so it must not be guessable or sequential.
            publicToken: randomBytes(32).toString('base64url'),
            createdAt: at,
            updatedAt: at,
          },
          lines,
        );
        const quote = quoteView(await reload(tx, tenant.companyId, id), at);
        await keeper?.keep(tx, quote);
        return quote;
      })
      .catch((err) => {
        // The lead was erased between the check and the insert.
        throw foreignKeyViolation(err) ? new NotFoundError('Lead not found') : err;
      });
  }

  async function update(tenant: Tenant, quoteId: string, input: UpdateQuoteInput): Promise<Quote> {
    const given = Object.entries(input).filter(([, v]) => v !== undefined);
    if (given.length === 0) throw new ValidationError('No valid fields to update');
    if (!isUuid(quoteId)) throw new NotFoundError('Quote not found');
    const company = await companyOf(tenant.companyId);
    checkValidUntil(input.valid_until, company.timezone);
    await db.transaction(async (tx) => {
      const current = await findQuote(tx, tenant.companyId, quoteId, { lock: true });
      if (!current) throw new NotFoundError('Quote not found');
      if (current.status !== 'draft') throw new ConflictError('Only draft quotes can be edited');
      if (current.sendingUntil && current.sendingUntil > now()) throw new ConflictError('The quote is being sent; try again in a moment');

      const rateE5 = input.tax_rate === undefined ? rateFromDecimal(current.taxRate) : toScaled(input.tax_rate, 5)!;
      const taxMode = input.tax_mode ?? current.taxMode;
      const lines = input.line_items ? priced(await withPriceBook(tx, tenant.companyId, input.line_items), quoteId) : undefined;
      const subtotals = lines ? lines.map((l) => l.subtotalCents!) : current.lines.map((l) => BigInt(l[4]));
      if (lines) await replaceQuoteLines(tx, tenant.companyId, quoteId, lines);
      await updateQuoteRow(tx, tenant.companyId, quoteId, {
        ...totalsOf(subtotals, rateE5, taxMode),
        taxRate: rateToDecimal(rateE5),
        taxMode,
        ...(input.notes !== undefined && { notes: input.notes }),
        ...(input.metadata !== undefined && { metadata: input.metadata }),
        ...(input.valid_until !== undefined && { validUntil: input.valid_until }),
        updatedAt: now(),
      });
    });
    return get(tenant, quoteId);
  }

  /**
   * draft → sent. With `sms`, the text goes first and the quote is marked sent only once it has gone,
   * so both happen or neither: the send holds the draft by a claim (not a transaction: no network
   * inside one) while the text is on its way, and a failed text releases it, leaving the draft as it was.
   */
  async function send(tenant: Principal, quoteId: string, o: { sms?: boolean; keeper?: AnswerKeeper<Quote> }): Promise<Quote> {
    const actor = actorOf(tenant);
    if (o.sms && !tenant.scopes.includes('sms:send')) throw new ForbiddenError('Insufficient scope: sms:send required');
    const quote = isUuid(quoteId) ? await findQuote(db, tenant.companyId, quoteId) : undefined;
    if (!quote) throw new NotFoundError('Quote not found');
    if (quote.status !== 'draft') throw new ConflictError('Only draft quotes can be sent');
    const company = await companyOf(tenant.companyId);
    if (quote.validUntil && quote.validUntil < todayIn(company.timezone)) {
      throw new ValidationError("'valid_until' has passed: change it before sending the quote", [
        { field: 'valid_until', message: 'is in the past' },
      ]);
    }

    const claimedAt = now();
    const until = new Date(claimedAt.getTime() + SENDING_CLAIM_MS);
    if (!(await claimDraftForSending(db, tenant.companyId, quoteId, claimedAt, until))) {
      const again = await findQuote(db, tenant.companyId, quoteId);
      throw new ConflictError(again?.status === 'draft' ? 'The quote is already being sent' : 'Only draft quotes can be sent');
    }
    if (o.sms) {
      const url = `${deps.publicUrl}/q/${quote.publicToken}`;
      try {
        await deps.textQuoteLink({
          companyId: tenant.companyId,
          leadId: quote.leadId,
          quoteId,
          message: `${company.name}: your quote ${quoteNumberOf(quote.number)} is ready to view and accept: ${url}`,
          sender: actor,
        });
      } catch (err) {
        await releaseSendingClaim(db, tenant.companyId, quoteId, until);
        throw err;
      }
    }

    return db.transaction(async (tx) => {
      const current = await findQuote(tx, tenant.companyId, quoteId, { lock: true });
      if (!current) throw new NotFoundError('Quote not found');
      // Only while this send still holds the draft: a claim that lapsed (a text slower than the claim)
      // may have let another send through, and the quote must not be sent, or announced, twice.
      if (current.status !== 'draft' || current.sendingUntil?.getTime() !== until.getTime()) {
        throw new ConflictError('Only draft quotes can be sent');
      }
      const at = now();
      await updateQuoteRow(tx, tenant.companyId, quoteId, {
        status: 'sent',
        sentAt: at,
        updatedAt: at,
        sendingUntil: null,
        // The offer stands to the end of valid_until in the company's timezone, fixed now.
        expiresAt: sql`(${quotes.validUntil} + 1)::timestamp at time zone ${company.timezone}` as unknown as Date,
      });
      const sent = quoteView(await reload(tx, tenant.companyId, quoteId), at);
      await recordEvent(tx, tenant.companyId, 'quote.sent', eventData(sent), actor);
      const lead = await findLead(tx, tenant.companyId, current.leadId, { lock: true });
      if (lead && BEFORE_QUOTED.has(lead.pipelineStage)) {
        await deps.leads.applyLeadChange(tx, tenant.companyId, lead, { pipelineStage: 'quoted' }, actor);
      }
      await o.keeper?.keep(tx, sent);
      return sent;
    });
  }

  return { quoteView, eventData, statusAt, list, get, create, update, send };
}

export type QuotesService = ReturnType<typeof createQuotes>;
