import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ListCache } from '../../http/list-cache.js';
import { answerKeeper } from '../../http/idempotency.js';
import { errorResponses } from '../../http/openapi.js';
import { answerPage, paginated, paginationQuery, windowOf } from '../../http/pagination.js';
import { z } from 'zod';
import {
  BATCH_LIMIT,
  batchAnswer,
  batchLeadsBody,
  createLeadBody,
  lead,
  leadAnswer,
  leadIdParams,
  listLeadsQuery,
  submission,
  updateLeadBody,
  upsertAnswer,
  upsertLeadBody,
  type BatchItemResult,
  type Lead,
} from './leads.schemas.js';
import type { LeadUpserts, MatchedBy } from './lead-upsert.service.js';

const batchAnswerOf = (results: BatchItemResult[]) => ({
  data: results,
  created: results.filter((r) => r.status === 'created').length,
  updated: results.filter((r) => r.status === 'updated').length,
  errors: results.filter((r) => r.status === 'error').length,
});
import type { LeadsService } from './leads.service.js';

export function leadsRoutes(deps: { leads: LeadsService; upserts: LeadUpserts; lists: ListCache }): FastifyPluginAsyncZod {
  const { leads, upserts, lists } = deps;
  return async (app) => {
    const upsertAnswerOf = (o: { lead: Lead; created: boolean; matchedBy: MatchedBy | null }) => ({ data: o.lead, deduplicated: !o.created, matched_by: o.matchedBy });
    app.post(
      '/v1/leads/upsert',
      {
        config: { scope: 'leads:write' },
        schema: {
          tags: ['Leads'],
          summary: 'Create a lead, or record it on the lead it already is (201 created, 200 updated)',
          description:
            "Matches on external_id first (any stage; the fields sent replace the lead's, as PATCH does), else, when the company's dedupe is on, the phone and then the email of a lead that is not closed and was last seen (created, a submission, a text) within dedupe.window_days: then only fields the lead lacks are filled. Every call is kept as a submission (GET /v1/leads/{id}/submissions). Fires lead.created, or lead.updated when something changed.",
          body: upsertLeadBody,
          response: { 200: upsertAnswer, 201: upsertAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const outcome = await upserts.upsert(
          request.principal,
          request.body,
          request.body as Record<string, unknown>,
          answerKeeper(request, reply, (o) => (o.created ? 201 : 200), upsertAnswerOf),
        );
        return reply.code(outcome.created ? 201 : 200).send(upsertAnswerOf(outcome));
      },
    );

    app.post(
      '/v1/leads/batch',
      {
        config: { scope: 'leads:write' },
        schema: {
          tags: ['Leads'],
          summary: `Upsert up to ${BATCH_LIMIT} leads, one result per item`,
          description:
            'Each item is taken as POST /v1/leads/upsert takes it, and succeeds or fails on its own: a bad item is answered with an error naming its field, and the others are still recorded. Items that are one person (the same external_id, phone or email) are recorded on one lead. With an Idempotency-Key a retry gets the first answer and records nothing twice.',
          body: batchLeadsBody,
          response: { 200: batchAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const results = await upserts.batch(request.principal, request.body.leads, answerKeeper(request, reply, 200, batchAnswerOf));
        return reply.code(200).send(batchAnswerOf(results));
      },
    );

    app.get(
      '/v1/leads/:id/submissions',
      {
        config: { scope: 'leads:read' },
        schema: {
          tags: ['Leads'],
          summary: "A lead's submissions (intake, upsert, batch, import), newest first",
          params: leadIdParams,
          querystring: paginationQuery,
          response: { 200: paginated(submission), ...errorResponses },
        },
      },
      async (request) => answerPage(request.query, await upserts.submissions(request.principal, request.params.id, windowOf(request.query))),
    );

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
