import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { normalizePhone } from '../../lib/phone.js';
import { recordEvent } from '../events/events.js';
import type { Principal } from '../../auth/principal.js';
import { offsetOf, type Page } from '../../http/pagination.js';
import { lockQuotesOfLead } from '../quotes/quotes.repo.js';
import type { CreateLeadInput, Lead, ListLeadsQuery, UpdateLeadInput } from './leads.schemas.js';
import {
  findLead,
  insertLeadWith,
  newLeadRow,
  listLeadPage,
  updateLeadRow,
  deleteLeadRow,
  type LeadInsert,
  type LeadRow,
} from './leads.repo.js';

type Tenant = Pick<Principal, 'companyId' | 'country'>;

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
    source: row.source,
    service_type: row.serviceType,
    notes: row.notes,
    address: row.address,
    postcode: row.postcode,
    value: row.value === null ? null : Number(row.value),
    custom_data: row.customData,
    metadata: row.metadata,
    sms_opted_out: row.smsOptedOut,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const derivedName = (first: string | null | undefined, last: string | null | undefined) =>
  [first, last].filter(Boolean).join(' ') || null;

function phoneOf(input: string | null | undefined, country: string): string | null | undefined {
  if (input === undefined || input === null) return input;
  const phone = normalizePhone(input, country);
  if (!phone) throw new ValidationError(`'phone' is not a valid phone number: ${input}`, [{ field: 'phone', message: 'not a valid phone number' }]);
  return phone;
}

/** API field names → columns, for the fields a client may write. */
function columnsOf(input: UpdateLeadInput, country: string): Partial<LeadInsert> {
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
  return c;
}

export async function listLeads(db: Db, tenant: Tenant, query: ListLeadsQuery & Page) {
  const filters = { stage: query.stage, aiStatus: query.ai_status, search: query.search || undefined };
  const { rows, total } = await listLeadPage(db, tenant.companyId, filters, { limit: query.per_page, offset: offsetOf(query) });
  return { data: rows.map(leadView), meta: { page: query.page, per_page: query.per_page, total } };
}

export async function getLead(db: Db, tenant: Tenant, leadId: string): Promise<Lead> {
  const row = isUuid(leadId) ? await findLead(db, tenant.companyId, leadId) : undefined;
  if (!row) throw new NotFoundError('Lead not found');
  return leadView(row);
}

export async function createLead(db: Db, tenant: Tenant, input: CreateLeadInput): Promise<Lead> {
  const values = columnsOf(input, tenant.country);
  values.name ??= derivedName(values.firstName, values.lastName);
  if (!values.name && !values.phone) {
    throw new ValidationError("At least a 'name' (or 'first_name'/'last_name') or a 'phone' is required", [
      { field: 'name', message: 'name or phone is required' },
    ]);
  }
  const now = new Date();
  const row = newLeadRow({ ...values, id: randomUUID(), companyId: tenant.companyId, createdAt: now, updatedAt: now });
  const lead = leadView(row);
  await insertLeadWith(db, row, recordEvent(db, tenant.companyId, 'lead.created', lead));
  return lead;
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

export async function updateLead(db: Db, tenant: Tenant, leadId: string, input: UpdateLeadInput): Promise<Lead> {
  const patch = columnsOf(input, tenant.country);
  if (Object.keys(patch).length === 0) throw new ValidationError('No valid fields to update');
  if (!isUuid(leadId)) throw new NotFoundError('Lead not found');

  return db.transaction(async (tx) => {
    // Locked so that two concurrent PATCHes compute their `previous` values in turn.
    const current = await findLead(tx, tenant.companyId, leadId, { lock: true });
    if (!current) throw new NotFoundError('Lead not found');
    // A name that was only derived follows its parts; a name someone typed stays.
    if (patch.name === undefined && ('firstName' in patch || 'lastName' in patch)) {
      if (current.name === null || current.name === derivedName(current.firstName, current.lastName)) {
        patch.name = derivedName(patch.firstName ?? current.firstName, patch.lastName ?? current.lastName);
      }
    }
    const candidate = leadView({ ...current, ...patch } as LeadRow);
    if (!candidate.name && !candidate.phone && Object.keys(changedFields(leadView(current), candidate)).length) {
      throw new ValidationError("A lead needs a 'name' or a 'phone'; this change would remove both");
    }
    return applyLeadChange(tx, tenant.companyId, current, patch);
  });
}

/**
 * Writes a change to a lead the caller has locked, and records what PATCH records: lead.updated with
 * the previous values of what changed, and sale.completed on entering closed_won (with `saleExtra`,
 * e.g. the quote whose acceptance closed it). Nothing is written when nothing changes.
 */
export async function applyLeadChange(
  tx: Db,
  companyId: string,
  current: LeadRow,
  patch: Partial<LeadInsert>,
  o: { saleExtra?: Record<string, unknown>; now?: Date } = {},
): Promise<Lead> {
  const before = leadView(current);
  const previous = changedFields(before, leadView({ ...current, ...patch } as LeadRow));
  if (Object.keys(previous).length === 0) return before;
  const row = await updateLeadRow(tx, companyId, current.id, { ...patch, updatedAt: o.now ?? new Date() });
  if (!row) throw new NotFoundError('Lead not found');
  const lead = leadView(row);
  await recordEvent(tx, companyId, 'lead.updated', lead, previous);
  if (lead.pipeline_stage === 'closed_won' && before.pipeline_stage !== 'closed_won') {
    await recordEvent(tx, companyId, 'sale.completed', { ...lead, ...o.saleExtra });
  }
  return lead;
}

/**
 * Erases a lead with everything about them (privacy requests): its quotes, appointments and messages
 * go by ON DELETE CASCADE, and lead_counters follow by trigger. The event carries the id only.
 */
export async function deleteLead(db: Db, tenant: Tenant, leadId: string): Promise<void> {
  if (!isUuid(leadId)) throw new NotFoundError('Lead not found');
  await db.transaction(async (tx) => {
    // Quotes first, then the lead: the order in which accepting a quote takes them, so the two never deadlock.
    await lockQuotesOfLead(tx, tenant.companyId, leadId);
    const deleted = await deleteLeadRow(tx, tenant.companyId, leadId);
    if (!deleted) throw new NotFoundError('Lead not found');
    await recordEvent(tx, tenant.companyId, 'lead.deleted', { id: leadId });
  });
}
