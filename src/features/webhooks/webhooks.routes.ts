import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { answerKeeper } from '../../http/idempotency.js';
import { errorResponses } from '../../http/openapi.js';
import { answerPage, paginated, paginationQuery, windowOf } from '../../http/pagination.js';
import { EVENT_DESCRIPTIONS } from '../events/events.js';
import {
  createWebhookBody,
  deliveryIdParams,
  listDeliveriesQuery,
  testResult,
  testWebhookBody,
  updateWebhookBody,
  webhookDelivery,
  webhookEndpoint,
  webhookEndpointWithSecret,
  webhookIdParams,
} from './webhooks.schemas.js';
import type { WebhooksService } from './webhooks.service.js';

const tags = ['Webhooks'];
const scope = 'webhooks:manage';
const conflict = { 409: errorResponses[400].describe('The delivery or endpoint is not in a state that allows this') };

const webhookEvents = () => Object.entries(EVENT_DESCRIPTIONS).map(([event, description]) => ({ event, description }));
/** One entry of GET /app/api/webhook-events (the dashboard reads this type). */
export type WebhookEvent = ReturnType<typeof webhookEvents>[number];

/** B3: webhook endpoints over the API, so automation platforms can subscribe themselves. */
export function webhooksRoutes(deps: { webhooks: WebhooksService }): FastifyPluginAsyncZod {
  const { webhooks } = deps;
  return async (app) => {
    // The dashboard's event checkboxes (docs/dashboard.md).
    app.get('/app/api/webhook-events', { schema: { hide: true } }, async () => ({ data: webhookEvents() }));

    app.get(
      '/v1/webhooks',
      {
        config: { scope },
        schema: { tags, summary: 'List webhook endpoints, newest first', querystring: paginationQuery, response: { 200: paginated(webhookEndpoint), ...errorResponses } },
      },
      async (request) => answerPage(request.query, await webhooks.list(request.principal.companyId, windowOf(request.query))),
    );

    app.post(
      '/v1/webhooks',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'Create a webhook endpoint (the answer carries its secret, shown this once)',
          description:
            'The URL must be http(s) and reach only public addresses (checked now and at every connection). Without `events`, the endpoint receives every event.',
          body: createWebhookBody,
          response: { 201: z.object({ data: webhookEndpointWithSecret }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const keeper = answerKeeper(request, reply, 201, (endpoint) => ({ data: endpoint }));
        return reply.code(201).send({ data: await webhooks.create(request.principal.companyId, request.body, keeper) });
      },
    );

    app.get(
      '/v1/webhooks/:id',
      {
        config: { scope },
        schema: { tags, summary: 'Get a webhook endpoint', params: webhookIdParams, response: { 200: z.object({ data: webhookEndpoint }), ...errorResponses } },
      },
      async (request) => ({ data: await webhooks.get(request.principal.companyId, request.params.id) }),
    );

    app.patch(
      '/v1/webhooks/:id',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'Change a webhook endpoint, or disable / enable it',
          description: 'Disabling fails its pending deliveries (retry them by hand); enabling clears the failure record.',
          params: webhookIdParams,
          body: updateWebhookBody,
          response: { 200: z.object({ data: webhookEndpoint }), ...errorResponses },
        },
      },
      async (request) => ({ data: await webhooks.update(request.principal.companyId, request.params.id, request.body) }),
    );

    app.delete(
      '/v1/webhooks/:id',
      {
        config: { scope },
        schema: { tags, summary: 'Delete a webhook endpoint and its delivery log', params: webhookIdParams, response: { 204: z.null().describe('Deleted'), ...errorResponses } },
      },
      async (request, reply) => {
        await webhooks.remove(request.principal.companyId, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/webhooks/:id/test',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'Send a test event now and answer with the attempt',
          description: 'A sample event with `"test": true` and `X-Webhook-Test: true`, logged as a test delivery; it is not retried.',
          params: webhookIdParams,
          body: testWebhookBody,
          response: { 200: z.object({ data: testResult }), ...errorResponses },
        },
      },
      async (request) => ({
        data: await webhooks.sendTest(request.principal.companyId, request.params.id, request.body?.event),
      }),
    );

    app.get(
      '/v1/webhooks/:id/secret',
      {
        config: { scope },
        schema: {
          tags,
          summary: "The endpoint's current signing secret",
          params: webhookIdParams,
          response: { 200: z.object({ data: z.object({ secret: z.string() }) }), ...errorResponses },
        },
      },
      async (request) => ({ data: await webhooks.revealSecret(request.principal.companyId, request.params.id) }),
    );

    app.post(
      '/v1/webhooks/:id/rotate-secret',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'Replace the secret (the answer carries the new one); effective at once',
          params: webhookIdParams,
          response: { 200: z.object({ data: webhookEndpointWithSecret }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const keeper = answerKeeper(request, reply, 200, (endpoint) => ({ data: endpoint }));
        return { data: await webhooks.rotateSecret(request.principal.companyId, request.params.id, keeper) };
      },
    );

    app.get(
      '/v1/webhooks/:id/deliveries',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'The delivery log, newest first, each delivery with its attempts',
          params: webhookIdParams,
          querystring: listDeliveriesQuery,
          response: { 200: paginated(webhookDelivery), ...errorResponses },
        },
      },
      async (request) =>
        answerPage(request.query, await webhooks.deliveries(request.principal.companyId, request.params.id, request.query, windowOf(request.query))),
    );

    app.post(
      '/v1/webhooks/:id/deliveries/:delivery_id/retry',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'Queue a delivery again, for a new round of retries',
          params: deliveryIdParams,
          response: { 202: z.object({ data: webhookDelivery }), ...errorResponses, ...conflict },
        },
      },
      async (request, reply) => {
        const keeper = answerKeeper(request, reply, 202, (delivery) => ({ data: delivery }));
        const data = await webhooks.retryDelivery(request.principal.companyId, request.params.id, request.params.delivery_id, keeper);
        return reply.code(202).send({ data });
      },
    );
  };
}
