import type { Db } from '../../db/client.js';
import { esc } from '../../lib/html.js';
import { MailError, settledStatusOf, type Mailer } from '../../lib/mailer.js';
import type { JobHandler } from '../../jobs/jobs.worker-task.js';
import type { AlertKind } from '../../db/schema/index.js';
import { alertPath, alertWords } from './alert-words.js';
import { setSendStatus, skipAlertSend, startAlertSend, type NotificationToSend } from './alerts.repo.js';

/** The job kind; the outbox's trigger enqueues one per emailed alert (drizzle/0032), keyed by the alert. */
export const ALERT_EMAIL_JOB = 'alert_email';
// An SMTP conversation takes seconds at most (SMTP_TIMEOUT_MS bounds each step).
const LEASE_MS = 120_000;
const MAX_ATTEMPTS = 6;

export type AlertEmail = { subject: string; text: string; html: string };

/** An alert as an email: its words, a link to the lead, and why the user gets it (and where to stop it). */
export function alertEmail(row: NotificationToSend, publicUrl: string): AlertEmail {
  const kind = row.n.kind as AlertKind;
  const words = alertWords(kind, row.n.data, { leadName: row.leadName, timeZone: row.timeZone });
  const link = `${publicUrl}${alertPath(kind, row.n.leadId)}`;
  const prefs = `${publicUrl}/app/settings#alerts`;
  const why = `You get this because of your alert settings at ${row.companyName}.`;
  const text = `${words.title}\n\n${words.body}\n\nOpen it: ${link}\n\n--\n${why}\nChange them: ${prefs}\n`;
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.45;color:#1b1f24">
<h2 style="font-size:18px;margin:0 0 12px">${esc(words.title)}</h2>
<p style="white-space:pre-line;margin:0 0 16px">${esc(words.body)}</p>
<p><a href="${esc(link)}" style="display:inline-block;background:#0b5fff;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Open in QuoteLeads</a></p>
<p style="color:#5b6470;font-size:12px;margin-top:24px">${esc(why)} <a href="${esc(prefs)}">Change them</a>.</p>
</body></html>`;
  return { subject: `${words.title} · ${row.companyName}`, text, html };
}

/**
 * Emails one alert, after the transaction that recorded its event committed. Never twice: the alert
 * is marked `sending` (committed) before the relay is called, and a run that finds it so (its worker
 * died mid-send) marks it `unknown` and sends nothing. A relay that refuses (a 4xx, no connection)
 * puts it back to `pending` and the job is retried with backoff; a 5xx fails it for good; a send whose
 * answer was lost after the data went is `unknown`, not sent again.
 */
export function alertEmailJobHandler(deps: { db: Db; mailer: Mailer; publicUrl: string }): JobHandler {
  const { db, mailer } = deps;
  return {
    kind: ALERT_EMAIL_JOB,
    leaseMs: LEASE_MS,
    maxAttempts: MAX_ATTEMPTS,
    async handle(job) {
      const id = job.uniqueKey!;
      const claimed = await db.transaction(async (tx) => {
        const start = await startAlertSend(tx, job.companyId, id, 'email');
        if ('done' in start) return start;
        if (mailer.problem) return skipAlertSend(tx, id, 'email', mailer.problem);
        await setSendStatus(tx, id, 'email', 'sending');
        return start;
      });
      if ('done' in claimed) return claimed.done;
      const { row } = claimed;
      const mail = alertEmail(row, deps.publicUrl);
      try {
        const sent = await mailer.send({
          to: row.userName ? `"${row.userName.replace(/["\\]/g, '')}" <${row.email}>` : row.email,
          ...mail,
          messageId: `alert-${id}`,
          headers: { 'X-QuoteLeads-Alert': row.n.kind },
        });
        await setSendStatus(db, id, 'email', 'sent', { message_id: sent.messageId, response: sent.response });
        return { result: 'sent', message_id: sent.messageId };
      } catch (err) {
        if (!(err instanceof MailError)) throw err;
        const final = settledStatusOf(err, job.attempts, MAX_ATTEMPTS);
        if (final) {
          await setSendStatus(db, id, 'email', final, { error: err.message });
          return { result: final, error: err.message };
        }
        // Not taken: it may go again.
        await setSendStatus(db, id, 'email', 'pending', { error: err.message });
        throw err;
      }
    },
  };
}
