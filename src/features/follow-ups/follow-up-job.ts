import { and, eq } from 'drizzle-orm';
import type { Actor } from '../../auth/principal.js';
import type { Db } from '../../db/client.js';
import { jobs, type SequenceKind } from '../../db/schema/index.js';
import { FINISHED, RunLater, type JobHandler } from '../../jobs/jobs.worker-task.js';
import { finishHeldJob, reopenHeldJob, type ClaimedJob } from '../../jobs/jobs.repo.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import { quietUntil, type QuietSpan } from '../../lib/quiet-hours.js';
import { addDays, dateIn, instantOfWallTime, weekdayOf } from '../../lib/zoned-time.js';
import { findAppointment } from '../appointments/appointments.repo.js';
import type { CompanyRow } from '../companies/companies.repo.js';
import { findLead, type LeadRow } from '../leads/leads.repo.js';
import { findQuote } from '../quotes/quotes.repo.js';
import { statusAt } from '../quotes/quotes.service.js';
import { AlreadySentError, SmsSendFailedError, type SmsService } from '../sms/sms.service.js';
import { appointmentWords, firstNameOf, renderStep, type TextValues } from './follow-up-text.js';
import { cancelRestOfSequence, findStepContext, FOLLOW_UP_JOB } from './follow-ups.repo.js';

// A send takes at most the provider's 10 s; a worker that dies mid-send lets the step go after this.
const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 5;
// A Twilio long code sends about one text a second and queues the rest (for up to 4 hours, then
// drops them): follow-ups leave a company's number no faster, so a burst of due steps is spread out
// here rather than piling up in Twilio's queue. Conversational texts (instant replies, the agent,
// answers to C/R) are not held back: someone is waiting for those.
export const FOLLOW_UP_PACE_MS = 1_000;
// Quiet hours, Sundays and closed dates chained can push a step on by days; past this many hops
// (a company closed for weeks) the step waits for the last one found and looks again then.
const MAX_HOPS = 30;

const SENDERS: Record<SequenceKind, Actor> = {
  lead_nurture: { type: 'automation', id: null, name: 'Follow-up: new lead' },
  quote_chase: { type: 'automation', id: null, name: 'Follow-up: quote chase' },
  appointment_reminder: { type: 'automation', id: null, name: 'Follow-up: appointment reminder' },
  review_request: { type: 'automation', id: null, name: 'Follow-up: review request' },
};

type Step = { sequence: SequenceKind; step: number; text: string; anchorId: string; anchorAt: number; quoteId?: string; appointmentId?: string };

function stepOf(job: ClaimedJob): Step {
  const p = job.payload;
  return {
    sequence: p.sequence as SequenceKind,
    step: Number(p.step),
    text: String(p.text),
    anchorId: String(p.anchor_id),
    anchorAt: Date.parse(String(p.anchor_at)),
    quoteId: typeof p.quote_id === 'string' ? p.quote_id : undefined,
    appointmentId: typeof p.appointment_id === 'string' ? p.appointment_id : undefined,
  };
}

/** Thrown inside the send's transaction when the step stopped being planned (a reply cancelled it first). */
class StepStopped extends Error {}

const skipped = (reason: string) => ({ result: 'skipped', reason });

/**
 * The first instant from `at` at which a follow-up may go out for the company: outside its quiet
 * hours, and not on a Sunday or one of the agent's closed dates unless the company allows them, each
 * on the company's wall clock (so daylight-saving changes move nothing: the next allowed instant is
 * found by wall time, and a step's own time is an instant).
 */
export function nextAllowedAt(
  at: number,
  company: Pick<CompanyRow, 'timezone' | 'followUpsOnSundays' | 'followUpsOnClosedDates'> & { quietHours: QuietSpan | null },
  closedDates: readonly string[],
): number {
  const zone = company.timezone;
  const closed = new Set(company.followUpsOnClosedDates ? [] : closedDates);
  let t = at;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const date = dateIn(t, zone);
    if ((!company.followUpsOnSundays && weekdayOf(date) === 0) || closed.has(date)) {
      t = instantOfWallTime(addDays(date, 1), '00:00', zone);
      continue;
    }
    const until = quietUntil(t, zone, company.quietHours);
    if (until === null) return t;
    t = until;
  }
  return t;
}

/**
 * Sends the follow-up steps the sequences planned (drizzle/0026_follow_ups_sql.sql), when they fall
 * due. The triggers cancel a step in the transaction of whatever stops it; this looks again at send
 * time (the quote expired, the appointment moved, the sequence turned off) and waits out quiet hours.
 * The text goes through the one send path (credits, opt-out, the thread, `sms.sent`) with an origin
 * key per step, and the send's own transaction marks the step sent only if it is still planned, so a
 * step is sent at most once and never after the reply that stopped it. A step that cannot be sent
 * (no credits, opted out) is kept with why, and the rest of its sequence stops.
 */
