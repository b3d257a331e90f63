import { and, eq, sql } from 'drizzle-orm';
import type { Actor } from '../../auth/principal.js';
import type { Db } from '../../db/client.js';
import { appointments, jobs } from '../../db/schema/index.js';
import { enqueueJob } from '../../jobs/jobs.repo.js';
import type { JobHandler } from '../../jobs/jobs.worker-task.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import { AGENT_ACTOR } from '../agent/agent-tools.js';
import type { AgentSettingsService } from '../agent/agent-settings.service.js';
import { scheduleOf, whatTheAgentOffers } from '../agent/agent-turn.js';
import { offerListText, readRulesState, slotsToOffer } from '../agent/rules-engine.js';
import { findAppointment } from '../appointments/appointments.repo.js';
import type { AppointmentsService } from '../appointments/appointments.service.js';
import { findCompany } from '../companies/companies.repo.js';
import { findLead } from '../leads/leads.repo.js';
import type { LeadsService } from '../leads/leads.service.js';
import { AlreadySentError, type SmsService } from '../sms/sms.service.js';
import type { InboundAnswers } from '../sms/sms.inbound.js';
import { appointmentWords, firstNameOf } from './follow-up-text.js';
import { FOLLOW_UP_JOB } from './follow-ups.repo.js';

// C and R, answered to an appointment reminder (issue 15): C confirms the appointment, R asks for
// another time (the appointment shows reschedule_requested_at, appointment.updated tells the
// business) and, with the agent on, the agent's free slots are offered; its booking then moves the
// appointment (agent-tools.ts). Such a text belongs to the reminder: no agent turn starts from it.

export const REMINDER_ANSWER_JOB = 'reminder_answer';
export type ReminderAnswer = 'C' | 'R';

const REMINDER_SENDER: Actor = { type: 'automation', id: null, name: 'Follow-up: appointment reminder' };

/** A bare C or R (any case, with a full stop or an exclamation mark at most). */
export function reminderAnswerOf(body: string): ReminderAnswer | null {
  const t = body.trim().replace(/[.!]+$/, '').toUpperCase();
  return t === 'C' || t === 'R' ? t : null;
}

/** The upcoming appointment whose reminder the lead was sent last, if any: what a bare C or R answers. */
export async function remindedAppointment(tx: Db, companyId: string, leadId: string, now: Date): Promise<string | undefined> {
  const [row] = await tx
    .select({ id: appointments.id })
    .from(jobs)
    .innerJoin(appointments, and(eq(appointments.companyId, jobs.companyId), sql`${appointments.id} = (${jobs.payload}->>'appointment_id')::uuid`))
    .where(
      and(
        eq(jobs.companyId, companyId),
        eq(jobs.leadId, leadId),
        eq(jobs.kind, FOLLOW_UP_JOB),
        sql`${jobs.payload}->>'sequence' = 'appointment_reminder' and ${jobs.outcome}->>'result' = 'sent'`,
        sql`${appointments.status} in ('scheduled', 'confirmed') and ${appointments.startTime} > ${now}`,
      ),
    )
    .orderBy(sql`${jobs.finishedAt} desc`)
    .limit(1);
  return row?.id;
}

/**
 * The inbound texts that answer a reminder (sms.inbound.ts): a bare C or R from a lead that was sent a
 * reminder of an upcoming appointment. In the text's transaction, the answer is applied to the
 * appointment (C: confirmed; R: a reschedule request), and a job texts the customer back after commit.
 */
export function reminderAnswers(deps: { appointments: AppointmentsService }): InboundAnswers {
  return {
    async claim(tx, o) {
      const answer = reminderAnswerOf(o.body);
      const appointmentId = answer ? await remindedAppointment(tx, o.companyId, o.leadId, o.now) : undefined;
      if (!answer || !appointmentId) return null;
      return async (tx2, m) => {
        const appointment = await findAppointment(tx2, o.companyId, appointmentId, { lock: true });
        if (!appointment) return;
        if (answer === 'C') {
          if (appointment.status === 'scheduled') await deps.appointments.change(tx2, o.companyId, appointment, { status: 'confirmed' }, m.actor);
        } else {
          await deps.appointments.change(tx2, o.companyId, appointment, { rescheduleRequested: true }, m.actor);
        }
        await enqueueJob(tx2, {
          kind: REMINDER_ANSWER_JOB,
          companyId: o.companyId,
          leadId: o.leadId,
          uniqueKey: `reminder_answer:${m.messageId}`,
          // After the lead's agent turns, and before the next: the offer's state is the agent's.
          groupKey: o.leadId,
          payload: { answer, appointment_id: appointmentId, message_id: m.messageId },
        });
      };
    },
  };
}

