import { randomUUID } from 'node:crypto';
import type { AnswerKeeper } from '../../db/answer-keeper.js';
import type { Db } from '../../db/client.js';
import { INSTANT_RANGE_MESSAGE, isStorableInstant } from '../../http/schema-fields.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { recordEvent } from '../events/events.js';
import { foreignKeyViolation } from '../../db/errors.js';
import { findLead } from '../leads/leads.repo.js';
import { actorOf, type Principal } from '../../auth/principal.js';
import type { Actor } from '../../db/schema/index.js';
import type { Appointment, CreateAppointmentInput, ListAppointmentsQuery, UpdateAppointmentInput } from './appointments.schemas.js';
import {
  findAppointment,
  findAppointmentByOrigin,
  insertAppointment,
  listAppointmentPage,
  updateAppointmentRow,
  type AppointmentInsert,
  type AppointmentRecord,
} from './appointments.repo.js';

type Tenant = Pick<Principal, 'companyId'>;

const DEFAULT_LENGTH_MS = 30 * 60_000;
const TITLE_PREFIX = { callback: 'Callback', onsite: 'Site Visit', other: 'Appointment' } as const;

export function appointmentView(row: AppointmentRecord): Appointment {
  return {
    id: row.id,
    lead_id: row.leadId,
    title: row.title,
    description: row.description,
    status: row.status,
    appointment_type: row.appointmentType,
    start_time: row.startTime.toISOString(),
    end_time: row.endTime.toISOString(),
    location: row.location,
    notes: row.notes,
    booked_by: row.bookedBy,
    reschedule_requested_at: row.rescheduleRequestedAt ? row.rescheduleRequestedAt.toISOString() : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    leads: { name: row.leadName, phone: row.leadPhone, email: row.leadEmail },
  };
}

function checkOrder(start: Date, end: Date) {
  // A default end (start + 30 min, or the kept length) may pass the last storable instant.
  if (!isStorableInstant(end.getTime())) {
    throw new ValidationError(`'end_time' ${INSTANT_RANGE_MESSAGE}`, [{ field: 'end_time', message: INSTANT_RANGE_MESSAGE }]);
  }
  if (end.getTime() <= start.getTime()) {
    throw new ValidationError("'end_time' must be after 'start_time'", [{ field: 'end_time', message: 'must be after start_time' }]);
  }
}

