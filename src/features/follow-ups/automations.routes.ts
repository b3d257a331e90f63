import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SEQUENCE_KINDS } from '../../db/schema/index.js';
import { errorResponses } from '../../http/openapi.js';
import type { AutomationsService } from './automations.service.js';
import { sequencePatch, sequenceView } from './automations.schemas.js';

const tags = ['Automations'];
const scope = 'agent:manage';

/** The follow-up sequences of the token's company (owners and admins on the dashboard). */
export function automationsRoutes(deps: { automations: AutomationsService }): FastifyPluginAsyncZod {
  const { automations } = deps;
  return async (app) => {
    app.get(
      '/v1/automations',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'The follow-up sequences: lead nurture, quote chase, appointment reminders, review request',
          response: { 200: z.object({ data: z.array(sequenceView) }), ...errorResponses },
        },
      },
      async (request) => ({ data: await automations.list(request.principal.companyId) }),
    );

    app.patch(
      '/v1/automations/:kind',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'Turn a sequence on or off, or replace its steps',
          description: `\`kind\` is one of ${SEQUENCE_KINDS.join(', ')}. Offsets are whole minutes from the anchor, not 0, increasing by at least 1; negative for appointment reminders, positive otherwise. A text may use only its sequence's placeholders and at most 3 segments as sent (filled with long sample values, the opt-out line of a marketing text included); otherwise 400 naming the step. Steps already planned keep their times and texts.`,
          params: z.object({ kind: z.string() }),
          body: sequencePatch,
          response: { 200: z.object({ data: sequenceView }), ...errorResponses },
        },
      },
      async (request) => ({ data: await automations.update(request.principal.companyId, request.params.kind, request.body) }),
    );
  };
}
