import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { quotes, type Actor } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, PaymentRequiredError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { normalizePhone } from '../../lib/phone.js';
import { countSegments } from '../../lib/sms-segments.js';
import type { AppointmentsService } from '../appointments/appointments.service.js';
import { busyIntervals, findAppointmentByOrigin, findLeadBookingAt, findRescheduleRequest } from '../appointments/appointments.repo.js';
import { recordEvent } from '../events/events.js';
import { findLead } from '../leads/leads.repo.js';
import type { LeadsService } from '../leads/leads.service.js';
import { findPriceBookItem } from '../price-book/price-book.repo.js';
import type { QuotesService } from '../quotes/quotes.service.js';
import { AlreadySentError, SmsPausedError, type SmsService } from '../sms/sms.service.js';
import { checkSlot, formatSlot, freeSlots, type ScheduleSettings, type SlotQuery, type SlotRefusal } from './slots.js';
import { toolArguments, type ToolCall, type ToolResult, type ToolRunner } from './tools.js';

/** Who the agent's changes and texts are by (`sender: "agent"` in the thread). */
export const AGENT_ACTOR: Actor = { type: 'agent', id: null, name: 'Lead agent' };

const MAX_REPLY_SEGMENTS = 2;
const DAY_MS = 86_400_000;

export type TurnScope = {
  companyId: string;
  companyName: string;
  timezone: string;
  /** The company's own numbers: the only phone numbers a reply may carry. */
  ownNumbers: string[];
  country: string;
  /** The only links a reply may carry: the company's quote pages. */
  quoteLinkPrefix: string;
  leadId: string;
  /** The job's unique key: the turn's side effects are keyed by it, so a retried turn repeats none. */
  trigger: string;
  goals: readonly string[];
  schedule: ScheduleSettings;
};

export type ToolDeps = {
  db: Db;
  clock: Clock;
  sms: SmsService;
  leads: LeadsService;
  appointments: AppointmentsService;
  quotes: QuotesService;
};

export type TurnEffects = { replies: number; booked: string | null; quoteId: string | null; handedOff: string | null; calls: ToolCall[] };

const REFUSALS: Record<SlotRefusal, string> = {
  in_past: 'that time has passed',
  too_soon: 'that time is too soon (the business needs more notice)',
  too_far: 'that time is too far ahead',
  closed: 'the business is closed that day',
  outside_hours: 'that time is outside business hours',
  not_aligned: 'that is not the start of a slot',
  taken: 'that time is not free',
};

