import type { AnswerKeeper } from '../../db/answer-keeper.js';
import type { Db } from '../../db/client.js';
import { actorOf, type Actor, type Principal, type Tenant } from '../../auth/principal.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, ConflictError, NotFoundError, PaymentRequiredError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { countSegments } from '../../lib/sms-segments.js';
import { findCompany, type CompanyRow } from '../companies/companies.repo.js';
import { recordEvent } from '../events/events.js';
import { findLead, type LeadRow } from '../leads/leads.repo.js';
import type { LeadsService } from '../leads/leads.service.js';
import { MAX_MESSAGE_LENGTH, type SendSmsInput, type SmsMessage } from './sms.schemas.js';
import { SmsProviderError, type SmsProvider } from './sms.provider.js';
import {
  deductSmsCredits,
  findLeadsByPhoneForUpdate,
  insertMessage,
  isSmsPaused,
  listThread,
  markMessageFailed,
  recordOptOut,
  recordProviderAnswer,
  refundSmsCredits,
  type MessageInsert,
  type MessageRow,
} from './sms.repo.js';
import { isNumberOptedOut } from '../leads/leads.repo.js';

/** What texting needs: the database, the clock, the provider, the address Twilio calls back on, leads. */
export type SmsDeps = {
  db: Db;
  clock: Clock;
  provider: SmsProvider;
  publicUrl: string;
  leads: LeadsService;
  onRecordError?: (err: unknown) => void;
};

export type SmsSent = { message_id: string; segments: number; credits_remaining: number };
/** POST /v1/sms's answer (A7). */
export type SmsAnswer = SmsSent & { success: true; message: 'SMS sent' };

/** A7's 500s: the platform cannot send at all, or the provider refused this message (credits refunded). */
export class SmsNotConfiguredError extends AppError {
  constructor(message: string) {
    super(message, 500, 'sms_not_configured');
  }
}
export class SmsSendFailedError extends AppError {
  constructor(readonly providerCode: string) {
    super('Failed to send SMS', 500, 'sms_send_failed');
  }
}
/** The company switched SMS off (`sms_paused`): nothing goes out until it switches it back on. */
export class SmsPausedError extends AppError {
  constructor() {
    super('SMS is paused for this company', 409, 'sms_paused');
  }
}
/** A text whose origin key already has a message (a retried job, a second instant reply). */
export class AlreadySentError extends ConflictError {
  constructor(message: string) {
    super(message);
  }
}

export function messageView(row: MessageRow): SmsMessage {
  return {
    id: row.id,
    direction: row.direction,
    body: row.body,
    status: row.status,
    segments: row.segments,
    error_code: row.errorCode,
    provider_sid: row.providerSid,
    provider: row.provider,
    sender: row.sender,
    created_at: row.createdAt.toISOString(),
  };
}

const LEAD_NOT_FOUND = 'Lead not found or does not belong to your company';
const OPTED_OUT = 'Lead has opted out of SMS';

/** A message for the thread, as its writer gives it; the company and the lead come from the call. */
export type NewMessage = Omit<MessageInsert, 'companyId' | 'leadId' | 'id' | 'createdAt' | 'updatedAt'>;

