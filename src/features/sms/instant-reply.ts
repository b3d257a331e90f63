import type { Actor } from '../../auth/principal.js';
import type { Db } from '../../db/client.js';
import { AppError } from '../../lib/errors.js';
import type { JobHandler } from '../../jobs/jobs.worker-task.js';
import { findCompany } from '../companies/companies.repo.js';
import { findLead } from '../leads/leads.repo.js';
import type { SmsService } from './sms.service.js';

/** The job kind; a trigger on leads enqueues it (drizzle/*_jobs_sql.sql), one per lead by its unique key. */
export const INSTANT_REPLY_JOB = 'instant_reply';
// A send takes at most the provider's 10 s; a worker that dies mid-send lets the job go after this.
const LEASE_MS = 60_000;
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
 * second one. A job is finished whatever the answer (sent, opted out, no credits…), which is kept as
 * its outcome (`{result, message_id}`): a reply that comes hours late is no instant reply.
 */
export function instantReplyJobHandler(deps: { db: Db; sms: SmsService }): JobHandler {
  const { db, sms } = deps;
  return {
    kind: INSTANT_REPLY_JOB,
    leaseMs: LEASE_MS,
    maxAttempts: MAX_ATTEMPTS,
    async handle(job) {
      const leadId = job.leadId!;
      const [company, lead] = await Promise.all([findCompany(db, job.companyId), findLead(db, job.companyId, leadId)]);
      if (!company || !lead) return { result: 'lead_gone' };
      if (!company.instantReply) return { result: 'instant_reply_off' };
      if (!lead.aiEnabled) return { result: 'ai_disabled' };
      try {
        const sent = await sms.send(
          { companyId: job.companyId },
          {
            leadId,
            body: renderInstantReply(company.instantReply, lead, company.name),
            kind: 'instant_reply',
            sender: INSTANT_REPLY_SENDER,
            // At most one per lead, however often the job runs.
            originKey: `instant_reply:${leadId}`,
          },
        );
        return { result: 'sent', message_id: sent.message_id };
      } catch (err) {
        if (err instanceof AppError) return { result: `${err.code}: ${err.message}` };
        throw err;
      }
    },
  };
}
