import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { RunLater, type JobHandler } from '../../jobs/jobs.worker-task.js';
import { quietUntil } from '../../lib/quiet-hours.js';
import { busyIntervals } from '../appointments/appointments.repo.js';
import { findCompany } from '../companies/companies.repo.js';
import { findLead, type LeadRow } from '../leads/leads.repo.js';
import { listPriceBookItems } from '../price-book/price-book.repo.js';
import { centsToNumber } from '../../lib/money.js';
import type { AgentSettings } from './agent-settings.schemas.js';
import type { AgentSettingsService } from './agent-settings.service.js';
import { agentTextsTo, inboundAfter, lastTurnOf, recordTurn, threadBefore, tokensUsedToday } from './agent-turns.repo.js';
import { AGENT_ACTOR, createToolRunner, holdingReply, type ToolDeps, type TurnScope } from './agent-tools.js';
import type { LlmEngine } from './llm-engine.js';
import { runRulesTurn } from './rules-engine.js';
import { freeSlots, type ScheduleSettings } from './slots.js';
import type { TurnContext } from './tools.js';

/** The job kind: the triggers on leads and on sms_messages enqueue it (drizzle/0023_agent_turns_sql.sql). */
export const AGENT_TURN_JOB = 'agent_turn';
// A turn takes at most its 20 s and a text's 10 s; a worker that dies mid-turn lets it go after this.
const LEASE_MS = 90_000;
const MAX_ATTEMPTS = 5;
const THREAD_MESSAGES = 30;
const DAY_MS = 86_400_000;
// An answer to someone who contacted us this recently goes whatever the hour.
const ANSWER_WINDOW_MS = 60 * 60_000;

export type AgentTurnDeps = ToolDeps & {
  config: Pick<Config, 'publicUrl' | 'aiDailyTokensPerCompany'>;
  agentSettings: AgentSettingsService;
  /** The model, when the platform has one (AI_BASE_URL). */
  llm: LlmEngine | null;
};

/** The free slots of the coming days per type, and the price book: what a turn may offer. */
export async function whatTheAgentOffers(
  db: Db,
  company: { id: string; timezone: string },
  schedule: ScheduleSettings,
  now: Date,
): Promise<Pick<TurnContext, 'freeSlots' | 'priceBook'>> {
  const busy = await busyIntervals(db, company.id, now, new Date(now.getTime() + (schedule.days_ahead + 2) * DAY_MS));
  const query = { timezone: company.timezone, schedule, now: now.getTime(), busy };
  const priceBook = await listPriceBookItems(db, company.id, { limit: 200, offset: 0 });
  return {
    freeSlots: { callback: freeSlots({ ...query, type: 'callback' }), onsite: freeSlots({ ...query, type: 'onsite' }) },
    priceBook: priceBook.rows.map((i) => ({ id: i.id, name: i.name, unit: i.unit, unitPrice: centsToNumber(i.unitPriceCents) })),
  };
}

/** The company's settings as an engine reads them. */
export const engineSettingsOf = (s: AgentSettings): TurnContext['settings'] => ({
  instructions: s.instructions,
  goals: s.goals,
  questions: s.rules.questions,
  weights: s.rules.weights,
  servicePostcodes: s.service_postcodes,
  handoffKeywords: s.handoff_keywords,
});

export const scheduleOf = (s: AgentSettings): ScheduleSettings => ({
  business_hours: s.business_hours,
  slot_minutes: s.slot_minutes,
  min_notice_minutes: s.min_notice_minutes,
  days_ahead: s.days_ahead,
  closed_dates: s.closed_dates,
});

type Skip = { result: string };

/**
 * One turn of the lead agent, as a job (issue 14): after the triggering transaction committed, one
 * turn at a time per lead (the job's group is the lead). It answers every inbound text that came after
 * the last turn's, all in one reply, so a turn that finds them answered already does nothing. The
 * engine (`rules`, or the model when the company chose `llm` and the platform has one) acts only
 * through the tool runner, whose side effects are keyed by the trigger: a turn retried after a crash
 * repeats none. A model that fails or runs out of its budget gets the holding reply and a hand-off.
 */
