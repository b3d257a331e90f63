import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../http/openapi.js';
import type { FollowUpsService } from './follow-ups.service.js';
import { followUpView } from './follow-ups.schemas.js';

const tags = ['Automations'];

/** A lead's follow-up steps: what is scheduled, what was sent or skipped and why; cancel one. */
export function followUpsRoutes(deps: { followUps: FollowUpsService }): FastifyPluginAsyncZod {
  const { followUps } = deps;
  return async (app) => {
    app.get(
      '/v1/leads/:id/follow-ups',
      {
        config: { scope: 'leads:read' },
        schema: {
          tags,
          summary: "A lead's follow-ups: scheduled, sent, skipped and cancelled, in the order they fall due",
          params: z.object({ id: z.string() }),
          response: { 200: z.object({ data: z.array(followUpView) }), ...errorResponses },
        },
      },
      async (request) => ({ data: await followUps.list(request.principal.companyId, request.params.id) }),
    );

    app.delete(
      '/v1/leads/:id/follow-ups/:follow_up_id',
      {
        config: { scope: 'leads:write' },
        schema: {
          tags,
          summary: 'Cancel one scheduled follow-up',
          description: 'Answers the cancelled follow-up (reason `cancelled_by_user`); one already sent, skipped or cancelled → 409.',
          params: z.object({ id: z.string(), follow_up_id: z.string() }),
          response: { 200: z.object({ data: followUpView }), ...errorResponses },
        },
      },
      async (request) => ({ data: await followUps.cancel(request.principal.companyId, request.params.id, request.params.follow_up_id) }),
    );
  };
}
