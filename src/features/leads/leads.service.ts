import { randomUUID } from 'node:crypto';
import type { SQLWrapper } from 'drizzle-orm';
import { writeKept, type AnswerKeeper } from '../../db/answer-keeper.js';
import type { Db } from '../../db/client.js';
import { actorOf, type Actor, type Principal, type Tenant } from '../../auth/principal.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { uniqueViolation } from '../../db/errors.js';
import { isUuid } from '../../lib/ids.js';
import { normalizePhone } from '../../lib/phone.js';
import { recordEvent, recordLeadsCreated } from '../events/events.js';
import type { CreateLeadInput, Lead, ListLeadsQuery, UpdateLeadInput } from './leads.schemas.js';
import {
  findLead,
  insertLeadWith,
  insertLeadRows,
  isNumberOptedOut,
  newLeadRow,
  listLeadPage,
  updateLeadRow,
  deleteLeadRow,
  type LeadInsert,
  type LeadRow,
} from './leads.repo.js';
import { eraseEventsOfLead, lockQuotesOfLead } from './lead-erasure.repo.js';

export function leadView(row: LeadRow): Lead {
  return {
    id: row.id,
    name: row.name,
    first_name: row.firstName,
    last_name: row.lastName,
    email: row.email,
    phone: row.phone,
    pipeline_stage: row.pipelineStage,
    ai_status: row.aiStatus,
    ai_score: row.aiScore,
    ai_summary: row.aiSummary,
    ai_enabled: row.aiEnabled,
    ai_score_reason: row.aiScoreReason,
    qualification: row.qualification,
    agent_paused: row.agentPaused,
    agent_paused_reason: row.agentPausedReason,
    source: row.source,
    service_type: row.serviceType,
    notes: row.notes,
    address: row.address,
    postcode: row.postcode,
    value: row.value === null ? null : Number(row.value),
    custom_data: row.customData,
    metadata: row.metadata,
    sms_opted_out: row.smsOptedOut,
    external_id: row.externalId,
    attribution: row.attribution,
    auto_text_held: row.autoTextHeld,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/**
 * "Take over" and "Hand back": a person takes the lead from the agent (with who did, as the reason),
 * or hands it back, and the agent goes on where it stopped (a script it had handed off resumes).
 */
function agentHandover(current: LeadRow, paused: boolean, principal: Principal): Partial<LeadInsert> {
  if (paused) return { agentPausedReason: `Taken over by ${actorOf(principal).name ?? 'a person'}` };
  const q = current.qualification;
  return { agentPausedReason: null, ...(q.stage === 'handed_off' && { qualification: { ...q, stage: 'asking', handoff_reason: undefined } }) };
}

export const derivedName = (first: string | null | undefined, last: string | null | undefined) =>
  [first, last].filter(Boolean).join(' ') || null;

function phoneOf(input: string | null | undefined, country: string): string | null | undefined {
  if (input === undefined || input === null) return input;
  const phone = normalizePhone(input, country);
  if (!phone) throw new ValidationError(`'phone' is not a valid phone number: ${input}`, [{ field: 'phone', message: 'not a valid phone number' }]);
  return phone;
}

/** API field names → columns, for the fields a client may write. */
export function columnsOf(input: UpdateLeadInput, country: string): Partial<LeadInsert> {
  const c: Partial<LeadInsert> = {};
  if (input.name !== undefined) c.name = input.name;
  if (input.first_name !== undefined) c.firstName = input.first_name;
  if (input.last_name !== undefined) c.lastName = input.last_name;
  if (input.email !== undefined) c.email = input.email;
  if (input.phone !== undefined) c.phone = phoneOf(input.phone, country);
  if (input.pipeline_stage !== undefined) c.pipelineStage = input.pipeline_stage;
  if (input.source !== undefined) c.source = input.source;
  if (input.service_type !== undefined) c.serviceType = input.service_type;
  if (input.notes !== undefined) c.notes = input.notes;
  if (input.address !== undefined) c.address = input.address;
  if (input.postcode !== undefined) c.postcode = input.postcode;
  if (input.value !== undefined) c.value = input.value === null ? null : input.value.toFixed(2);
  if (input.custom_data !== undefined) c.customData = input.custom_data;
  if (input.metadata !== undefined) c.metadata = input.metadata;
  if (input.ai_enabled !== undefined) c.aiEnabled = input.ai_enabled;
  if (input.agent_paused !== undefined) c.agentPaused = input.agent_paused;
  if (input.external_id !== undefined) c.externalId = input.external_id;
  return c;
}

const UNCHANGING = new Set(['id', 'created_at', 'updated_at']);

function changedFields(before: Lead, after: Lead): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(before) as (keyof Lead)[]) {
    if (UNCHANGING.has(key)) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
  }
  return previous;
}

