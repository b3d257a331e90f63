import type { Db } from '../../db/client.js';
import { foreignKeyViolation } from '../../db/errors.js';
import { SEQUENCE_KINDS, type SequenceKind, type SequenceStep } from '../../db/schema/index.js';
import { validationErrorOf } from '../../http/errors.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { findCompany } from '../companies/companies.repo.js';
import { listAutomations, lockAutomation, updateAutomation, type AutomationRow } from './automations.repo.js';
import { ANCHORS, DEFAULT_SEQUENCES, sequencePatch, type Sequence, type SequenceView } from './automations.schemas.js';
import { MAX_SEGMENTS, PLACEHOLDERS, sampleValues, segmentsOf, unknownPlaceholders, type TextValues } from './follow-up-text.js';

const KINDS = new Set<string>(SEQUENCE_KINDS);
const kindNotFound = (kind: string) => new NotFoundError(`Unknown sequence: ${kind} (one of ${SEQUENCE_KINDS.join(', ')})`);
const stepsProblem = (message: string) => new ValidationError(`'steps' ${message}`, [{ field: 'steps', message }]);

/**
 * A sequence's steps as a business can mean them: offsets that are not zero, on the right side of the
 * anchor (before an appointment, after anything else), in order and at least a minute apart; texts
 * with only the sequence's placeholders, at most 3 segments once filled with long real-looking values
 * and the opt-out line of a marketing text.
 */
function checkSteps(kind: SequenceKind, steps: SequenceStep[], values: TextValues): void {
  const before = kind === 'appointment_reminder';
  steps.forEach((s, i) => {
    const n = i + 1;
    if (s.offset_minutes === 0) throw stepsProblem(`step ${n}: offset_minutes must not be 0`);
    if (before && s.offset_minutes > 0) throw stepsProblem(`step ${n}: a reminder's offset_minutes must be negative (minutes before the appointment)`);
    if (!before && s.offset_minutes < 0) throw stepsProblem(`step ${n}: offset_minutes must be positive (minutes after ${ANCHORS[kind]})`);
    if (i > 0 && s.offset_minutes < steps[i - 1].offset_minutes + 1) {
      throw stepsProblem(`step ${n}: offset_minutes must be at least 1 minute after step ${i}'s (${steps[i - 1].offset_minutes})`);
    }
    const unknown = unknownPlaceholders(kind, s.text);
    if (unknown.length > 0) {
      throw stepsProblem(`step ${n} uses an unknown placeholder ${unknown[0]} (this sequence has ${PLACEHOLDERS[kind].map((p) => `{${p}}`).join(', ')})`);
    }
    const segments = segmentsOf(kind, s.text, values);
    if (segments > MAX_SEGMENTS) throw stepsProblem(`step ${n} would be ${segments} segments as sent; at most ${MAX_SEGMENTS}`);
  });
}

/**
 * The follow-up sequences per company: shown and changed by GET /v1/automations and
 * PATCH /v1/automations/:kind. A company that never changed one reads DEFAULT_SEQUENCES (off); the
 * first change writes its row, which the planning triggers (drizzle/0026_follow_ups_sql.sql) read.
 */
export function createAutomations(deps: { db: Db; clock: Clock; publicUrl: string }) {
  const { db, clock, publicUrl } = deps;

  function viewOf(kind: SequenceKind, sequence: Sequence, row: AutomationRow | undefined, values: TextValues): SequenceView {
    return {
      kind,
      enabled: sequence.enabled,
      steps: sequence.steps.map((s) => ({ ...s, segments: segmentsOf(kind, s.text, values) })),
      anchor: ANCHORS[kind],
      placeholders: PLACEHOLDERS[kind].map((p) => `{${p}}`),
      updated_at: row ? row.updatedAt.toISOString() : null,
    };
  }

  async function companyValues(companyId: string): Promise<TextValues> {
    const company = isUuid(companyId) ? await findCompany(db, companyId) : undefined;
    if (!company) throw new NotFoundError(`Company not found: ${companyId}`);
    return sampleValues(company, publicUrl);
  }

  /** Every sequence of the company, in a fixed order, with the segments each step takes as sent. */
  async function list(companyId: string): Promise<SequenceView[]> {
    const values = await companyValues(companyId);
    const rows = new Map((await listAutomations(db, companyId)).map((r) => [r.kind, r]));
    return SEQUENCE_KINDS.map((kind) => {
      const row = rows.get(kind);
      return viewOf(kind, row ? { enabled: row.enabled, steps: row.steps } : structuredClone(DEFAULT_SEQUENCES[kind]), row, values);
    });
  }

  /** Turns a sequence on or off and/or replaces its steps; steps already planned keep their times and texts. */
  async function update(companyId: string, kind: string, input: unknown): Promise<SequenceView> {
    if (!KINDS.has(kind)) throw kindNotFound(kind);
    const k = kind as SequenceKind;
    const parsed = sequencePatch.safeParse(input ?? {});
    if (!parsed.success) throw validationErrorOf(parsed.error);
    const patch = parsed.data;
    if (patch.enabled === undefined && patch.steps === undefined) throw new ValidationError('No valid fields to update');
    const values = await companyValues(companyId);
    if (patch.steps) checkSteps(k, patch.steps, values);
    const at = new Date(clock.now());
    try {
      const row = await db.transaction(async (tx) => {
        const current = await lockAutomation(tx, companyId, k, structuredClone(DEFAULT_SEQUENCES[k]), at);
        return updateAutomation(tx, companyId, k, { enabled: patch.enabled ?? current.enabled, steps: patch.steps ?? current.steps }, at);
      });
      return viewOf(k, row, row, values);
    } catch (err) {
      if (foreignKeyViolation(err)) throw new NotFoundError(`Company not found: ${companyId}`);
      throw err;
    }
  }

  return { list, update };
}

export type AutomationsService = ReturnType<typeof createAutomations>;
