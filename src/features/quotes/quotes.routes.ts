import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { answerKeeper } from '../../http/idempotency.js';
import { errorResponses } from '../../http/openapi.js';
import { answerPage, paginated, windowOf } from '../../http/pagination.js';
import { createQuoteBody, listQuotesQuery, quote, quoteAnswer, quoteIdParams, sendQuoteBody, updateQuoteBody } from './quotes.schemas.js';
import type { QuotesService } from './quotes.service.js';
import type { ListCache } from '../../http/list-cache.js';

export function quotesRoutes(deps: { quotes: QuotesService; lists: ListCache }): FastifyPluginAsyncZod {
  const { quotes, lists } = deps;
  return async (app) => {
    app.get(
      '/v1/quotes',
      {
        config: { scope: 'quotes:read' },
        schema: {
          tags: ['Quotes'],
          summary: 'List quotes, newest first',
          description: "A sent or viewed quote past the end of its valid_until (in the company's timezone) reads `expired`, in the filter too.",
          querystring: listQuotesQuery,
          response: { 200: paginated(quote), ...errorResponses },
        },
      },
      async (request, reply) => {
        await lists.serve(request, reply, request.principal.companyId, async () => {
          const { page, freshUntil } = await quotes.list(request.principal, request.query, windowOf(request.query));
          return { payload: answerPage(request.query, page), freshUntil };
        });
        return reply;
      },
    );

    app.post(
      '/v1/quotes',
      {
        config: { scope: 'quotes:write' },
        schema: {
          tags: ['Quotes'],
          summary: 'Create a draft quote',
          description:
            "Totals are computed here: each line's subtotal is quantity × unit_price rounded half-up to the cent; exclusive tax is added to the lines' sum, inclusive tax is carved out of it. Tax rate and mode default to the company's settings.",
          body: createQuoteBody,
          response: { 201: quoteAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const keeper = answerKeeper(request, reply, 201, (quote) => ({ data: quote }));
        return reply.code(201).send({ data: await quotes.create(request.principal, request.body, keeper) });
      },
    );

    app.get(
      '/v1/quotes/:id',
      {
        config: { scope: 'quotes:read' },
        schema: { tags: ['Quotes'], summary: 'Get a quote', params: quoteIdParams, response: { 200: quoteAnswer, ...errorResponses } },
      },
      async (request) => ({ data: await quotes.get(request.principal, request.params.id) }),
    );

    app.patch(
      '/v1/quotes/:id',
      {
        config: { scope: 'quotes:write' },
        schema: {
          tags: ['Quotes'],
          summary: 'Edit a draft quote (409 once sent)',
          description: 'Only the fields sent change; line_items are replaced whole; totals are recomputed.',
          params: quoteIdParams,
          body: updateQuoteBody,
          response: { 200: quoteAnswer, ...errorResponses },
        },
      },
      async (request) => ({ data: await quotes.update(request.principal, request.params.id, request.body) }),
    );

    app.post(
      '/v1/quotes/:id/send',
      {
        config: { scope: 'quotes:write' },
        schema: {
          tags: ['Quotes'],
          summary: 'Send a draft (fires quote.sent)',
          description:
            "draft → sent. The lead moves to `quoted` if it was in an earlier stage. With {\"sms\": true} (needs sms:send) the public link is texted to the lead first, and if the text cannot be sent the answer is the SMS error and the quote stays a draft.",
          params: quoteIdParams,
          body: sendQuoteBody,
          response: { 200: quoteAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const keeper = answerKeeper(request, reply, 200, (quote) => ({ data: quote }));
        return { data: await quotes.send(request.principal, request.params.id, { sms: request.body?.sms, keeper }) };
      },
    );
  };
}
