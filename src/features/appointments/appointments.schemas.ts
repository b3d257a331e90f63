import { z } from 'zod';
import { instant as boundedInstant, optionalText, timestamp } from '../../http/schema-fields.js';
import { APPOINTMENT_STATUSES, APPOINTMENT_TYPES, BOOKED_BY } from '../../db/schema/index.js';
import { paginationQuery } from '../../http/pagination.js';

export const appointmentStatus = z.enum(APPOINTMENT_STATUSES);
export const appointmentType = z.enum(APPOINTMENT_TYPES);

// ISO 8601 with an offset or Z, so that a time is never read in a zone the client did not mean.
const instant = boundedInstant('must be an ISO 8601 date-time with an offset or Z, e.g. 2026-04-03T10:30:00+10:00')
  .meta({ example: '2026-04-03T10:30:00+10:00' });

export const createAppointmentBody = z.object({
  lead_id: z.string().meta({ format: 'uuid' }),
  appointment_type: appointmentType,
  start_time: instant,
  end_time: instant.optional().meta({ description: 'Default: start_time + 30 minutes' }),
  title: optionalText(500).meta({ description: 'Default: "Callback: <lead name>" or "Site Visit: <lead name>"' }),
  description: optionalText(10_000),
  location: optionalText(500),
  notes: optionalText(10_000),
});
export type CreateAppointmentInput = z.output<typeof createAppointmentBody>;

export const updateAppointmentBody = z.object({
  status: appointmentStatus.optional(),
  start_time: instant.optional().meta({ description: 'Without end_time, the appointment keeps its length' }),
  end_time: instant.optional(),
  title: z.string().trim().min(1).max(500).optional(),
  description: optionalText(10_000),
  location: optionalText(500),
  notes: optionalText(10_000),
});
export type UpdateAppointmentInput = z.output<typeof updateAppointmentBody>;

export const listAppointmentsQuery = paginationQuery.extend({
  type: appointmentType.optional().meta({ description: 'Only appointments of this type' }),
  status: appointmentStatus.optional().meta({ description: 'Only appointments in this status' }),
  from: instant.optional().meta({ description: 'Only appointments starting at or after this time' }),
  to: instant.optional().meta({ description: 'Only appointments starting before this time' }),
  lead_id: z
    .uuid()
    .optional()
    .meta({ description: "Only this lead's appointments; a lead of another company, or none, gives an empty list" }),
});
export type ListAppointmentsQuery = z.output<typeof listAppointmentsQuery>;

export const appointmentIdParams = z.object({ id: z.string() });

export const appointment = z
  .object({
    id: z.uuid(),
    lead_id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    status: appointmentStatus,
    appointment_type: appointmentType,
    start_time: timestamp,
    end_time: timestamp,
    location: z.string().nullable(),
    notes: z.string().nullable(),
    booked_by: z.enum(BOOKED_BY),
    reschedule_requested_at: timestamp.nullable().meta({ description: 'When the customer answered a reminder with R (asking for another time); null again once it is moved' }),
    created_at: timestamp,
    updated_at: timestamp,
    leads: z
      .object({ name: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable() })
      .meta({ description: 'The lead (the key is plural, as existing clients read it)' }),
  })
  .meta({ id: 'Appointment' });
export type Appointment = z.infer<typeof appointment>;

export const appointmentAnswer = z.object({ data: appointment });
