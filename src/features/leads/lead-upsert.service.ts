import { randomUUID } from 'node:crypto';
import { writeKept, type AnswerKeeper } from '../../db/answer-keeper.js';
import type { Db } from '../../db/client.js';
import type { DedupeSettings, SubmissionChannel } from '../../db/schema/index.js';
import { actorOf, type Actor, type Principal, type Tenant } from '../../auth/principal.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { findLead, newLeadRow, type LeadInsert, type LeadRow } from './leads.repo.js';
import { columnsOf, derivedName, type LeadsService } from './leads.service.js';
import {
  dedupeSettingsOf,
  findCandidates,
  insertSubmissions,
  submissionsInsert,
  listSubmissionPage,
  lockPersonKeys,
  personKeys,
  type SubmissionInsert,
  type SubmissionRow,
} from './lead-upsert.repo.js';
import { upsertLeadBody, type BatchItemResult, type Lead, type Submission, type UpsertLeadInput } from './leads.schemas.js';

export type MatchedBy = 'external_id' | 'phone' | 'email';

/** One arrival: the lead's fields as the API spells them, and the fields as they were sent. */
export type Arrival = { input: UpsertLeadInput; raw: Record<string, unknown> };

export type ArrivalOutcome =
  | { ok: true; lead: Lead; created: boolean; matchedBy: MatchedBy | null }
  | { ok: false; error: string; field: string | null };

type Target = { row: LeadRow; original: LeadRow | null; lastSeenAt: number };

const ROLLED_BACK = new Error('rehearsal rolled back');
const IMPORT_HOLD = {
  async beforeCreate(rows: LeadRow[]) {
    for (const row of rows) row.autoTextHeld = 'import';
  },
};
const CLOSED = new Set(['closed_won', 'closed_lost']);
const DAY_MS = 86_400_000;
// The lead fields an arrival may fill on a lead it is recorded on; it never overwrites one.
const FILLABLE = ['name', 'firstName', 'lastName', 'email', 'phone', 'source', 'serviceType', 'notes', 'address', 'postcode', 'value', 'externalId'] as const;

const itemError = (err: unknown): ArrivalOutcome => {
  if (err instanceof AppError && err.status < 500) {
    const field = err instanceof ValidationError ? (err.details?.[0]?.field ?? null) : null;
    return { ok: false, error: err.message, field };
  }
  throw err;
};

/** A lead arriving with a field the lead lacks fills it; custom data and metadata gain the keys they lack. */
function filled(row: LeadRow, values: Partial<LeadInsert>, attribution: Record<string, string> | null): LeadRow {
  const next: LeadRow = { ...row };
  const into = next as unknown as Record<string, unknown>;
  for (const key of FILLABLE) {
    const given = (values as Record<string, unknown>)[key];
    if (given !== undefined && given !== null && (into[key] === null || into[key] === undefined)) into[key] = given;
  }
  if (values.customData) next.customData = { ...values.customData, ...row.customData };
  if (values.metadata) next.metadata = { ...values.metadata, ...row.metadata };
  next.attribution ??= attribution;
  next.name ??= derivedName(next.firstName, next.lastName);
  return next;
}

/** The integration's own record (matched by external_id): what it sends is the truth, as a PATCH. */
function overwritten(row: LeadRow, values: Partial<LeadInsert>, attribution: Record<string, string> | null): LeadRow {
  const next = { ...row, ...values } as LeadRow;
  if (values.name === undefined && ('firstName' in values || 'lastName' in values)) {
    if (row.name === null || row.name === derivedName(row.firstName, row.lastName)) next.name = derivedName(next.firstName, next.lastName);
  }
  next.attribution ??= attribution;
  return next;
}

function changeOf(original: LeadRow, row: LeadRow): Partial<LeadInsert> {
  const change: Record<string, unknown> = {};
  for (const key of Object.keys(row) as (keyof LeadRow)[]) {
    if (JSON.stringify(row[key]) !== JSON.stringify(original[key])) change[key] = row[key];
  }
  return change as Partial<LeadInsert>;
}

/**
 * One lead per person (issue 16): intake, upsert, batch and import record an arrival on the lead it
 * already is (the same external_id, always; else, with dedupe on, the phone or else the email of a
 * lead that is not closed and was last seen within the window) or create one. Each arrival is kept as
 * a submission. A batch is resolved in memory after one locking read, so its cost is a handful of
 * statements, not a handful per lead.
 */
