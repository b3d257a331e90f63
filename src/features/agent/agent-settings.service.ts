import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { foreignKeyViolation } from '../../db/errors.js';
import { validationErrorOf } from '../../http/errors.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { findCompany } from '../companies/companies.repo.js';
import { findAgentSettings, lockAgentSettings, updateAgentSettings, type AgentSettingsRow, type AgentSettingsValues } from './agent-settings.repo.js';
import {
  agentSettingsPatch,
  DEFAULT_AGENT_SETTINGS,
  type AgentSettings,
  type AgentSettingsPatch,
  type AgentSettingsView,
} from './agent-settings.schemas.js';

const LLM_UNAVAILABLE = "'engine' must be rules: the llm engine needs a model configured for the platform (AI_BASE_URL)";

function settingsOf(row: AgentSettingsRow): AgentSettings {
  return {
    enabled: row.enabled,
    engine: row.engine,
    instructions: row.instructions,
    goals: row.goals as AgentSettings['goals'],
    rules: row.rules as AgentSettings['rules'],
    service_postcodes: row.servicePostcodes,
    max_agent_messages_per_lead: row.maxAgentMessagesPerLead,
    handoff_keywords: row.handoffKeywords,
    business_hours: row.businessHours as AgentSettings['business_hours'],
    slot_minutes: row.slotMinutes,
    min_notice_minutes: row.minNoticeMinutes,
    days_ahead: row.daysAhead,
    closed_dates: row.closedDates,
  };
}

function valuesOf(s: AgentSettings): AgentSettingsValues {
  return {
    enabled: s.enabled,
    engine: s.engine,
    instructions: s.instructions,
    goals: s.goals,
    rules: s.rules,
    servicePostcodes: s.service_postcodes,
    maxAgentMessagesPerLead: s.max_agent_messages_per_lead,
    handoffKeywords: s.handoff_keywords,
    businessHours: s.business_hours,
    slotMinutes: s.slot_minutes,
    minNoticeMinutes: s.min_notice_minutes,
    daysAhead: s.days_ahead,
    closedDates: s.closed_dates,
  };
}

/** `patch` over `current`: fields replaced whole, but for the days of business_hours and the types of slot_minutes. */
function merged(current: AgentSettings, patch: AgentSettingsPatch): AgentSettings {
  const { business_hours, slot_minutes, ...whole } = patch;
  const defined = Object.fromEntries(Object.entries(whole).filter(([, v]) => v !== undefined));
  return {
    ...current,
    ...defined,
    business_hours: { ...current.business_hours, ...business_hours },
    slot_minutes: { ...current.slot_minutes, ...slot_minutes },
  };
}

/**
 * The lead agent's settings per company: read by the agent (`get`), shown and changed by
 * GET/PATCH /v1/agent and `quoteleads agent show|update`. A company that never changed them reads
 * DEFAULT_AGENT_SETTINGS (agent-settings.schemas.ts); the first change writes its row.
 */
export function createAgentSettings(deps: { db: Db; clock: Clock; config: Pick<Config, 'aiBaseUrl'> }) {
  const { db, clock, config } = deps;
  const llmAvailable = config.aiBaseUrl !== undefined;

  const viewOf = (settings: AgentSettings, row: AgentSettingsRow | undefined): AgentSettingsView => ({
    ...settings,
    llm_available: llmAvailable,
    updated_at: row ? row.updatedAt.toISOString() : null,
  });

  /** The settings the agent acts on (the defaults until the company changes them). */
  async function get(companyId: string): Promise<AgentSettings> {
    const row = isUuid(companyId) ? await findAgentSettings(db, companyId) : undefined;
    return row ? settingsOf(row) : structuredClone(DEFAULT_AGENT_SETTINGS);
  }

  /** The settings as GET /v1/agent answers them; a company that does not exist is a 404. */
  async function show(companyId: string): Promise<AgentSettingsView> {
    if (!isUuid(companyId)) throw new NotFoundError(`Company not found: ${companyId}`);
    const row = await findAgentSettings(db, companyId);
    if (row) return viewOf(settingsOf(row), row);
    if (!(await findCompany(db, companyId))) throw new NotFoundError(`Company not found: ${companyId}`);
    return viewOf(structuredClone(DEFAULT_AGENT_SETTINGS), undefined);
  }

  /** Changes the fields in `input` (checked here, whoever sends it: a route or the command line). */
  async function update(companyId: string, input: unknown): Promise<AgentSettingsView> {
    const parsed = agentSettingsPatch.safeParse(input ?? {});
    if (!parsed.success) throw validationErrorOf(parsed.error);
    const patch = parsed.data;
    if (Object.values(patch).every((v) => v === undefined)) throw new ValidationError('No valid fields to update');
    if (patch.engine === 'llm' && !llmAvailable) throw new ValidationError(LLM_UNAVAILABLE, [{ field: 'engine', message: LLM_UNAVAILABLE.slice(9) }]);
    if (!isUuid(companyId)) throw new NotFoundError(`Company not found: ${companyId}`);
    const at = new Date(clock.now());
    try {
      const row = await db.transaction(async (tx) => {
        const current = await lockAgentSettings(tx, companyId, valuesOf(DEFAULT_AGENT_SETTINGS), at);
        return updateAgentSettings(tx, companyId, valuesOf(merged(settingsOf(current), patch)), at);
      });
      return viewOf(settingsOf(row), row);
    } catch (err) {
      if (foreignKeyViolation(err)) throw new NotFoundError(`Company not found: ${companyId}`);
      throw err;
    }
  }

  return { get, show, update };
}

export type AgentSettingsService = ReturnType<typeof createAgentSettings>;