/** The one unique field a client writes: another lead of the company with that external_id is a 409 naming it. */
export async function externalIdUnique<T>(externalId: string | null | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (externalId && uniqueViolation(err)) throw new ConflictError(`'external_id' ${externalId} is already used by another lead`);
    throw err;
  }
}

/** A change to a lead, in columns; `smsOptedOut` is the opt-out state of its number (sms feature). */
export type LeadChange = Partial<LeadInsert>;

/**
 * The one writer of leads (STYLE 9): every creation and change, whoever asks (API, dashboard, inbound
 * SMS, command line, the agent, follow-ups, intake), goes through `createLead` and `applyLeadChange`,
 * inside the caller's transaction, with who made it. They record the events, so a rule added here
 * holds for every path.
 */
export function createLeads(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  const now = () => new Date(clock.now());

  /**
   * Creates a lead and records lead.created. A lead whose number the company has opted out of SMS
   * starts opted out. `o.phoneAsGiven` keeps a sender that is no phone number (an alphanumeric
   * sender id of an inbound text) as it is, where the API would refuse it; `o.id` is the new lead's id
   * when the caller needs it first (its actor may be the lead itself).
   */
  async function createLead(
    tx: Db,
    tenant: Tenant,
    input: Partial<CreateLeadInput>,
    actor: Actor,
    o: { id?: string; phoneAsGiven?: string } = {},
  ): Promise<Lead> {
    const values = columnsOf(input as UpdateLeadInput, tenant.country);
    if (o.phoneAsGiven !== undefined) values.phone = o.phoneAsGiven;
    values.name ??= derivedName(values.firstName, values.lastName);
    if (!values.name && !values.phone) {
      throw new ValidationError("At least a 'name' (or 'first_name'/'last_name') or a 'phone' is required", [
        { field: 'name', message: 'name or phone is required' },
      ]);
    }
    const at = now();
    const row = newLeadRow({ ...values, id: o.id ?? randomUUID(), companyId: tenant.companyId, createdAt: at, updatedAt: at });
    // The opt-out state is read inside the one statement that writes the lead and its event.
    const optedOut = await externalIdUnique(row.externalId, () =>
      insertLeadWith(tx, row, (optedOutSql) => recordEvent(tx, tenant.companyId, 'lead.created', optedOutSql(leadView(row)), actor)),
    );
    return leadView({ ...row, smsOptedOut: optedOut });
  }

  /**
   * Creates whole new rows (newLeadRow, validated by the caller), lead.created for each, and the
   * statements `alongside` (the caller's rows about them) in one statement: a batch of leads costs
   * one round trip, as one lead does.
   */
  async function createLeadRows(tx: Db, companyId: string, rows: LeadRow[], actor: Actor, alongside: SQLWrapper[] = []): Promise<Lead[]> {
    if (rows.length === 0) return [];
    const views = rows.map((r) => leadView(r));
    const optedOut = await externalIdUnique(rows.find((r) => r.externalId)?.externalId, () =>
      insertLeadRows(tx, rows, [recordLeadsCreated(companyId, views, actor), ...alongside]),
    );
    return views.map((lead) => ({ ...lead, sms_opted_out: optedOut.get(lead.id) ?? false }));
  }

  /**
   * Writes a change to a lead the caller has locked, and records what PATCH records: lead.updated with
   * the previous values of what changed, and sale.completed on entering closed_won (with `saleExtra`,
   * e.g. the quote whose acceptance closed it). Nothing is written when nothing changes. A new phone
   * takes that number's opt-out state.
   */
  async function applyLeadChange(
    tx: Db,
    companyId: string,
    current: LeadRow,
    change: LeadChange,
    actor: Actor,
    o: { saleExtra?: Record<string, unknown> } = {},
  ): Promise<Lead> {
    const patch = { ...change };
    if (patch.phone !== undefined && patch.phone !== current.phone) {
      patch.smsOptedOut = patch.phone !== null && (await isNumberOptedOut(tx, companyId, patch.phone));
    }
    const before = leadView(current);
    const previous = changedFields(before, leadView({ ...current, ...patch } as LeadRow));
    if (Object.keys(previous).length === 0) return before;
    const row = await externalIdUnique(patch.externalId, () => updateLeadRow(tx, companyId, current.id, { ...patch, updatedAt: now() }));
    if (!row) throw new NotFoundError('Lead not found');
    const lead = leadView(row);
    await recordEvent(tx, companyId, 'lead.updated', lead, actor, previous);
    if (lead.pipeline_stage === 'closed_won' && before.pipeline_stage !== 'closed_won') {
      await recordEvent(tx, companyId, 'sale.completed', { ...lead, ...o.saleExtra }, actor);
    }
    return lead;
  }

  async function list(tenant: Tenant, query: ListLeadsQuery, page: { limit: number; offset: number }) {
    const filters = { stage: query.stage, aiStatus: query.ai_status, search: query.search || undefined };
    const { rows, total } = await listLeadPage(db, tenant.companyId, filters, page);
    return { data: rows.map(leadView), total };
  }

  async function get(tenant: Tenant, leadId: string): Promise<Lead> {
    const row = isUuid(leadId) ? await findLead(db, tenant.companyId, leadId) : undefined;
    if (!row) throw new NotFoundError('Lead not found');
    return leadView(row);
  }

  /**
   * POST /v1/leads: one statement, no transaction round trips (see insertLeadWith); with an
   * Idempotency-Key, a transaction that keeps the answer with the lead.
   */
  function create(principal: Principal, input: CreateLeadInput, keeper?: AnswerKeeper<Lead>): Promise<Lead> {
    return writeKept(db, keeper, (tx) => createLead(tx, principal, input, actorOf(principal)));
  }

  async function update(principal: Principal, leadId: string, input: UpdateLeadInput): Promise<Lead> {
    const patch = columnsOf(input, principal.country);
    if (Object.keys(patch).length === 0) throw new ValidationError('No valid fields to update');
    if (!isUuid(leadId)) throw new NotFoundError('Lead not found');

    return db.transaction(async (tx) => {
      // Locked so that two concurrent PATCHes compute their `previous` values in turn.
      const current = await findLead(tx, principal.companyId, leadId, { lock: true });
      if (!current) throw new NotFoundError('Lead not found');
      // A name that was only derived follows its parts; a name someone typed stays.
      if (patch.name === undefined && ('firstName' in patch || 'lastName' in patch)) {
        if (current.name === null || current.name === derivedName(current.firstName, current.lastName)) {
          patch.name = derivedName(patch.firstName ?? current.firstName, patch.lastName ?? current.lastName);
        }
      }
      if (patch.agentPaused !== undefined && patch.agentPaused !== current.agentPaused) Object.assign(patch, agentHandover(current, patch.agentPaused, principal));
      const candidate = leadView({ ...current, ...patch } as LeadRow);
      if (!candidate.name && !candidate.phone && Object.keys(changedFields(leadView(current), candidate)).length) {
        throw new ValidationError("A lead needs a 'name' or a 'phone'; this change would remove both");
      }
      return applyLeadChange(tx, principal.companyId, current, patch, actorOf(principal));
    });
  }

  /**
   * Erases a lead with everything about them (privacy requests): its quotes, appointments, messages
   * and jobs go by ON DELETE CASCADE, lead_counters follow by trigger, and the outbox and webhook
   * log lose every event about them (lead-erasure.repo.ts). The lead.deleted event carries the id only.
   */
  async function erase(principal: Principal, leadId: string): Promise<void> {
    if (!isUuid(leadId)) throw new NotFoundError('Lead not found');
    await db.transaction(async (tx) => {
      // Quotes first, then the lead: the order in which accepting a quote takes them, so the two never deadlock.
      await lockQuotesOfLead(tx, principal.companyId, leadId);
      const deleted = await deleteLeadRow(tx, principal.companyId, leadId);
      if (!deleted) throw new NotFoundError('Lead not found');
      await eraseEventsOfLead(tx, principal.companyId, leadId, now());
      await recordEvent(tx, principal.companyId, 'lead.deleted', { id: leadId }, actorOf(principal));
    });
  }

  return { createLead, createLeadRows, applyLeadChange, list, get, create, update, erase };
}

export type LeadsService = ReturnType<typeof createLeads>;