export function agentTurnJobHandler(deps: AgentTurnDeps): JobHandler {
  const { db, clock } = deps;

  async function skipReason(settings: AgentSettings, lead: LeadRow | undefined): Promise<Skip | null> {
    if (!lead) return { result: 'lead_gone' };
    if (!settings.enabled) return { result: 'agent_off' };
    if (!lead.aiEnabled) return { result: 'ai_disabled' };
    if (lead.agentPaused) return { result: 'agent_paused' };
    if (lead.smsOptedOut) return { result: 'opted_out' };
    if (!lead.phone) return { result: 'no_phone' };
    return null;
  }

  return {
    kind: AGENT_TURN_JOB,
    leaseMs: LEASE_MS,
    maxAttempts: MAX_ATTEMPTS,
    async handle(job) {
      const trigger = job.uniqueKey ?? job.id;
      const leadId = job.leadId!;
      const [company, settings, lead] = await Promise.all([
        findCompany(db, job.companyId),
        deps.agentSettings.get(job.companyId),
        findLead(db, job.companyId, leadId),
      ]);
      if (!company) return { result: 'company_gone' };
      const skip = await skipReason(settings, lead);
      if (skip || !lead) return skip ?? { result: 'lead_gone' };

      // What this turn answers: the texts after those the last turn answered.
      const last = await lastTurnOf(db, company.id, leadId, trigger);
      const after = last?.through ?? null;
      const fresh = await inboundAfter(db, company.id, leadId, after);
      if (last && fresh.length === 0) return { result: 'answered_already' };

      // Quiet hours hold back what we start, never an answer to someone who just contacted us: a turn
      // that comes to run more than an hour after the lead's last word waits for the morning.
      const contacted = Math.max(lead.createdAt.getTime(), fresh.at(-1)?.at.getTime() ?? 0);
      if (clock.now() - contacted > ANSWER_WINDOW_MS) {
        const until = quietUntil(clock.now(), company.timezone, company.quietHours ?? null);
        if (until !== null) throw new RunLater(new Date(until), 'quiet hours');
      }

      const agentTexts = await agentTextsTo(db, company.id, leadId);
      const now = new Date(clock.now());
      const schedule = scheduleOf(settings);
      const scope: TurnScope = {
        companyId: company.id,
        companyName: company.name,
        timezone: company.timezone,
        ownNumbers: [company.twilioNumber].filter((n): n is string => Boolean(n)),
        country: company.country,
        quoteLinkPrefix: `${deps.config.publicUrl}/q/`,
        leadId,
        trigger,
        goals: settings.goals,
        schedule,
      };
      const runner = createToolRunner(deps, scope);
      const record = async (o: { engine: 'rules' | 'llm'; outcome: string; promptTokens?: number; completionTokens?: number; transcript?: unknown[] }) => {
        const values = {
          companyId: company.id,
          leadId,
          trigger,
          engine: o.engine,
          outcome: o.outcome,
          through: fresh.at(-1)?.at ?? after,
          promptTokens: o.promptTokens ?? 0,
          completionTokens: o.completionTokens ?? 0,
          transcript: o.transcript ?? runner.effects.calls,
          createdAt: now,
        };
        await recordTurn(db, values);
      };

      if (agentTexts >= settings.max_agent_messages_per_lead) {
        await runner.run({ tool: 'hand_off', args: { reason: `The agent sent its ${settings.max_agent_messages_per_lead} messages to this lead` } });
        await record({ engine: settings.engine, outcome: 'message_limit' });
        return { result: 'message_limit' };
      }

      // The thread before this turn's texts (they go in as `inbound`), the latest 30.
      const thread = await threadBefore(db, company.id, leadId, fresh[0]?.at ?? null, THREAD_MESSAGES);
      const offer = await whatTheAgentOffers(db, company, schedule, now);
      const ctx: TurnContext = {
        company: { name: company.name, timezone: company.timezone, phone: company.twilioNumber },
        settings: engineSettingsOf(settings),
        lead: {
          id: lead.id,
          name: lead.name,
          firstName: lead.firstName,
          phone: lead.phone,
          postcode: lead.postcode,
          serviceType: lead.serviceType,
          notes: lead.notes,
          qualification: lead.qualification,
        },
        thread,
        inbound: fresh.map((m) => m.body),
        ...offer,
        now,
      };

      if (settings.engine === 'llm' && deps.llm) {
        const budget = deps.config.aiDailyTokensPerCompany;
        const spent = budget ? await tokensUsedToday(db, company.id, company.timezone, now) : 0;
        if (budget && spent >= budget) {
          await holdAndHandOff(runner, lead, company.name, 'The daily AI budget is spent');
          await record({ engine: 'llm', outcome: 'budget_spent' });
          return { result: 'budget_spent' };
        }
        const turn = await deps.llm.runTurn(ctx, runner.run);
        if (turn.outcome !== 'done') await holdAndHandOff(runner, lead, company.name, `The model did not answer (${turn.outcome}${turn.error ? `: ${turn.error}` : ''})`);
        await record({
          engine: 'llm',
          outcome: turn.outcome,
          promptTokens: turn.usage.promptTokens,
          completionTokens: turn.usage.completionTokens,
          transcript: turn.transcript,
        });
        return { result: turn.outcome, replies: runner.effects.replies, tokens: turn.usage.totalTokens };
      }

      const turn = await runRulesTurn(ctx, runner.run);
      await db.transaction(async (tx) => {
        const current = await findLead(tx, company.id, leadId, { lock: true });
        if (current) await deps.leads.applyLeadChange(tx, company.id, current, { qualification: turn.qualification }, AGENT_ACTOR);
      });
      await record({ engine: 'rules', outcome: turn.outcome });
      return { result: turn.outcome, replies: runner.effects.replies, booked: runner.effects.booked };
    },
  };
}

async function holdAndHandOff(runner: ReturnType<typeof createToolRunner>, lead: LeadRow, companyName: string, reason: string) {
  if (runner.effects.replies === 0) await runner.run({ tool: 'send_reply', args: { text: holdingReply(lead.firstName, lead.name, companyName) } });
  await runner.run({ tool: 'hand_off', args: { reason } });
}
