import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { companies, invites, users } from '../../db/schema/index.js';
import { esc } from '../../lib/html.js';
import { MailError, settledStatusOf, type Mailer } from '../../lib/mailer.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type { JobHandler } from '../../jobs/jobs.worker-task.js';

/** The job kind: one per emailed invitation, keyed by the invite, written with it (accounts.service createInvite). */
export const INVITE_EMAIL_JOB = 'invite_email';
const LEASE_MS = 120_000;
const MAX_ATTEMPTS = 6;

async function setStatus(db: Db, id: string, status: string) {
  await db.update(invites).set({ emailStatus: status }).where(eq(invites.id, id));
}

/**
 * Emails an invitation's link to the invitee, as alert emails are sent (src/features/alerts/alert-email.ts):
 * marked `sending` before the relay is called, never sent twice, retried when the relay refuses. An
 * invitation accepted, withdrawn or expired before its turn is not sent.
 */
export function inviteEmailJobHandler(deps: { db: Db; mailer: Mailer; secrets: SecretBox; now: () => Date }): JobHandler {
  const { db, mailer } = deps;
  return {
    kind: INVITE_EMAIL_JOB,
    leaseMs: LEASE_MS,
    maxAttempts: MAX_ATTEMPTS,
    async handle(job) {
      const id = job.uniqueKey!;
      const claimed = await db.transaction(async (tx) => {
        const [row] = await tx
          .select({ invite: invites, companyName: companies.name, inviter: users.name })
          .from(invites)
          .innerJoin(companies, eq(companies.id, invites.companyId))
          .leftJoin(users, eq(users.id, invites.createdBy))
          .where(and(eq(invites.id, id), eq(invites.companyId, job.companyId)))
          .for('update', { of: invites });
        if (!row) return { done: { result: 'invite_gone' } };
        const { invite } = row;
        if (invite.emailStatus === 'sending') {
          await setStatus(tx, id, 'unknown');
          return { done: { result: 'unknown' } };
        }
        if (invite.emailStatus !== 'pending' || !invite.email) return { done: { result: `already ${invite.emailStatus}` } };
        if (invite.acceptedAt || invite.expiresAt <= deps.now()) {
          await setStatus(tx, id, 'skipped');
          return { done: { result: 'skipped', reason: invite.acceptedAt ? 'accepted' : 'expired' } };
        }
        if (mailer.problem) {
          await setStatus(tx, id, 'skipped');
          return { done: { result: 'skipped', reason: mailer.problem } };
        }
        await setStatus(tx, id, 'sending');
        return { row: { ...row, email: invite.email, role: invite.role, expiresAt: invite.expiresAt } };
      });
      if ('done' in claimed) return claimed.done;
      const { row } = claimed;
      const link = deps.secrets.open(String(job.payload.link), id);
      const who = row.inviter ? `${row.inviter} has invited you` : 'You are invited';
      const subject = `Join ${row.companyName} on QuoteLeads`;
      const until = row.expiresAt.toISOString().slice(0, 10);
      const text = `${who} to join ${row.companyName} on QuoteLeads as ${row.role === 'admin' ? 'an admin' : 'a member'}.\n\nAccept the invitation: ${link}\n\nThe link works once, until ${until}. If you were not expecting it, ignore this email.\n`;
      const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.45;color:#1b1f24">
<p>${esc(who)} to join <strong>${esc(row.companyName)}</strong> on QuoteLeads as ${row.role === 'admin' ? 'an admin' : 'a member'}.</p>
<p><a href="${esc(link)}" style="display:inline-block;background:#0b5fff;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Accept the invitation</a></p>
<p style="color:#5b6470;font-size:12px">The link works once, until ${esc(until)}. If you were not expecting it, ignore this email.</p>
</body></html>`;
      try {
        const sent = await mailer.send({ to: row.email, subject, text, html, messageId: `invite-${id}` });
        await setStatus(db, id, 'sent');
        return { result: 'sent', message_id: sent.messageId };
      } catch (err) {
        if (!(err instanceof MailError)) throw err;
        const final = settledStatusOf(err, job.attempts, MAX_ATTEMPTS);
        if (final) {
          await setStatus(db, id, final);
          return { result: final, error: err.message };
        }
        await setStatus(db, id, 'pending');
        throw err;
      }
    },
  };
}
