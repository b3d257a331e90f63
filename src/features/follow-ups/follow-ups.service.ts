import type { Db } from '../../db/client.js';
import type { JobRow } from '../../jobs/jobs.repo.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { findLead } from '../leads/leads.repo.js';
import { cancelFollowUp, findLeadFollowUp, listLeadFollowUps } from './follow-ups.repo.js';
import type { FollowUpView } from './follow-ups.schemas.js';

const STEP_NOT_FOUND = 'Follow-up not found';

/** A step as GET /v1/leads/:id/follow-ups shows it: what it is, when, and what became of it. */
export function followUpView(job: JobRow): FollowUpView {
  const p = job.payload as Record<string, unknown>;
  const outcome = (job.outcome ?? {}) as Record<string, unknown>;
  const status =
    job.status === 'pending' ? 'scheduled' : job.status === 'cancelled' ? 'cancelled' : job.status === 'failed' ? 'failed' : outcome.result === 'sent' ? 'sent' : 'skipped';
  const reason = status === 'scheduled' || status === 'sent' ? null : status === 'failed' ? (job.lastError ?? 'failed') : String(outcome.reason ?? outcome.result ?? 'cancelled');
  return {
    id: job.id,
    sequence: p.sequence as FollowUpView['sequence'],
    step: Number(p.step) + 1,
    offset_minutes: Number(p.offset_minutes),
    text: String(p.text ?? ''),
    due_at: job.runAt.toISOString(),
    status,
    reason,
    message_id: typeof outcome.message_id === 'string' ? outcome.message_id : null,
    quote_id: typeof p.quote_id === 'string' ? p.quote_id : null,
    appointment_id: typeof p.appointment_id === 'string' ? p.appointment_id : null,
    finished_at: job.finishedAt ? job.finishedAt.toISOString() : null,
  };
}

/** A lead's follow-ups: seen and cancelled one by one (the sequences plan and stop them themselves). */
export function createFollowUps(deps: { db: Db; clock: Clock }) {
  const { db } = deps;

  async function leadOf(companyId: string, leadId: string) {
    const lead = isUuid(leadId) ? await findLead(db, companyId, leadId) : undefined;
    if (!lead) throw new NotFoundError('Lead not found');
    return lead;
  }

  async function list(companyId: string, leadId: string): Promise<FollowUpView[]> {
    await leadOf(companyId, leadId);
    return (await listLeadFollowUps(db, companyId, leadId)).map(followUpView);
  }

  /** Cancels a planned step; one already sent, skipped or cancelled is a 409 saying which. */
  async function cancel(companyId: string, leadId: string, id: string): Promise<FollowUpView> {
    await leadOf(companyId, leadId);
    if (!isUuid(id)) throw new NotFoundError(STEP_NOT_FOUND);
    const cancelled = await db.transaction((tx) => cancelFollowUp(tx, companyId, leadId, id, 'cancelled_by_user'));
    if (cancelled) return followUpView(cancelled);
    const step = await findLeadFollowUp(db, companyId, leadId, id);
    if (!step) throw new NotFoundError(STEP_NOT_FOUND);
    throw new ConflictError(`Follow-up is no longer scheduled: it was ${followUpView(step).status}`);
  }

  return { list, cancel };
}

export type FollowUpsService = ReturnType<typeof createFollowUps>;
