import type { Actor } from '../../auth/principal.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/rate-limiter.js';
import type { WorkerTask } from '../../worker/worker.js';
import { findCompany } from '../companies/companies.repo.js';
import { findLead } from '../leads/leads.repo.js';
import { claimInstantReplyJobs, finishInstantReplyJob, type InstantReplyJob } from './sms.repo.js';
import type { SmsService } from './sms.service.js';
import type { Db } from '../../db/client.js';

// A worker that dies mid-batch lets its jobs go after this long; a send takes at most the provider's 10 s.
const LEASE_MS = 60_000;
const BATCH = 10;
// A job that keeps failing for a reason that is not the lead's (the database, a bug) stops at last.
const MAX_ATTEMPTS = 5;

const INSTANT_REPLY_SENDER: Actor = { type: 'automation', id: null, name: 'Instant reply' };

/** The company's template: {first_name} (the lead's, or "there") and {company}. */
export function renderInstantReply(template: string, lead: { firstName: string | null; name: string | null }, companyName: string) {
  const first = lead.firstName?.trim() || lead.name?.trim().split(/\s+/)[0] || 'there';
  return template.replaceAll('{first_name}', first).replaceAll('{company}', companyName);
}

/**
 * Sends each new lead its company's instant reply, after the lead's transaction committed (the job row
 * is written in it), through the one send path: credits, opt-out and the thread apply. At most one
 * per lead, however often a job runs: the thread's unique index on (lead, instant_reply) refuses a
 * second one. A job is finished whatever the answer (sent, opted out, no credits…): a reply that
 * comes hours late is no instant reply.
 */
export function createInstantReplyTask(deps: { db: Db; clock: Clock; log: Logger; sms: SmsService }): WorkerTask {
  const { db, clock, log, sms } = deps;

  async function handle(job: InstantReplyJob): Promise<void> {
    const now = () => new Date(clock.now());
    const finish = (outcome: string, messageId: string | null = null) =>
      finishInstantReplyJob(db, job.leadId, now(), outcome, messageId);
    if (job.attempts > MAX_ATTEMPTS) return finish('gave_up');
    const [company, lead] = await Promise.all([findCompany(db, job.companyId), findLead(db, job.companyId, job.leadId)]);
    if (!company || !lead) return finish('lead_gone');
    if (!company.instantReply) return finish('instant_reply_off');
    if (!lead.aiEnabled) return finish('ai_disabled');
    try {
      const sent = await sms.send(
        { companyId: job.companyId },
        {
          leadId: job.leadId,
          body: renderInstantReply(company.instantReply, lead, company.name),
          kind: 'instant_reply',
          sender: INSTANT_REPLY_SENDER,
          // At most one per lead, however often the job runs.
          originKey: `instant_reply:${job.leadId}`,
        },
      );
      return finish('sent', sent.message_id);
    } catch (err) {
      if (err instanceof AppError) return finish(`${err.code}: ${err.message}`);
      throw err;
    }
  }

  return {
    name: 'instant-reply',
    idleMs: 500,
    async runOnce() {
      const jobs = await claimInstantReplyJobs(db, new Date(clock.now()), LEASE_MS, BATCH);
      for (const job of jobs) {
        try {
          await handle(job);
        } catch (err) {
          // Left claimed: it comes back when the lease ends.
          log.warn({ err, leadId: job.leadId }, 'instant reply failed; will retry');
        }
      }
      return jobs.length;
    },
  };
}