export function createAppointments(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  const now = () => new Date(clock.now());

  async function list(tenant: Tenant, q: ListAppointmentsQuery, window: { limit: number; offset: number }) {
    const filters = {
      type: q.type,
      status: q.status,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      leadId: q.lead_id,
    };
    const { rows, total } = await listAppointmentPage(db, tenant.companyId, filters, window);
    return { data: rows.map(appointmentView), total };
  }

  async function get(tenant: Tenant, id: string): Promise<Appointment> {
    const row = isUuid(id) ? await findAppointment(db, tenant.companyId, id) : undefined;
    if (!row) throw new NotFoundError('Appointment not found');
    return appointmentView(row);
  }

  /**
   * The one writer of bookings (the API, the agent): inside the caller's transaction, records
   * appointment.booked with who booked. With `o.originKey`, a second booking of that key writes
   * nothing and answers the first (an agent turn retried after a crash books once).
   */
  async function book(
    tx: Db,
    companyId: string,
    lead: { id: string; name: string | null; phone: string | null },
    input: Omit<CreateAppointmentInput, 'lead_id'> & { end_time: string },
    actor: Actor,
    o: { bookedBy: 'api' | 'ai' | 'human'; originKey?: string },
  ): Promise<Appointment> {
    const start = new Date(input.start_time);
    const end = new Date(input.end_time);
    checkOrder(start, end);
    if (o.originKey) {
      const earlier = await findAppointmentByOrigin(tx, companyId, o.originKey);
      if (earlier) return appointmentView(earlier);
    }
    const id = randomUUID();
    const at = now();
    await insertAppointment(tx, {
      id,
      companyId,
      leadId: lead.id,
      title: input.title ?? `${TITLE_PREFIX[input.appointment_type]}: ${lead.name ?? lead.phone ?? 'lead'}`,
      description: input.description ?? null,
      appointmentType: input.appointment_type,
      startTime: start,
      endTime: end,
      location: input.location ?? null,
      notes: input.notes ?? null,
      bookedBy: o.bookedBy,
      originKey: o.originKey ?? null,
      createdAt: at,
      updatedAt: at,
    });
    const booked = appointmentView((await findAppointment(tx, companyId, id))!);
    // Older receivers read the lead's name at the top level.
    await recordEvent(tx, companyId, 'appointment.booked', { ...booked, lead_name: lead.name }, actor);
    return booked;
  }

  async function create(tenant: Principal, input: CreateAppointmentInput, keeper?: AnswerKeeper<Appointment>): Promise<Appointment> {
    const start = new Date(input.start_time);
    const end = input.end_time ? new Date(input.end_time) : new Date(start.getTime() + DEFAULT_LENGTH_MS);
    checkOrder(start, end);
    const booking = db.transaction(async (tx) => {
      const lead = isUuid(input.lead_id) ? await findLead(tx, tenant.companyId, input.lead_id) : undefined;
      if (!lead) throw new NotFoundError('Lead not found');
      const booked = await book(tx, tenant.companyId, lead, { ...input, end_time: end.toISOString() }, actorOf(tenant), { bookedBy: 'api' });
      await keeper?.keep(tx, booked);
      return booked;
    });
    // The lead may be erased between the check and the insert.
    return booking.catch((err) => {
      throw foreignKeyViolation(err) ? new NotFoundError('Lead not found') : err;
    });
  }

  /**
   * The one writer of an appointment's changes (STYLE 9), in the caller's transaction with the row
   * locked: a move keeps the length unless a new end comes too, and clears a reschedule request (an R
   * answered to a reminder); `rescheduleRequested` records one. appointment.updated with what changed.
   */
  async function change(
    tx: Db,
    companyId: string,
    current: AppointmentRecord,
    input: Partial<UpdateAppointmentInput> & { rescheduleRequested?: boolean },
    actor: Actor,
  ): Promise<Appointment> {
    const start = input.start_time ? new Date(input.start_time) : current.startTime;
    // A new start without a new end moves the appointment, keeping its length.
    const end = input.end_time
      ? new Date(input.end_time)
      : input.start_time
        ? new Date(start.getTime() + (current.endTime.getTime() - current.startTime.getTime()))
        : current.endTime;
    checkOrder(start, end);
    const patch: Partial<AppointmentInsert> = { startTime: start, endTime: end };
    if (input.status !== undefined) patch.status = input.status;
    if (input.title !== undefined) patch.title = input.title;
    if (input.description !== undefined) patch.description = input.description;
    if (input.location !== undefined) patch.location = input.location;
    if (input.notes !== undefined) patch.notes = input.notes;
    if (input.rescheduleRequested) patch.rescheduleRequestedAt = now();
    else if (start.getTime() !== current.startTime.getTime()) patch.rescheduleRequestedAt = null;

    const before = appointmentView(current);
    const candidate = appointmentView({ ...current, ...patch } as AppointmentRecord);
    const previous: Record<string, unknown> = {};
    for (const key of Object.keys(before) as (keyof Appointment)[]) {
      if (key !== 'updated_at' && JSON.stringify(before[key]) !== JSON.stringify(candidate[key])) previous[key] = before[key];
    }
    if (Object.keys(previous).length === 0) return before;
    await updateAppointmentRow(tx, companyId, current.id, { ...patch, updatedAt: now() });
    const updated = appointmentView((await findAppointment(tx, companyId, current.id))!);
    await recordEvent(tx, companyId, 'appointment.updated', { ...updated, lead_name: updated.leads.name }, actor, previous);
    return updated;
  }

  async function update(tenant: Principal, id: string, input: UpdateAppointmentInput): Promise<Appointment> {
    if (Object.values(input).every((v) => v === undefined)) throw new ValidationError('No valid fields to update');
    if (!isUuid(id)) throw new NotFoundError('Appointment not found');
    return db.transaction(async (tx) => {
      const current = await findAppointment(tx, tenant.companyId, id, { lock: true });
      if (!current) throw new NotFoundError('Appointment not found');
      return change(tx, tenant.companyId, current, input, actorOf(tenant));
    });
  }

  return { list, get, create, update, change, book };
}

export type AppointmentsService = ReturnType<typeof createAppointments>;
