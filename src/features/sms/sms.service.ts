import type { Db } from '../../db/client.js';
import { AppError, ConflictError, NotFoundError, PaymentRequiredError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { countSegments } from '../../lib/sms-segments.js';
import { offsetOf, type Page } from '../../http/pagination.js';
import { findCompany } from '../companies/companies.repo.js';
import { findLead } from '../leads/leads.repo.js';
import type { Principal } from '../../auth/principal.js';
import { MAX_MESSAGE_LENGTH, type SendSmsInput, type SmsMessage } from './sms.schemas.js';
import type { SmsProvider } from './sms.provider.js';
import {
  deductSmsCredits,
  insertMessage,
  listThread,
  markMessageFailed,
  recordProviderAnswer,
  refundSmsCredits,
  type MessageRow,
} from './sms.repo.js';

/** What sending needs: the database, the provider, and the public address Twilio calls back on. */
export type SmsDeps = { db: Db; provider: SmsProvider; publicUrl: string; onRecordError?: (err: unknown) => void };

export type SmsSent = { message_id: string; segments: number; credits_remaining: number };

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
/** An instant reply the lead already has (the unique index said so). */
export class InstantReplyAlreadySentError extends ConflictError {
  constructor() {
    super('This lead already has its instant reply');
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
    created_at: row.createdAt.toISOString(),
  };
}

const LEAD_NOT_FOUND = 'Lead not found or does not belong to your company';

/**
 * The one send path (POST /v1/sms, instant replies, quotes texted to a lead). A7's checks in A7's
 * order, then B3's, then credits (B4) and the provider. The message is in the thread (`queued`) and
 * the credits are spent, in one transaction, before the provider is called outside any transaction;
 * a refusal marks it `failed` with the provider's code and gives the credits back.
 */
export async function sendSms(
  deps: SmsDeps,
  input: { companyId: string; leadId: string; body: string; kind?: 'message' | 'instant_reply' },
): Promise<SmsSent> {
  const { db, provider } = deps;
  const { companyId, leadId, body } = input;
  const lead = isUuid(leadId) ? await findLead(db, companyId, leadId) : undefined;
  if (!lead) throw new NotFoundError(LEAD_NOT_FOUND);
  if (!lead.phone) throw new ValidationError('Lead has no phone number');
  const company = await findCompany(db, companyId);
  if (!company) throw new NotFoundError(LEAD_NOT_FOUND);
  const problem = provider.problem(company.twilioNumber);
  if (problem) throw new SmsNotConfiguredError(problem);
  if (lead.smsOptedOut) throw new ValidationError('Lead has opted out of SMS');
  if (body.length > MAX_MESSAGE_LENGTH) {
    throw new ValidationError(`'message' must be at most ${MAX_MESSAGE_LENGTH} characters`, [
      { field: 'message', message: `must be at most ${MAX_MESSAGE_LENGTH} characters` },
    ]);
  }
  // Twilio bills per segment, so credits are too.
  const { segments } = countSegments(body);

  const { message, credits } = await db.transaction(async (tx) => {
    const credits = await deductSmsCredits(tx, companyId, segments);
    if (credits === null) throw new PaymentRequiredError('Insufficient SMS credits');
    const message = await insertMessage(tx, {
      companyId,
      leadId,
      direction: 'outbound',
      body,
      status: 'queued',
      segments,
      provider: provider.name,
      fromNumber: company.twilioNumber,
      toNumber: lead.phone,
      kind: input.kind ?? 'message',
    });
    if (!message) throw new InstantReplyAlreadySentError(); // rolls the deduction back
    return { message, credits };
  });

  let answer: Awaited<ReturnType<SmsProvider['send']>>;
  try {
    answer = await provider.send({
      from: company.twilioNumber,
      to: lead.phone,
      body,
      // Our id rides in the callback URL, so a callback that arrives before we store Twilio's sid lands.
      statusCallback: `${deps.publicUrl}/webhooks/twilio/status?message_id=${message.id}`,
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const providerCode = typeof code === 'string' ? code : 'unknown';
    // The thread keeps the failure with its code (the client sees it there); the credits come back.
    await db.transaction(async (tx) => {
      await markMessageFailed(tx, companyId, message.id, providerCode);
      await refundSmsCredits(tx, companyId, segments);
    });
    throw new SmsSendFailedError(providerCode);
  }
  // The text is out: from here on nothing may refund it or answer an error that invites a second send.
  // If recording Twilio's sid fails, the status callback (which carries our id) still records it.
  await recordProviderAnswer(db, companyId, message.id, answer.sid, answer.status).catch((err) => deps.onRecordError?.(err));
  return { message_id: message.id, segments, credits_remaining: credits };
}

/** POST /v1/sms: A7's first check (both fields present) belongs to the route's body, so it is here. */
export async function sendSmsFromApi(deps: SmsDeps, principal: Pick<Principal, 'companyId'>, input: SendSmsInput | null | undefined) {
  const leadId = input?.lead_id?.trim();
  const message = input?.message;
  if (!leadId || !message || message.trim() === '') {
    throw new ValidationError("'lead_id' and 'message' are required");
  }
  const sent = await sendSms(deps, { companyId: principal.companyId, leadId, body: message });
  return { success: true as const, message: 'SMS sent' as const, ...sent };
}

export async function getThread(db: Db, principal: Pick<Principal, 'companyId'>, leadId: string, page: Page) {
  const lead = isUuid(leadId) ? await findLead(db, principal.companyId, leadId) : undefined;
  if (!lead) throw new NotFoundError('Lead not found');
  const { rows, total } = await listThread(db, principal.companyId, leadId, { limit: page.per_page, offset: offsetOf(page) });
  return { data: rows.map(messageView), meta: { page: page.page, per_page: page.per_page, total } };
}