export function createSms(deps: SmsDeps) {
  const { db, clock, provider, leads } = deps;
  const now = () => new Date(clock.now());

  /**
   * The one writer of a thread (STYLE 9), inside the caller's transaction, any direction and sender.
   * An outbound message is refused for a number that opted out and while the company's SMS is paused,
   * and spends its credits here: no writer can put a text in a thread that skipped them. Inbound, it
   * records sms.received. Undefined when a unique key (a MessageSid, an origin key) already has a
   * message; `credits` is the balance an outbound message left.
   */
  async function writeMessage(
    tx: Db,
    companyId: string,
    lead: Pick<LeadRow, 'id' | 'phone'>,
    m: NewMessage,
  ): Promise<{ message: MessageRow; credits: number | null } | undefined> {
    let credits: number | null = null;
    if (m.direction === 'outbound') {
      if (lead.phone && (await isNumberOptedOut(tx, companyId, lead.phone))) throw new ValidationError(OPTED_OUT);
      credits = await deductSmsCredits(tx, companyId, m.segments);
      if (credits === null) {
        if (await isSmsPaused(tx, companyId)) throw new SmsPausedError();
        throw new PaymentRequiredError('Insufficient SMS credits');
      }
    }
    const at = now();
    const message = await insertMessage(tx, { ...m, companyId, leadId: lead.id, createdAt: at, updatedAt: at });
    if (!message) return undefined;
    if (m.direction === 'inbound') {
      await recordEvent(tx, companyId, 'sms.received', { ...messageView(message), lead_id: lead.id, from: m.fromNumber, to: m.toNumber }, m.sender);
    }
    return { message, credits };
  }

  /**
   * The one send path (POST /v1/sms, the dashboard, instant replies, quote links, and whatever texts
   * a lead from now on). A7's checks in A7's order, then B3's, then the company's pause, credits (B4)
   * and the provider. The message is in the thread (`queued`) and the credits are spent, in one
   * transaction, before the provider is called outside any transaction; a refusal marks it `failed`
   * with the provider's code and gives the credits back; an acceptance records sms.sent. A text with
   * an `originKey` is sent at most once, however often it is asked for (a refused one frees its key).
   * A `keeper` keeps the answer with the message and its credits: a crash after that commit never
   * sends the text again (at most once: one the provider never got stays `queued`). A caller that has
   * just read the lead and the company (a worker's job) may pass them in `known`, saving two reads:
   * the checks that matter under concurrency (opt-out, credits, the origin key) are made again in the
   * send's transaction either way.
   */
  async function send(
    tenant: Pick<Tenant, 'companyId'>,
    input: { leadId: string; body: string; sender: Actor; kind?: 'message' | 'instant_reply' | 'follow_up'; originKey?: string },
    keeper?: AnswerKeeper<SmsSent>,
    known?: { lead: LeadRow; company: CompanyRow },
  ): Promise<SmsSent> {
    const { companyId } = tenant;
    const { leadId, body } = input;
    const lead = known?.lead.id === leadId && known.lead.companyId === companyId ? known.lead : isUuid(leadId) ? await findLead(db, companyId, leadId) : undefined;
    if (!lead) throw new NotFoundError(LEAD_NOT_FOUND);
    if (!lead.phone) throw new ValidationError('Lead has no phone number');
    const company = known?.company.id === companyId ? known.company : await findCompany(db, companyId);
    if (!company) throw new NotFoundError(LEAD_NOT_FOUND);
    const problem = provider.problem(company.twilioNumber);
    if (problem) throw new SmsNotConfiguredError(problem);
    if (lead.smsOptedOut) throw new ValidationError(OPTED_OUT);
    if (body.length > MAX_MESSAGE_LENGTH) {
      throw new ValidationError(`'message' must be at most ${MAX_MESSAGE_LENGTH} characters`, [
        { field: 'message', message: `must be at most ${MAX_MESSAGE_LENGTH} characters` },
      ]);
    }
    if (company.smsPaused) throw new SmsPausedError();
    // Twilio bills per segment, so credits are too.
    const { segments } = countSegments(body);
    const to = lead.phone;

    const { message, credits } = await db.transaction(async (tx) => {
      const written = await writeMessage(tx, companyId, lead, {
        direction: 'outbound',
        body,
        status: 'queued',
        segments,
        provider: provider.name,
        fromNumber: company.twilioNumber,
        toNumber: to,
        kind: input.kind ?? 'message',
        sender: input.sender,
        originKey: input.originKey ?? null,
      });
      // Rolls the deduction back.
      if (!written) {
        throw new AlreadySentError(input.kind === 'instant_reply' ? 'This lead already has its instant reply' : 'This message was already sent');
      }
      await keeper?.keep(tx, { message_id: written.message.id, segments, credits_remaining: written.credits ?? 0 });
      return written;
    });
    let answer: Awaited<ReturnType<SmsProvider['send']>>;
    try {
      answer = await provider.send({
        from: company.twilioNumber,
        to,
        body,
        // Our id rides in the callback URL, so a callback that arrives before we store Twilio's sid lands.
        statusCallback: `${deps.publicUrl}/webhooks/twilio/status?message_id=${message.id}`,
      });
    } catch (err) {
      // The request may have reached Twilio and only its answer was lost (a reset, a timeout): the text
      // may be on its way, so it is treated as sent: kept `queued` (Twilio's status callback, which
      // carries our id, moves it on if Twilio has it), its credits spent, the kept answer kept. Calling
      // it failed would invite the caller to send it again, and the customer would get it twice.
      if (err instanceof SmsProviderError && err.outcome === 'unknown') {
        deps.onRecordError?.(err);
        return { message_id: message.id, segments, credits_remaining: credits ?? 0 };
      }
      const code = (err as { code?: unknown }).code;
      const providerCode = typeof code === 'string' ? code : 'unknown';
      // The thread keeps the failure with its code (the client sees it there); the credits come back.
      await db.transaction(async (tx) => {
        await markMessageFailed(tx, companyId, message.id, providerCode, now());
        await refundSmsCredits(tx, companyId, segments);
        await keeper?.release(tx);
      });
      throw new SmsSendFailedError(providerCode);
    }
    // The text is out: from here on nothing may refund it or answer an error that invites a second send.
    // If recording Twilio's answer fails, the status callback (which carries our id) still records the sid.
    await db
      .transaction(async (tx) => {
        const sent = await recordProviderAnswer(tx, companyId, message.id, answer.sid, answer.status, now());
        if (sent) await recordEvent(tx, companyId, 'sms.sent', { ...messageView(sent), lead_id: lead.id, to }, input.sender);
      })
      .catch((err) => deps.onRecordError?.(err));
    return { message_id: message.id, segments, credits_remaining: credits ?? 0 };
  }

  async function pauseAgent(companyId: string, leadId: string, reason: string, actor: Actor) {
    if (!isUuid(leadId)) return;
    await db.transaction(async (tx) => {
      const lead = await findLead(tx, companyId, leadId, { lock: true });
      if (lead && !lead.agentPaused) await leads.applyLeadChange(tx, companyId, lead, { agentPaused: true, agentPausedReason: reason }, actor);
    });
  }

  /** POST /v1/sms: A7's first check (both fields present) belongs to the route's body, so it is here. */
  async function sendFromApi(principal: Principal, input: SendSmsInput | null | undefined, keeper?: AnswerKeeper<SmsAnswer>) {
    const leadId = input?.lead_id?.trim();
    const message = input?.message;
    if (!leadId || !message || message.trim() === '') {
      throw new ValidationError("'lead_id' and 'message' are required");
    }
    const answer = (sent: SmsSent): SmsAnswer => ({ success: true, message: 'SMS sent', ...sent });
    const actor = actorOf(principal);
    // A person texting the lead takes over from the agent; an integration only when it says so (its
    // appointment confirmation must not silence the agent).
    if (input?.pause_agent === true || actor.type === 'user') await pauseAgent(principal.companyId, leadId, `Taken over by ${actor.name ?? 'a person'}`, actor);
    const sent = await send(
      principal,
      { leadId, body: message, sender: actorOf(principal) },
      keeper && { keep: (tx, s) => keeper.keep(tx, answer(s)), release: keeper.release },
    );
    return answer(sent);
  }

  async function thread(tenant: Pick<Tenant, 'companyId'>, leadId: string, page: { limit: number; offset: number }) {
    const lead = isUuid(leadId) ? await findLead(db, tenant.companyId, leadId) : undefined;
    if (!lead) throw new NotFoundError('Lead not found');
    const { rows, total } = await listThread(db, tenant.companyId, leadId, page);
    return { data: rows.map(messageView), total };
  }

  /**
   * STOP / START from a number: the company's suppression of it, and every lead of the company with
   * that number opted out (or back in), each change through the leads service with its event.
   */
  async function setNumberOptOut(tx: Db, companyId: string, phone: string, optedOut: boolean, actor: Actor): Promise<void> {
    await recordOptOut(tx, companyId, phone, optedOut, now());
    for (const lead of await findLeadsByPhoneForUpdate(tx, companyId, phone)) {
      if (lead.smsOptedOut !== optedOut) await leads.applyLeadChange(tx, companyId, lead, { smsOptedOut: optedOut }, actor);
    }
  }

  return { writeMessage, send, sendFromApi, thread, setNumberOptOut };
}

export type SmsService = ReturnType<typeof createSms>;
