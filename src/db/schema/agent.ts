import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { companies, companyRef, leadRef } from './core.js';

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export type AgentQuestion = { key: string; ask: string; kind: string; choices?: string[] };
export type AgentRules = { questions: AgentQuestion[]; weights: Record<string, number> };

/**
 * The lead agent's settings, one row per company, written by the first change. No column has a
 * default here: a company without a row reads the defaults of agent-settings.schemas.ts, and a
 * change writes every field, so the defaults live in one place.
 */
export const agentSettings = pgTable('agent_settings', {
  companyId: uuid('company_id')
    .primaryKey()
    .references(() => companies.id, { onDelete: 'cascade' }),
  enabled: boolean('enabled').notNull(),
  engine: text('engine', { enum: ['rules', 'llm'] }).notNull(),
  instructions: text('instructions').notNull(),
  goals: text('goals').array().notNull(),
  rules: jsonb('rules').$type<AgentRules>().notNull(),
  servicePostcodes: text('service_postcodes').array().notNull(),
  maxAgentMessagesPerLead: integer('max_agent_messages_per_lead').notNull(),
  handoffKeywords: text('handoff_keywords').array().notNull(),
  // {"mon": [["08:00", "17:00"]], …, "sun": []} in the company's timezone.
  businessHours: jsonb('business_hours').$type<Record<string, [string, string][]>>().notNull(),
  slotMinutes: jsonb('slot_minutes').$type<{ callback: number; onsite: number }>().notNull(),
  minNoticeMinutes: integer('min_notice_minutes').notNull(),
  daysAhead: integer('days_ahead').notNull(),
  // YYYY-MM-DD in the company's timezone: public holidays, leave.
  closedDates: text('closed_dates').array().notNull(),
  createdAt: at('created_at').notNull(),
  updatedAt: at('updated_at').notNull(),
});

/**
 * One turn of the agent for a lead: what triggered it (the job's unique key: the new lead, or an
 * inbound message), the engine, how it ended, the tokens a model used, and the transcript of what was
 * sent to the model and what came back (kept 30 days, erased with the lead). `through` is the newest
 * inbound message the turn answered: the next turn answers what came after it.
 */
export const agentTurns = pgTable(
  'agent_turns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: companyRef(),
    leadId: leadRef(),
    trigger: text('trigger').notNull(),
    engine: text('engine', { enum: ['rules', 'llm'] }).notNull(),
    outcome: text('outcome').notNull(),
    through: at('through'),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    transcript: jsonb('transcript').$type<unknown[]>().notNull().default([]),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('agent_turns_trigger_idx').on(t.companyId, t.trigger),
    index('agent_turns_lead_idx').on(t.leadId, t.createdAt),
    index('agent_turns_company_created_idx').on(t.companyId, t.createdAt),
  ],
);