export function createLeadUpserts(deps: { db: Db; clock: Clock; leads: LeadsService }) {
  const { db, clock, leads } = deps;

  /** Inside the caller's transaction: the outcome of each arrival, in order; a bad one fails alone. */
  async function recordArrivals(
    tx: Db,
    tenant: Tenant,
    arrivals: (Arrival | { error: string; field: string | null })[],
    actor: Actor,
    channel: SubmissionChannel,
    o: {
      dedupe?: DedupeSettings;
      /** The web form the arrivals came through (intake). */
      formId?: string;
      /** Just before new leads are written: may hold back their automatic first text (intake's limits). */
      beforeCreate?: (rows: LeadRow[]) => Promise<void>;
    } = {},
  ): Promise<ArrivalOutcome[]> {
    const { companyId } = tenant;
    const at = new Date(clock.now());
    const prepared = arrivals.map((a) => {
      if ('error' in a) return { ok: false as const, error: a.error, field: a.field };
      try {
        return { ok: true as const, arrival: a, values: columnsOf(a.input, tenant.country) };
      } catch (err) {
        return itemError(err) as { ok: false; error: string; field: string | null };
      }
    });
    const keys = { externalIds: new Set<string>(), phones: new Set<string>(), emails: new Set<string>() };
    for (const p of prepared) {
      if (!p.ok) continue;
      if (p.values.externalId) keys.externalIds.add(p.values.externalId);
      if (p.values.phone) keys.phones.add(p.values.phone);
      if (p.values.email) keys.emails.add(p.values.email);
    }
    const k = { externalIds: [...keys.externalIds], phones: [...keys.phones], emails: [...keys.emails] };
    await lockPersonKeys(tx, companyId, personKeys(companyId, k));
    const dedupe = o.dedupe ?? (await dedupeSettingsOf(tx, companyId));
    const candidates = await findCandidates(tx, companyId, k);

    const byExternalId = new Map<string, Target>();
    const byPhone = new Map<string, Target>();
    const byEmail = new Map<string, Target>();
    const since = at.getTime() - dedupe.window_days * DAY_MS;
    const index = (t: Target) => {
      if (t.row.externalId) byExternalId.set(t.row.externalId, t);
      if (!dedupe.enabled || CLOSED.has(t.row.pipelineStage) || t.lastSeenAt < since) return;
      if (t.row.phone) byPhone.set(t.row.phone, t);
      if (t.row.email) byEmail.set(t.row.email, t);
    };
    // Least recently updated first, so that of several leads with one phone the latest is indexed last and wins.
    candidates.sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
    for (const c of candidates) {
      const { lastSeenAt, ...row } = c;
      index({ row, original: row, lastSeenAt: lastSeenAt.getTime() });
    }

    const created: Target[] = [];
    const touched = new Set<Target>();
    const resolved: ({ target: Target; matchedBy: MatchedBy | null; arrival: Arrival } | ArrivalOutcome)[] = prepared.map((p) => {
      if (!p.ok) return p;
      const { values, arrival } = p;
      const attribution = (arrival.input.attribution as Record<string, string> | undefined) ?? null;
      const otherRecord = (t: Target) => values.externalId && t.row.externalId && t.row.externalId !== values.externalId;
      let target: Target | undefined;
      let matchedBy: MatchedBy | null = null;
      const byId = values.externalId ? byExternalId.get(values.externalId) : undefined;
      if (byId) [target, matchedBy] = [byId, 'external_id'];
      else {
        const phone = values.phone ? byPhone.get(values.phone) : undefined;
        const email = values.email ? byEmail.get(values.email) : undefined;
        if (phone && !otherRecord(phone)) [target, matchedBy] = [phone, 'phone'];
        else if (email && !otherRecord(email)) [target, matchedBy] = [email, 'email'];
      }
      if (!target) {
        const row = newLeadRow({ ...values, name: values.name ?? derivedName(values.firstName, values.lastName), attribution, id: randomUUID(), companyId, createdAt: at, updatedAt: at });
        if (!row.name && !row.phone) return { ok: false, error: "At least a 'name' (or 'first_name'/'last_name') or a 'phone' is required", field: 'name' };
        const t: Target = { row, original: null, lastSeenAt: at.getTime() };
        created.push(t);
        index(t);
        return { target: t, matchedBy: null, arrival };
      }
      const next = matchedBy === 'external_id' ? overwritten(target.row, values, attribution) : filled(target.row, values, attribution);
      if (!next.name && !next.phone) return { ok: false, error: "A lead needs a 'name' or a 'phone'; this change would remove both", field: 'name' };
      target.row = next;
      target.lastSeenAt = at.getTime();
      touched.add(target);
      index(target);
      return { target, matchedBy, arrival };
    });

    // Every arrival's submission, written with the new leads when there are any (one statement).
    const submissions: SubmissionInsert[] = [];
    for (const r of resolved) {
      if ('ok' in r) continue;
      submissions.push({
        companyId,
        leadId: r.target.row.id,
        channel,
        matchedBy: r.matchedBy,
        formId: o.formId ?? null,
        source: r.arrival.input.source ?? null,
        attribution: (r.arrival.input.attribution as Record<string, string> | undefined) ?? null,
        fields: r.arrival.raw,
        createdAt: at,
      });
    }
    const views = new Map<Target, Lead>();
    if (created.length) {
      await o.beforeCreate?.(created.map((t) => t.row));
      const made = await leads.createLeadRows(tx, companyId, created.map((t) => t.row), actor, submissions.length ? [submissionsInsert(submissions)] : []);
      created.forEach((t, i) => views.set(t, made[i]));
    }
    for (const t of touched) {
      if (!t.original) continue;
      views.set(t, await leads.applyLeadChange(tx, companyId, t.original, changeOf(t.original, t.row), actor));
    }
    if (!created.length) await insertSubmissions(tx, submissions);
    return resolved.map((r): ArrivalOutcome => {
      if ('ok' in r) return r;
      return { ok: true, lead: views.get(r.target)!, created: r.matchedBy === null, matchedBy: r.matchedBy };
    });
  }

  /** POST /v1/leads/upsert. */
  async function upsert(principal: Principal, input: UpsertLeadInput, raw: Record<string, unknown>, keeper?: AnswerKeeper<ArrivalOutcome & { ok: true }>) {
    return db.transaction(async (tx) => {
      const [outcome] = await recordArrivals(tx, principal, [{ input, raw }], actorOf(principal), 'upsert');
      if (!outcome.ok) throw new ValidationError(outcome.error, outcome.field ? [{ field: outcome.field, message: outcome.error }] : undefined);
      await keeper?.keep(tx, outcome);
      return outcome;
    });
  }

  /** POST /v1/leads/batch: each item validated and recorded on its own, in one transaction. */
  async function batch(principal: Principal, items: unknown[], keeper?: AnswerKeeper<BatchItemResult[]>, channel: SubmissionChannel = 'batch') {
    return writeKept(db, keeper, (tx) => recordBatch(tx, principal, items, actorOf(principal), channel));
  }

  async function recordBatch(
    tx: Db,
    tenant: Tenant,
    items: unknown[],
    actor: Actor,
    channel: SubmissionChannel,
    o: Parameters<typeof recordArrivals>[5] = {},
  ): Promise<BatchItemResult[]> {
    const arrivals = items.map((item) => {
      const parsed = upsertLeadBody.safeParse(item);
      if (parsed.success) return { input: parsed.data, raw: item as Record<string, unknown> };
      const issue = parsed.error.issues[0];
      const field = issue.path.length ? issue.path.join('.') : null;
      return { error: field ? `'${field}' ${issue.message}` : `The lead must be a JSON object: ${issue.message}`, field };
    });
    const outcomes = await recordArrivals(tx, tenant, arrivals, actor, channel, o);
    return outcomes.map((o, index) =>
      o.ok
        ? { index, status: o.created ? 'created' : 'updated', id: o.lead.id, matched_by: o.matchedBy, error: null, field: null }
        : { index, status: 'error', id: null, matched_by: null, error: o.error, field: o.field },
    );
  }

  /**
   * For the command line's import: a batch on behalf of the operator, in its own transaction. The
   * leads it creates are old contacts, not people waiting for an answer, so their automatic first
   * text is held (auto_text_held: import): the insert trigger (instant_reply_enqueue) plans no
   * instant reply and no agent greeting. They keep ai_enabled, so the agent answers one who texts
   * in. Leads it updates were never new, so nothing is sent to them either.
   */
  function importBatch(tenant: Tenant, items: unknown[], actor: Actor) {
    return db.transaction((tx) => recordBatch(tx, tenant, items, actor, 'import', IMPORT_HOLD));
  }

  /** What `importBatch` would answer, from the same statements, rolled back: nothing is kept. */
  async function rehearseImportBatch(tenant: Tenant, items: unknown[], actor: Actor): Promise<BatchItemResult[]> {
    let results: BatchItemResult[] = [];
    try {
      await db.transaction(async (tx) => {
        results = await recordBatch(tx, tenant, items, actor, 'import', IMPORT_HOLD);
        throw ROLLED_BACK;
      });
    } catch (err) {
      if (err !== ROLLED_BACK) throw err;
    }
    return results;
  }

  async function submissions(tenant: Tenant, leadId: string, page: { limit: number; offset: number }): Promise<{ data: Submission[]; total: number }> {
    const lead = isUuid(leadId) ? await findLead(db, tenant.companyId, leadId) : undefined;
    if (!lead) throw new NotFoundError('Lead not found');
    const { rows, total } = await listSubmissionPage(db, tenant.companyId, leadId, page);
    return { data: rows.map(submissionView), total: total ?? 0 };
  }

  return { recordArrivals, upsert, batch, importBatch, rehearseImportBatch, submissions };
}

export type LeadUpserts = ReturnType<typeof createLeadUpserts>;

export function submissionView(row: SubmissionRow): Submission {
  return {
    id: row.id,
    lead_id: row.leadId,
    channel: row.channel,
    matched_by: row.matchedBy,
    source: row.source,
    attribution: row.attribution,
    fields: row.fields,
    created_at: row.createdAt.toISOString(),
  };
}
