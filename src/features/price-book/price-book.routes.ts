import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../http/openapi.js';
import { answerPage, paginated, windowOf } from '../../http/pagination.js';
import type { PriceBookService } from './price-book.service.js';
import { createPriceBookItemBody, listPriceBookQuery, priceBookItem, priceBookItemParams, updatePriceBookItemBody } from './price-book.schemas.js';

const tags = ['Price book'];
const answer = z.object({ data: priceBookItem });

/** The price book over the API: read with quotes:read, changed with quotes:write. */
export function priceBookRoutes(deps: { priceBook: PriceBookService }): FastifyPluginAsyncZod {
  const { priceBook } = deps;
  return async (app) => {
    app.get(
      '/v1/price-book',
      {
        config: { scope: 'quotes:read' },
        schema: { tags, summary: 'List price book items, by name', querystring: listPriceBookQuery, response: { 200: paginated(priceBookItem), ...errorResponses } },
      },
      async (request) => answerPage(request.query, await priceBook.list(request.principal.companyId, windowOf(request.query))),
    );

    app.get(
      '/v1/price-book/:id',
      {
        config: { scope: 'quotes:read' },
        schema: { tags, summary: 'Get a price book item', params: priceBookItemParams, response: { 200: answer, ...errorResponses } },
      },
      async (request) => ({ data: await priceBook.get(request.principal.companyId, request.params.id) }),
    );

    app.post(
      '/v1/price-book',
      {
        config: { scope: 'quotes:write' },
        schema: {
          tags,
          summary: 'Add an item to the price book',
          description: "`unit_price` is read in the company's tax mode (inclusive: tax is inside it), as quote lines are.",
          body: createPriceBookItemBody,
          response: { 201: answer, ...errorResponses },
        },
      },
      async (request, reply) => reply.code(201).send({ data: await priceBook.create(request.principal.companyId, request.body) }),
    );

    app.patch(
      '/v1/price-book/:id',
      {
        config: { scope: 'quotes:write' },
        schema: {
          tags,
          summary: 'Change a price book item',
          description: 'Only the fields sent change; quotes that already took the item keep their lines. A body with none of them → 400 `No valid fields to update`.',
          params: priceBookItemParams,
          body: updatePriceBookItemBody,
          response: { 200: answer, ...errorResponses },
        },
      },
      async (request) => ({ data: await priceBook.update(request.principal.companyId, request.params.id, request.body) }),
    );

    app.delete(
      '/v1/price-book/:id',
      {
        config: { scope: 'quotes:write' },
        schema: { tags, summary: 'Delete a price book item (quotes keep their lines)', params: priceBookItemParams, response: { 204: z.null().describe('Deleted'), ...errorResponses } },
      },
      async (request, reply) => {
        await priceBook.remove(request.principal.companyId, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
