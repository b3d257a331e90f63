import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ListCache } from '../../http/list-cache.js';
import { answerKeeper } from '../../http/idempotency.js';
import { errorResponses } from '../../http/openapi.js';
import { answerPage, paginated, windowOf } from '../../http/pagination.js';
import { z } from 'zod';
import { createLeadBody, lead, leadAnswer, leadIdParams, listLeadsQuery, updateLeadBody } from './leads.schemas.js';
import type { LeadsService } from './leads.service.js';

export function leadsRoutes(deps: { leads: LeadsService; lists: ListCache }): FastifyPluginAsyncZod {
  const { leads, lists } = deps;
  return async (app) => {
    app.get(
      '/v1/leads',
      {
        config: { scope: 'leads:read' },
        schema: {
          tags: ['Leads'],
          summary: 'List leads, newest first',
          querystring: listLeadsQuery,
          response: { 200: paginated(lead), ...errorResponses },
        },
      },
      async (request, reply) => {
        await lists.serve(request, reply, request.principal.companyId, async () => ({
          payload: answerPage(request.query, await leads.list(request.principal, request.query, windowOf(request.query))),
        }));
        return reply;
      },
    );

    app.post(
      '/v1/leads',
      {
        config: { scope: 'leads:write' },
        schema: {
          tags: ['Leads'],
          summary: 'Create a lead (fires lead.created)',
          description: "At least a name (given, or derived from first_name and last_name) or a phone is required. Unknown fields are ignored.",
          body: createLeadBody,
          response: { 201: leadAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const data = await leads.create(request.principal, request.body, answerKeeper(request, reply, 201, (lead) => ({ data: lead })));
        return reply.code(201).send({ data });
      },
    );

    app.get(
      '/v1/leads/:id',
      {
        config: { scope: 'leads:read' },
        schema: {
          tags: ['Leads'],
          summary: 'Get a lead',
          params: leadIdParams,
          response: { 200: leadAnswer, ...errorResponses },
        },
      },
      async (request) => ({ data: await leads.get(request.principal, request.params.id) }),
    );

    app.patch(
      '/v1/leads/:id',
      {
        config: { scope: 'leads:write' },
        schema: {
          tags: ['Leads'],
          summary: 'Update a lead (fires lead.updated; sale.completed on entering closed_won)',
          description: 'Only the fields sent change; null clears a field; custom_data and metadata are replaced whole.',
          params: leadIdParams,
          body: updateLeadBody,
          response: { 200: leadAnswer, ...errorResponses },
        },
      },
      async (request) => ({ data: await leads.update(request.principal, request.params.id, request.body) }),
    );

    app.delete(
      '/v1/leads/:id',
      {
        config: { scope: 'leads:write' },
        schema: {
          tags: ['Leads'],
          summary: 'Erase a lead with its messages, quotes and appointments (fires lead.deleted with the id only)',
          description: 'For privacy requests: nothing of the lead remains. Quote numbers it used are not reused.',
          params: leadIdParams,
          response: { 204: z.null().meta({ description: 'Erased' }), ...errorResponses },
        },
      },
      async (request, reply) => {
        await leads.erase(request.principal, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
