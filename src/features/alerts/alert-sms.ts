import type { Db } from '../../db/client.js';
import { AppError } from '../../lib/errors.js';
import { countSegments } from '../../lib/sms-segments.js';
import type { JobHandler } from '../../jobs/jobs.worker-task.js';
import type { AlertKind } from '../../db/schema/index.js';
import { refundSmsCredits } from '../sms/sms.repo.js';
import { SmsProviderError, type SmsProvider } from '../sms/sms.provider.js';
import { alertPath, alertWords } from './alert-words.js';
import { setSendStatus, skipAlertSend, startAlertSend, type NotificationToSend } from './alerts.repo.js';
import { sendTeamSms, spendTeamSmsCredits, teamSmsProblem } from './team-sms.js';

/** The job kind; the outbox's trigger enqueues one per texted alert (drizzle/0032), keyed by the alert. */
export const ALERT_SMS_JOB = 'alert_sms';
// Twilio answers in well under a second (the provider's own timeout is 10 s).
const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 6;
// An alert is a glance, not a letter: two segments at most, so it costs two credits at most.
const MAX_SEGMENTS = 2;

// Typographic characters that would turn the whole text into UCS-2 (70 characters a segment instead of
// 160): the alert's words use them, a text need not.
const GSM_FRIENDLY: [RegExp, string][] = [
  [/[“”„]/g, '"'],
  [/[‘’]/g, "'"],
  [/…/g, '...'],
  [/·/g, '-'],
  [/[–—]/g, '-'],
];
const gsmFriendly = (s: string) => GSM_FRIENDLY.reduce((t, [re, to]) => t.replace(re, to), s);

/**
 * An alert as a text: "QuoteLeads: <title> - <body>" and the full link, its words clipped so that the
 * whole stays within MAX_SEGMENTS (the link is never clipped).
 */
export function alertSmsText(row: Pick<NotificationToSend, 'n' | 'leadName' | 'timeZone'>, publicUrl: string): string {
  const kind = row.n.kind as AlertKind;
  const words = alertWords(kind, row.n.data, { leadName: row.leadName, timeZone: row.timeZone });
  const link = `${publicUrl}${alertPath(kind, row.n.leadId)}`;
  const said = gsmFriendly([words.title, ...words.body.split('\n')].filter((s) => s.trim()).join(' - '));
  const text = (w: string) => `QuoteLeads: ${w} ${link}`;
  if (countSegments(text(said)).segments <= MAX_SEGMENTS) return text(said);
  // The longest clip that fits: segments only grow with length, so a binary search finds it.
  let lo = 0;
  let hi = said.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countSegments(text(`${said.slice(0, mid).trimEnd()}...`)).segments <= MAX_SEGMENTS) lo = mid;
    else hi = mid - 1;
  }
  return text(`${said.slice(0, lo).trimEnd()}...`);
}

/**
 * Texts one alert to its user's verified mobile, after the transaction that recorded its event
 * committed; the same never-twice design as email (alert-email.ts). The alert is marked `sending` and
 * its credits spent in one committed transaction before Twilio is called; a run that finds it
 * `sending` (its worker died mid-send) marks it `unknown` and sends nothing. Twilio refusing for now
 * (a 5xx, a 429, no connection) refunds the credits and puts it back to `pending`, and the job is
 * retried with backoff; refusing for good (a 4xx: not a mobile, unsubscribed) refunds and fails it; an
 * answer lost after the request went is `unknown`, the credits kept, not sent again.
 *
 * Sent at any hour: quiet hours are the company's promise to its leads, and a team member chose this
 * alert by SMS for themselves (switching it off is one click in their settings).
 */
export function alertSmsJobHandler(deps: { db: Db; provider: SmsProvider; publicUrl: string }): JobHandler {
  const { db, provider } = deps;
  return {
    kind: ALERT_SMS_JOB,
    leaseMs: LEASE_MS,
    maxAttempts: MAX_ATTEMPTS,
    async handle(job) {
      const id = job.uniqueKey!;
      const claimed = await db.transaction(async (tx) => {
        const start = await startAlertSend(tx, job.companyId, id, 'sms');
        if ('done' in start) return start;
        const { row } = start;
        const skip = (reason: string) => skipAlertSend(tx, id, 'sms', reason);
        // The mobile was removed, changed or STOPped since the alert was made.
        if (!row.mobile || !row.mobileVerifiedAt) return skip('The user has no verified mobile any more');
        const problem = teamSmsProblem(provider, { twilioNumber: row.twilioNumber, smsPaused: row.smsPaused });
        if (problem) return skip(problem.message);
        const body = alertSmsText(row, deps.publicUrl);
        let segments: number;
        try {
          segments = await spendTeamSmsCredits(tx, row.n.companyId, body);
        } catch (err) {
          // Paused, or out of credits: an alert never waits for credits, it is news now or never.
          if (err instanceof AppError) return skip(err.message);
          throw err;
        }
        await setSendStatus(tx, id, 'sms', 'sending', { segments });
        return { row, body, segments };
      });
      if ('done' in claimed) return claimed.done;
      const { row, body, segments } = claimed;
      try {
        const sent = await sendTeamSms(provider, deps.publicUrl, { from: row.twilioNumber, to: row.mobile!, body });
        await setSendStatus(db, id, 'sms', 'sent', { sid: sent.sid, segments });
        return { result: 'sent', sid: sent.sid, segments };
      } catch (err) {
        if (!(err instanceof SmsProviderError)) throw err;
        const detail = { segments, error: err.message, code: err.code };
        if (err.outcome === 'unknown') {
          await setSendStatus(db, id, 'sms', 'unknown', detail);
          return { result: 'unknown', error: err.message };
        }
        const forGood = isPermanent(err) || job.attempts >= MAX_ATTEMPTS;
        await db.transaction(async (tx) => {
          await refundSmsCredits(tx, row.n.companyId, segments);
          await setSendStatus(tx, id, 'sms', forGood ? 'failed' : 'pending', detail);
        });
        if (forGood) return { result: 'failed', error: err.message, code: err.code };
        throw err;
      }
    },
  };
}

/** Twilio will never take this message (a 4xx: not a mobile, unsubscribed), as opposed to an outage or a limit. */
const isPermanent = (err: SmsProviderError) => err.httpStatus !== undefined && err.httpStatus >= 400 && err.httpStatus < 500 && err.httpStatus !== 429;
