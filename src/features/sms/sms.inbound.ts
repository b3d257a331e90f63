import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { leads } from '../../db/schema/index.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { normalizePhone } from '../../lib/phone.js';
import { countSegments } from '../../lib/sms-segments.js';
import { isValidTwilioSignature } from '../../lib/twilio-signature.js';
import { recordEvent } from '../events/events.js';
import { leadView } from '../leads/leads.service.js';
import { newLeadRow, updateLeadRow } from '../leads/leads.repo.js';
import { statusFromTwilio } from './sms.provider.js';
import {
  applyStatusCallbackAnyCompany,
  findCompanyByTwilioNumber,
  findLeadByPhoneForUpdate,
  findMessageBySid,
  insertMessage,
  lockSender,
} from './sms.repo.js';
import { messageView, SmsNotConfiguredError } from './sms.service.js';

export type TwilioWebhookDeps = { db: Db; authToken: string | undefined; publicUrl: string };

// Carrier keywords (the whole message, any case), as Twilio's own opt-out handling reads them.
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const OPT_IN = new Set(['START', 'YES', 'UNSTOP']);

/** The signature is over the URL Twilio was given (PUBLIC_URL + path and query), not the one we see behind a proxy. */
export function verifyTwilioRequest(
  deps: TwilioWebhookDeps,
  o: { url: string; signature: string | string[] | undefined; params: Record<string, string> },
) {
  if (!deps.authToken) throw new SmsNotConfiguredError('Twilio not configured');
  const signature = Array.isArray(o.signature) ? o.signature[0] : o.signature;
  if (!isValidTwilioSignature(deps.authToken, signature, deps.publicUrl + o.url, o.params)) {
    throw new ForbiddenError('Invalid Twilio signature');
  }
}

function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw new ValidationError(`'${name}' is required`);
  return value;
}

/**
 * B5: an inbound message. The company by the To number, the lead by the From number (created with
 * source "sms" when there is none), the message in the thread, sms.received, and STOP / START.
 * Idempotent on MessageSid: Twilio retries a webhook it did not see answered.
 */
export async function receiveSms(db: Db, params: Record<string, string>): Promise<{ duplicate: boolean }> {
  const sid = required(params, 'MessageSid');
  const to = required(params, 'To');
  const fromRaw = required(params, 'From');
  const body = params.Body ?? '';
  const company = await findCompanyByTwilioNumber(db, to);
  if (!company) throw new NotFoundError(`No company has the Twilio number ${to}`);
  // Twilio sends E.164 already; an alphanumeric sender stays as it is.
  const from = normalizePhone(fromRaw, company.country) ?? fromRaw.trim();
  const keyword = body.trim().toUpperCase();
  const optedOut = OPT_OUT.has(keyword) ? true : OPT_IN.has(keyword) ? false : null;

  return db.transaction(async (tx) => {
    // One sender at a time per company: two first messages arriving together create one lead, and a
    // retried MessageSid finds the first delivery's row.
    await lockSender(tx, company.id, from);
    if (await findMessageBySid(tx, company.id, sid)) return { duplicate: true };

    let lead = await findLeadByPhoneForUpdate(tx, company.id, from);
    const now = new Date();
    if (!lead) {
      const row = newLeadRow({
        id: randomUUID(),
        companyId: company.id,
        phone: from,
        source: 'sms',
        smsOptedOut: optedOut === true,
        createdAt: now,
        updatedAt: now,
      });
      const { searchText: _generated, ...values } = row;
      await tx.insert(leads).values(values);
      await recordEvent(tx, company.id, 'lead.created', leadView(row));
      lead = row;
    } else if (optedOut !== null && lead.smsOptedOut !== optedOut) {
      const before = leadView(lead);
      const updated = (await updateLeadRow(tx, company.id, lead.id, { smsOptedOut: optedOut, updatedAt: now }))!;
      await recordEvent(tx, company.id, 'lead.updated', leadView(updated), { sms_opted_out: before.sms_opted_out });
      lead = updated;
    }

    const segments = Number(params.NumSegments) || countSegments(body).segments;
    const message = await insertMessage(tx, {
      companyId: company.id,
      leadId: lead.id,
      direction: 'inbound',
      body,
      status: 'received',
      segments,
      provider: 'twilio',
      providerSid: sid,
      fromNumber: from,
      toNumber: to,
    });
    // The lock above makes this rare (another company cannot share a sid); roll back all the same.
    if (!message) throw new DuplicateDelivery();
    await recordEvent(tx, company.id, 'sms.received', { ...messageView(message), lead_id: lead.id, from, to });
    return { duplicate: false };
  }).catch((err) => {
    if (err instanceof DuplicateDelivery) return { duplicate: true };
    throw err;
  });
}

class DuplicateDelivery extends Error {}

/** B5: a delivery status callback. Unknown statuses and messages are acknowledged and ignored. */
export async function receiveStatus(db: Db, params: Record<string, string>, messageId: string | null) {
  const sid = required(params, 'MessageSid');
  const status = statusFromTwilio(params.MessageStatus ?? params.SmsStatus);
  if (!status) return { matched: false };
  const errorCode = params.ErrorCode ? params.ErrorCode : null;
  const matched = await applyStatusCallbackAnyCompany(db, { messageId, sid, status, errorCode });
  return { matched };
}