/**
 * Texts the customer back: C is thanked with the time; R, with the agent on and free slots, gets up to
 * three of them ("Reply 1 for …"), the rules engine's state set to that offer, so the lead's pick books
 * (moves) the appointment; else the business will be in touch. Once per answer (its origin key). An
 * answer to someone who just texted is not held for quiet hours.
 */
export function reminderAnswerJobHandler(deps: {
  db: Db;
  clock: Clock;
  sms: SmsService;
  leads: LeadsService;
  agentSettings: AgentSettingsService;
}): JobHandler {
  const { db, clock, sms, leads, agentSettings } = deps;
  return {
    kind: REMINDER_ANSWER_JOB,
    leaseMs: 60_000,
    maxAttempts: 5,
    async handle(job) {
      const answer = job.payload.answer as ReminderAnswer;
      const appointmentId = String(job.payload.appointment_id);
      const [company, lead, appointment, settings] = await Promise.all([
        findCompany(db, job.companyId),
        findLead(db, job.companyId, job.leadId!),
        findAppointment(db, job.companyId, appointmentId),
        agentSettings.get(job.companyId),
      ]);
      if (!company || !lead || !appointment) return { result: 'skipped', reason: 'gone' };
      const first = firstNameOf(lead);
      const when = appointmentWords(appointment.startTime, company.timezone);
      let body: string;
      let sender = REMINDER_SENDER;
      let offered: { n: number; type: 'onsite' | 'callback'; start: string }[] = [];
      if (answer === 'C') {
        body = `Thanks ${first}, you're confirmed for ${when.appointment_date} at ${when.appointment_time}. See you then.`;
      } else {
        const now = new Date(clock.now());
        const type = appointment.appointmentType === 'callback' ? 'callback' : 'onsite';
        const agentOn = settings.enabled && lead.aiEnabled && !lead.agentPaused;
        const free = agentOn
          ? ((await whatTheAgentOffers(db, company, scheduleOf(settings), now)).freeSlots[type] ?? []).filter(
              (s) => s.start.getTime() > now.getTime() && s.start.getTime() !== appointment.startTime.getTime(),
            )
          : [];
        const slots = slotsToOffer(free);
        if (slots.length) {
          sender = AGENT_ACTOR;
          offered = slots.map((s, i) => ({ n: i + 1, type, start: s.start.toISOString() }));
          body = `No problem ${first}. ${offerListText(
            slots.map((s) => s.start),
            company.timezone,
          )} for a new time.`;
        } else {
          body = `No problem ${first}, someone from ${company.name} will be in touch to find another time.`;
        }
      }
      // The rules engine reads the lead's pick against this offer (written first: a retry sends nothing twice).
      if (offered.length && settings.engine === 'rules') {
        await db.transaction(async (tx) => {
          const current = await findLead(tx, job.companyId, lead.id, { lock: true });
          if (!current) return;
          const state = readRulesState(current.qualification);
          Object.assign(state, { stage: 'offering', offered, offer_rounds: 1, offer_misses: 0 });
          await leads.applyLeadChange(tx, job.companyId, current, { qualification: state }, AGENT_ACTOR);
        });
      }
      try {
        const sent = await sms.send(
          { companyId: job.companyId },
          { leadId: lead.id, body, sender, originKey: `reminder_answer:${String(job.payload.message_id)}` },
        );
        return { result: 'sent', message_id: sent.message_id, offered: offered.length };
      } catch (err) {
        if (err instanceof AlreadySentError) return { result: 'sent_already' };
        if (err instanceof AppError) return { result: 'skipped', reason: `${err.code}: ${err.message}` };
        throw err;
      }
    },
  };
}
