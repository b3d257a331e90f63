import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { leadActor } from '../../auth/principal.js';
import type { Clock } from '../../lib/clock.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { normalizePhone } from '../../lib/phone.js';
import { countSegments } from '../../lib/sms-segments.js';
import { isValidTwilioSignature } from '../../lib/twilio-signature.js';
import type { LeadsService } from '../leads/leads.service.js';
import { findLead } from '../leads/leads.repo.js';
import { statusFromTwilio } from './sms.provider.js';
import { findCompany } from '../companies/companies.repo.js';
import { applyStatusCallbackAnyCompany, findCompanyByTwilioNumber, findLeadByPhoneForUpdate, findMessageBySid, lockSender } from './sms.repo.js';
import { SmsNotConfiguredError, type SmsService } from './sms.service.js';
import type { Actor } from '../../auth/principal.js';

export type TwilioWebhookDeps = {
  db: Db;
  clock: Clock;
  authToken: string | undefined;
  publicUrl: string;
  leads: LeadsService;
  sms: SmsService;
  /** What answers a text of ours (a C or R to an appointment reminder, src/features/follow-ups). */
  answers?: InboundAnswers;
  /** Texts from the team's own mobiles (src/features/alerts/team-texts.ts). */
  team: TeamTextsInbound;
};

/**
 * Takes a text from one of the team's own verified mobiles, which is the team's and not a lead's:
 * records it (once per MessageSid) and answers whether it was a repeat; null when the sender is no
 * team mobile, and the text is a lead's. Runs in the text's transaction, under the sender's lock.
 */
export type TeamTextsInbound = {
  claim(
    tx: Db,
    o: { companyId: string; timeZone: string; from: string; sid: string; body: string; keyword: 'opt_out' | 'opt_in' | null; now: Date },
  ): Promise<{ duplicate: boolean } | null>;
};

/**
 * Claims an inbound text that answers something we sent: such a text is kept as `reminder_reply`
 * (no agent turn starts from it), and what the claim returns is applied in the text's transaction.
 */
export type InboundAnswers = {
  claim(
    tx: Db,
    o: { companyId: string; leadId: string; body: string; now: Date },
  ): Promise<((tx: Db, o: { messageId: string; actor: Actor }) => Promise<void>) | null>;
};

// Carrier keywords (the whole message, any case), as Twilio's own opt-out handling reads them.
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const OPT_IN = new Set(['START', 'YES', 'UNSTOP']);

function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw new ValidationError(`'${name}' is required`);
  return value;
}

class DuplicateDelivery extends Error {}

/** B5: what Twilio's signed webhooks do: inbound messages and delivery statuses. */
export function createTwilioWebhooks(deps: TwilioWebhookDeps) {
  const { db, clock, leads, sms } = deps;
  const now = () => new Date(clock.now());

  /** The signature is over the URL Twilio was given (PUBLIC_URL + path and query), not the one we see behind a proxy. */
  function verify(o: { url: string; signature: string | string[] | undefined; params: Record<string, string> }) {
    if (!deps.authToken) throw new SmsNotConfiguredError('Twilio not configured');
    const signature = Array.isArray(o.signature) ? o.signature[0] : o.signature;
    if (!isValidTwilioSignature(deps.authToken, signature, deps.publicUrl + o.url, o.params)) {
      throw new ForbiddenError('Invalid Twilio signature');
    }
  }

  /**
   * B5: an inbound message. The company by the To number, the lead by the From number (created with
   * source "sms" when there is none, through the leads service), the message in the thread through
   * the thread's one writer (sms.received), and STOP / START for the number. Idempotent on
   * MessageSid: Twilio retries a webhook it did not see answered. A text from a verified team mobile
   * is the team's (`team`): none of this happens to it.
   */
  async function receive(params: Record<string, string>, o: { companyId?: string } = {}): Promise<{ duplicate: boolean }> {
    const sid = required(params, 'MessageSid');
    const to = required(params, 'To');
    const fromRaw = required(params, 'From');
    const body = params.Body ?? '';
    // `companyId`: `quoteleads sms receive` in console mode, where the company may have no number.
    const company = o.companyId ? await findCompany(db, o.companyId) : await findCompanyByTwilioNumber(db, to);
    if (!company) throw new NotFoundError(o.companyId ? `Company not found: ${o.companyId}` : `No company has the Twilio number ${to}`);
    const tenant = { companyId: company.id, country: company.country };
    // Twilio sends E.164 already; an alphanumeric sender stays as it is.
    const from = normalizePhone(fromRaw, company.country) ?? fromRaw.trim();
    const keyword = body.trim().toUpperCase();
    const optedOut = OPT_OUT.has(keyword) ? true : OPT_IN.has(keyword) ? false : null;

    return db
      .transaction(async (tx) => {
        // One sender at a time per company: two first messages arriving together create one lead, and a
        // retried MessageSid finds the first delivery's row.
        await lockSender(tx, company.id, from);
        const keywordKind = optedOut === true ? 'opt_out' : optedOut === false ? 'opt_in' : null;
        const team = await deps.team.claim(tx, { companyId: company.id, timeZone: company.timezone, from, sid, body, keyword: keywordKind, now: now() });
        if (team) return team;
        if (await findMessageBySid(tx, company.id, sid)) return { duplicate: true };

        let lead = await findLeadByPhoneForUpdate(tx, company.id, from);
        // The texter is the lead it is about to become when it is new.
        const newLeadId = randomUUID();
        const texter = lead ? leadActor(lead) : leadActor({ id: newLeadId, name: null });
        // The number's state first, so a first message STOP creates its lead opted out.
        if (optedOut !== null) await sms.setNumberOptOut(tx, company.id, from, optedOut, texter);
        if (!lead) {
          await leads.createLead(tx, tenant, { source: 'sms' }, texter, { id: newLeadId, phoneAsGiven: from });
          lead = (await findLead(tx, company.id, newLeadId))!;
        } else if (optedOut !== null) {
          lead = (await findLead(tx, company.id, lead.id))!;
        }

        // A bare C or R after a reminder of an upcoming appointment answers it (and starts no agent turn).
        const answering = deps.answers ? await deps.answers.claim(tx, { companyId: company.id, leadId: lead.id, body, now: now() }) : null;
        const written = await sms.writeMessage(tx, company.id, lead, {
          direction: 'inbound',
          kind: answering ? 'reminder_reply' : 'message',
          body,
          status: 'received',
          segments: Number(params.NumSegments) || countSegments(body).segments,
          provider: 'twilio',
          providerSid: sid,
          fromNumber: from,
          toNumber: to,
          sender: leadActor(lead),
        });
        // The lock above makes this rare (another company cannot share a sid); roll back all the same.
        if (!written) throw new DuplicateDelivery();
        await answering?.(tx, { messageId: written.message.id, actor: leadActor(lead) });
        return { duplicate: false };
      })
      .catch((err) => {
        if (err instanceof DuplicateDelivery) return { duplicate: true };
        throw err;
      });
  }

  /** B5: a delivery status callback. Unknown statuses and messages are acknowledged and ignored. */
  async function receiveStatus(params: Record<string, string>, messageId: string | null) {
    const sid = required(params, 'MessageSid');
    const status = statusFromTwilio(params.MessageStatus ?? params.SmsStatus);
    if (!status) return { matched: false };
    const errorCode = params.ErrorCode ? params.ErrorCode : null;
    const matched = await applyStatusCallbackAnyCompany(db, { messageId, sid, status, errorCode, at: now() });
    return { matched };
  }

  return { verify, receive, receiveStatus };
}

export type TwilioWebhooks = ReturnType<typeof createTwilioWebhooks>;
