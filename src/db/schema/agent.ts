import { boolean, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { companies } from './core.js';

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
