import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ListCache } from '../../http/list-cache.js';
import { sessionOf } from '../../auth/principal.js';
import { PIPELINE_STAGES } from '../../db/schema/index.js';
import { errorResponses } from '../../http/openapi.js';
import type { PipelineService } from './pipeline.service.js';

const pipelineSummary = z.object(
  Object.fromEntries(PIPELINE_STAGES.map((s) => [s, z.number().int()])) as Record<
    (typeof PIPELINE_STAGES)[number],
    z.ZodNumber
  >,
);

export function pipelineRoutes(deps: { pipeline: PipelineService; lists: ListCache }): FastifyPluginAsyncZod {
  const { pipeline, lists } = deps;
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
        await lists.serve(request, reply, request.principal.companyId, async () => ({ payload: { data: await pipeline.stages(request.principal) } }));
        return reply;
      },
    );

    // The dashboard's home: the funnel, the weekly intake and the quote win rate in one answer.
    app.get('/app/api/overview', { schema: { hide: true } }, (request) => pipeline.overview(sessionOf(request)));
  };
}