// A URL, or anything shaped like a domain (a word, a dot, 2–24 letters: evil.xyz/pay, bit.ly): the
// world's top-level domains are too many to list, and a refused reply is only written again.
const LINK = /\b(?:https?:\/\/|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\b(?:\/\S*)?/gi;
// ISO 8601 with its offset: a time without one would be read in the server's zone, not the company's.
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?(?:Z|[+-]\d\d:\d\d)$/;
const PHONE_LIKE = /\+?\d[\d\s().-]{6,}\d/g;

/** Why a reply may not go (length, links, numbers), or null. */
export function replyProblem(text: string, scope: Pick<TurnScope, 'ownNumbers' | 'country' | 'quoteLinkPrefix'>): string | null {
  const segments = countSegments(text).segments;
  if (segments > MAX_REPLY_SEGMENTS) return `the reply is ${segments} SMS segments; at most ${MAX_REPLY_SEGMENTS} (about 300 plain characters)`;
  for (const link of text.match(LINK) ?? []) {
    if (!link.toLowerCase().startsWith(scope.quoteLinkPrefix.toLowerCase())) return `the reply may not carry a link (${link}) other than a quote's page`;
  }
  for (const number of text.match(PHONE_LIKE) ?? []) {
    const digits = number.replace(/\D/g, '');
    if (digits.length < 8) continue;
    const e164 = normalizePhone(number, scope.country);
    if (!e164 || !scope.ownNumbers.includes(e164)) return `the reply may not carry a phone number (${number.trim()}) other than the company's own`;
  }
  return null;
}

/**
 * Carries out an engine's tool calls for one turn, each validated by the server (whatever the engine)
 * and keyed by (trigger, tool): a turn retried after a crash sends no second reply, books no second
 * slot and drafts no second quote. One reply, one booking and one draft a turn.
 */
export function createToolRunner(deps: ToolDeps, scope: TurnScope): { run: ToolRunner; effects: TurnEffects; slotQuery(busy: SlotQuery['busy']): SlotQuery } {
  const { db, clock, sms, leads, appointments } = deps;
  const effects: TurnEffects = { replies: 0, booked: null, quoteId: null, handedOff: null, calls: [] };
  const key = (tool: string) => `agent:${scope.trigger}:${tool}`;
  const slotQuery = (busy: SlotQuery['busy']): SlotQuery => ({ timezone: scope.timezone, schedule: scope.schedule, type: 'callback', now: clock.now(), busy });

  async function changeLead(change: Parameters<LeadsService['applyLeadChange']>[3], alsoInTx?: (tx: Db) => Promise<void>) {
    await db.transaction(async (tx) => {
      const lead = await findLead(tx, scope.companyId, scope.leadId, { lock: true });
      if (!lead) return;
      await leads.applyLeadChange(tx, scope.companyId, lead, change, AGENT_ACTOR);
      await alsoInTx?.(tx);
    });
  }

  async function handOff(reason: string): Promise<ToolResult> {
    if (effects.handedOff) return { ok: true, result: 'already handed off' };
    effects.handedOff = reason;
    await db.transaction(async (tx) => {
      const lead = await findLead(tx, scope.companyId, scope.leadId, { lock: true });
      if (!lead || lead.agentPaused) return;
      const changed = await leads.applyLeadChange(tx, scope.companyId, lead, { agentPaused: true, agentPausedReason: reason }, AGENT_ACTOR);
      await recordEvent(tx, scope.companyId, 'agent.handed_off', { ...changed, handoff_reason: reason }, AGENT_ACTOR);
    });
    return { ok: true, result: 'handed off: a person will take over; the agent texts this lead no more' };
  }

  async function sendReply(text: string): Promise<ToolResult> {
    if (effects.replies >= 1) return { ok: false, error: 'one reply a turn: it was sent already; end the turn' };
    const problem = replyProblem(text, scope);
    if (problem) return { ok: false, error: problem };
    try {
      await sms.send({ companyId: scope.companyId }, { leadId: scope.leadId, body: text, sender: AGENT_ACTOR, originKey: key('send_reply') });
    } catch (err) {
      if (err instanceof AlreadySentError) {
        effects.replies++;
        return { ok: true, result: 'sent' };
      }
      if (err instanceof PaymentRequiredError || err instanceof SmsPausedError) {
        await handOff('Out of SMS credits: the agent could not answer');
        return { ok: false, error: 'the company cannot send texts now (no SMS credits); the lead is handed to a person' };
      }
      if (err instanceof AppError) return { ok: false, error: `not sent: ${err.message}` };
      throw err;
    }
    effects.replies++;
    return { ok: true, result: 'sent' };
  }

  async function book(args: ToolCall & { tool: 'book_appointment' }): Promise<ToolResult> {
    const { type, start_time } = args.args;
    if (effects.booked) return { ok: false, error: 'one booking a turn: this lead is booked already' };
    if (scope.goals.length > 0 && !scope.goals.includes(type)) return { ok: false, error: `the business does not book ${type} appointments this way` };
    const start = ISO_INSTANT.test(start_time) ? Date.parse(start_time) : NaN;
    if (Number.isNaN(start)) return { ok: false, error: `start_time is not an ISO 8601 time with its offset (e.g. 2026-12-08T10:00:00+11:00): ${start_time}` };
    const at = clock.now();
    const result = await db.transaction(async (tx) => {
      const lead = await findLead(tx, scope.companyId, scope.leadId);
      if (!lead) return { ok: false as const, error: 'the lead is gone' };
      // This turn booked already (it is running again after a crash): that booking is its answer.
      const earlier = await findAppointmentByOrigin(tx, scope.companyId, key('book_appointment'));
      if (earlier) return { ok: true as const, id: earlier.id, start: earlier.startTime, type: earlier.appointmentType };
      // The customer asked (R to a reminder) to move a booking: this moves it. One already moved there
      // (the turn running again after a crash) is the answer.
      const moving = await findRescheduleRequest(tx, scope.companyId, scope.leadId, new Date(at));
      const movedAlready = await findLeadBookingAt(tx, scope.companyId, scope.leadId, new Date(start));
      if (movedAlready) return { ok: true as const, id: movedAlready.id, start: new Date(start), type };
      const busy = await busyIntervals(tx, scope.companyId, new Date(at), new Date(at + (scope.schedule.days_ahead + 2) * DAY_MS), { lock: true });
      const query = { ...slotQuery(busy), type };
      const check = checkSlot(query, start);
      if (!check.ok) {
        const free = freeSlots(query)
          .slice(0, 6)
          .map((s) => `${formatSlot(s.start, scope.timezone, { withDate: true })} (${s.start.toISOString()})`);
        return { ok: false as const, error: `${REFUSALS[check.reason]}; free ${type} slots are: ${free.join(', ') || 'none in the coming days'}` };
      }
      if (moving) {
        const moved = await appointments.change(
          tx,
          scope.companyId,
          moving,
          { start_time: check.slot.start.toISOString(), end_time: check.slot.end.toISOString(), status: 'scheduled' },
          AGENT_ACTOR,
        );
        return { ok: true as const, id: moved.id, start: check.slot.start, type };
      }
      const booked = await appointments.book(
        tx,
        scope.companyId,
        lead,
        { appointment_type: type, start_time: check.slot.start.toISOString(), end_time: check.slot.end.toISOString(), title: undefined, description: undefined, location: undefined, notes: 'Booked by the lead agent' },
        AGENT_ACTOR,
        { bookedBy: 'ai', originKey: key('book_appointment') },
      );
      return { ok: true as const, id: booked.id, start: check.slot.start, type };
    });
    if (!result.ok) return result;
    effects.booked = result.id;
    return { ok: true, result: `booked: ${result.type} on ${formatSlot(result.start, scope.timezone, { withDate: true })} (appointment ${result.id})` };
  }

  async function draftQuote(args: ToolCall & { tool: 'draft_quote' }): Promise<ToolResult> {
    if (effects.quoteId) return { ok: false, error: 'one draft a turn: it was made already' };
    const origin = key('draft_quote');
    const [earlier] = await db
      .select({ id: quotes.id })
      .from(quotes)
      .where(and(eq(quotes.companyId, scope.companyId), eq(quotes.leadId, scope.leadId), sql`${quotes.metadata}->>'agent_origin' = ${origin}`));
    if (earlier) {
      effects.quoteId = earlier.id;
      return { ok: true, result: `drafted: quote ${earlier.id}, for a person to check and send` };
    }
    for (const item of args.args.items) {
      const found = isUuid(item.price_book_item_id) ? await findPriceBookItem(db, scope.companyId, item.price_book_item_id) : undefined;
      if (!found) return { ok: false, error: `no price book item ${item.price_book_item_id}: use the ids the prompt lists` };
    }
    // Priced by the quotes service from the company's price book, never by the engine.
    const lines = args.args.items.map((i) => ({ price_book_item_id: i.price_book_item_id, quantity: i.quantity }));
    try {
      const quote = await deps.quotes.create(
        { companyId: scope.companyId },
        { lead_id: scope.leadId, line_items: lines, notes: args.args.notes, metadata: { agent_origin: origin, drafted_by: 'agent' } },
      );
      effects.quoteId = quote.id;
      return { ok: true, result: `drafted: quote ${quote.quote_number}, total ${quote.total}, for a person to check and send` };
    } catch (err) {
      if (err instanceof AppError) return { ok: false, error: `not drafted: ${err.message}` };
      throw err;
    }
  }

  async function run(call: ToolCall): Promise<ToolResult> {
    if (!Object.hasOwn(toolArguments, call.tool)) return { ok: false, error: `no such tool: ${String(call.tool)}` };
    const parsed = toolArguments[call.tool].safeParse(call.args);
    if (!parsed.success) return { ok: false, error: `invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'} ${i.message}`).join('; ')}` };
    const checked = { tool: call.tool, args: parsed.data } as ToolCall;
    effects.calls.push(checked);
    switch (checked.tool) {
      case 'send_reply':
        return sendReply(checked.args.text.trim());
      case 'set_score': {
        const { score, status, reason, summary } = checked.args;
        const current = await findLead(db, scope.companyId, scope.leadId);
        await changeLead({
          aiScore: score,
          aiStatus: status,
          aiScoreReason: reason,
          ...(summary !== undefined && { aiSummary: summary }),
          // Qualified: the lead leaves the inbox for follow-up.
          ...(current?.pipelineStage === 'new_lead' && { pipelineStage: 'follow_up' as const }),
        });
        return { ok: true, result: `scored ${score} (${status})` };
      }
      case 'book_appointment':
        return book(checked);
      case 'draft_quote':
        return draftQuote(checked);
      case 'hand_off':
        return handOff(checked.args.reason);
    }
  }

  return { run, effects, slotQuery };
}

/** What the lead is told when the agent cannot answer itself (the model failed, or its budget is spent). */
export function holdingReply(firstName: string | null, name: string | null, companyName: string): string {
  const first = firstName?.trim() || name?.trim().split(/\s+/)[0] || 'there';
  return `Thanks ${first}, someone from ${companyName} will be in touch shortly.`;
}
