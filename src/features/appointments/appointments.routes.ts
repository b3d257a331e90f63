import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { answerKeeper } from '../../http/idempotency.js';
import { errorResponses } from '../../http/openapi.js';
import { answerPage, paginated, windowOf } from '../../http/pagination.js';
import type { ListCache } from '../../http/list-cache.js';
import {
  appointment,
  appointmentAnswer,
  appointmentIdParams,
  createAppointmentBody,
  listAppointmentsQuery,
  updateAppointmentBody,
} from './appointments.schemas.js';
import type { AppointmentsService } from './appointments.service.js';

export function appointmentsRoutes(deps: { appointments: AppointmentsService; lists: ListCache }): FastifyPluginAsyncZod {
  const { appointments, lists } = deps;
  return async (app) => {
    app.get(
      '/v1/appointments',
      {
        config: { scope: 'appointments:read' },
        schema: {
          tags: ['Appointments'],
          summary: 'List appointments, latest start first',
          description: '`from` is inclusive, `to` exclusive, both on start_time.',
          querystring: listAppointmentsQuery,
          response: { 200: paginated(appointment), ...errorResponses },
        },
      },
      async (request, reply) => {
        await lists.serve(request, reply, request.principal.companyId, async () => ({
          payload: answerPage(request.query, await appointments.list(request.principal, request.query, windowOf(request.query))),
        }));
        return reply;
      },
    );

    app.post(
      '/v1/appointments',
      {
        config: { scope: 'appointments:write' },
        schema: {
          tags: ['Appointments'],
          summary: 'Book an appointment (fires appointment.booked)',
          description: 'booked_by is "api"; end_time defaults to start_time + 30 minutes and must be after it.',
          body: createAppointmentBody,
          response: { 201: appointmentAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const keeper = answerKeeper(request, reply, 201, (appointment) => ({ data: appointment }));
        return reply.code(201).send({ data: await appointments.create(request.principal, request.body, keeper) });
      },
    );

    app.get(
      '/v1/appointments/:id',
      {
        config: { scope: 'appointments:read' },
        schema: {
          tags: ['Appointments'],
          summary: 'Get an appointment',
          params: appointmentIdParams,
          response: { 200: appointmentAnswer, ...errorResponses },
        },
      },
      async (request) => ({ data: await appointments.get(request.principal, request.params.id) }),
    );

    app.patch(
      '/v1/appointments/:id',
      {
        config: { scope: 'appointments:write' },
        schema: {
          tags: ['Appointments'],
          summary: 'Change an appointment: status, time, details (fires appointment.updated)',
          params: appointmentIdParams,
          body: updateAppointmentBody,
          response: { 200: appointmentAnswer, ...errorResponses },
        },
      },
      async (request) => ({ data: await appointments.update(request.principal, request.params.id, request.body) }),
    );
  };
}