export function followUpJobHandler(deps: { db: Db; clock: Clock; sms: SmsService; publicUrl: string }): JobHandler {
  const { db, clock, sms, publicUrl } = deps;

  /** Why the step must not go out now (a stop that no trigger sees: time, a setting), or its text's values. */
  async function check(job: ClaimedJob, step: Step, company: CompanyRow, sequenceOn: boolean, lead: LeadRow): Promise<{ stop: string } | { values: TextValues; before?: number }> {
    if (!sequenceOn) return { stop: 'sequence_off' };
    if (lead.smsOptedOut) return { stop: 'opted_out' };
    const values: TextValues = { first_name: firstNameOf(lead), company: company.name };
    const now = new Date(clock.now());
    switch (step.sequence) {
      case 'lead_nurture':
        if (!lead.aiEnabled) return { stop: 'ai_disabled' };
        if (lead.agentPaused) return { stop: 'taken_over' };
        if (lead.pipelineStage !== 'new_lead' && lead.pipelineStage !== 'follow_up') return { stop: 'stage_changed' };
        return { values };
      case 'quote_chase': {
        if (lead.agentPaused) return { stop: 'taken_over' };
        const quote = step.quoteId ? await findQuote(db, job.companyId, step.quoteId) : undefined;
        if (!quote) return { stop: 'quote_gone' };
        const status = statusAt(quote, now);
        if (status !== 'sent' && status !== 'viewed') return { stop: `quote_${status}` };
        return { values: { ...values, quote_link: `${publicUrl}/q/${quote.publicToken}` }, before: quote.expiresAt?.getTime() };
      }
      case 'appointment_reminder': {
        const appointment = step.appointmentId ? await findAppointment(db, job.companyId, step.appointmentId) : undefined;
        if (!appointment) return { stop: 'appointment_gone' };
        if (appointment.status !== 'scheduled' && appointment.status !== 'confirmed') return { stop: `appointment_${appointment.status}` };
        if (appointment.startTime.getTime() !== step.anchorAt) return { stop: 'rescheduled' };
        return { values: { ...values, ...appointmentWords(appointment.startTime, company.timezone) }, before: appointment.startTime.getTime() };
      }
      case 'review_request':
        if (lead.pipelineStage !== 'closed_won') return { stop: 'stage_changed' };
        if (!company.reviewUrl) return { stop: 'no_review_link' };
        return { values: { ...values, review_link: company.reviewUrl } };
    }
  }

  /** A step that was cancelled while this ran keeps the cancellation's outcome. */
  async function outcomeNow(job: ClaimedJob): Promise<Record<string, unknown>> {
    const [row] = await db.select({ outcome: jobs.outcome }).from(jobs).where(and(eq(jobs.id, job.id), eq(jobs.companyId, job.companyId)));
    return row?.outcome ?? { result: 'cancelled' };
  }

  async function stopSequence(job: ClaimedJob, step: Step, reason: string) {
    await cancelRestOfSequence(db, { id: job.id, companyId: job.companyId, leadId: job.leadId!, sequence: step.sequence, anchorId: step.anchorId }, 'sequence_stopped');
    return skipped(reason);
  }

  return {
    kind: FOLLOW_UP_JOB,
    leaseMs: LEASE_MS,
    maxAttempts: MAX_ATTEMPTS,
    paceMs: FOLLOW_UP_PACE_MS,
    async handle(job) {
      const step = stepOf(job);
      const [context, lead] = await Promise.all([
        findStepContext(db, job.companyId, step.sequence),
        job.leadId ? findLead(db, job.companyId, job.leadId) : undefined,
      ]);
      if (!context || !lead) return skipped('lead_gone');
      const { company } = context;
      const checked = await check(job, step, company, context.sequenceOn, lead);
      if ('stop' in checked) return checked.stop === 'opted_out' ? stopSequence(job, step, checked.stop) : skipped(checked.stop);

      const now = clock.now();
      const closedDates = company.followUpsOnClosedDates ? [] : context.closedDates;
      const allowed = nextAllowedAt(now, { ...company, quietHours: company.quietHours ?? null }, closedDates);
      if (checked.before !== undefined && allowed >= checked.before) {
        return skipped(step.sequence === 'appointment_reminder' ? 'quiet_until_appointment' : 'quiet_until_quote_expiry');
      }
      if (allowed > now) throw new RunLater(new Date(allowed), 'quiet hours');

      const body = renderStep(step.sequence, step.text, checked.values);
      try {
        await sms.send(
          { companyId: job.companyId },
          { leadId: lead.id, body, kind: 'follow_up', sender: SENDERS[step.sequence], originKey: `follow_up:${job.uniqueKey ?? job.id}` },
          {
            // The step is sent in the transaction that writes its text, if a reply has not stopped it first.
            keep: async (tx, s) => {
              if (!(await finishHeldJob(tx, job, new Date(clock.now()), { result: 'sent', message_id: s.message_id }))) throw new StepStopped();
            },
            // Twilio refused or could not be reached: the step is planned again, and retried.
            release: (tx) => reopenHeldJob(tx, job),
          },
          { lead, company },
        );
        // The keeper finished the step, with its outcome, in the transaction that wrote the text.
        return FINISHED;
      } catch (err) {
        if (err instanceof StepStopped) return outcomeNow(job);
        if (err instanceof SmsSendFailedError) throw err;
        if (err instanceof AlreadySentError) return skipped('already_sent');
        if (err instanceof AppError) return stopSequence(job, step, `${err.code}: ${err.message}`);
        throw err;
      }
    },
  };
}
