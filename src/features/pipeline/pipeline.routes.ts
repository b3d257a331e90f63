import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { ListCache } from '../../http/list-cache.js';
import { PIPELINE_STAGES } from '../../db/schema/index.js';
import { errorResponses } from '../../http/openapi.js';
import { countLeadsByStage } from '../leads/leads.repo.js';

const pipelineSummary = z.object(
  Object.fromEntries(PIPELINE_STAGES.map((s) => [s, z.number().int()])) as Record<
    (typeof PIPELINE_STAGES)[number],
    z.ZodNumber
  >,
);

export function pipelineRoutes(deps: { db: Db; lists: ListCache }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/pipeline',
      {
        config: { scope: 'pipeline:read' },
        schema: {
          tags: ['Pipeline'],
          summary: 'Lead count per pipeline stage (all six stages, zeros included)',
          response: { 200: z.object({ data: pipelineSummary }), ...errorResponses },
        },
      },
      async (request, reply) => {
        await deps.lists.serve(request, reply, request.principal.companyId, async () => {
          const counts = await countLeadsByStage(deps.db, request.principal.companyId);
          return { payload: { data: Object.fromEntries(PIPELINE_STAGES.map((s) => [s, counts.get(s) ?? 0])) } };
        });
        return reply;
      },
    );
  };
}
