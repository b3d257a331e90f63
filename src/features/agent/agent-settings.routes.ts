import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../http/openapi.js';
import type { AgentSettingsService } from './agent-settings.service.js';
import { agentSettingsPatch, agentSettingsView } from './agent-settings.schemas.js';

const tags = ['Agent'];
const scope = 'agent:manage';
const answer = z.object({ data: agentSettingsView });

/** The lead agent's settings of the token's company (owners and admins on the dashboard). */
export function agentSettingsRoutes(deps: { agentSettings: AgentSettingsService }): FastifyPluginAsyncZod {
  const { agentSettings } = deps;
  return async (app) => {
    app.get(
      '/v1/agent',
      {
        config: { scope },
        schema: {
          tags,
          summary: "The lead agent's settings (the defaults until the first change)",
          response: { 200: answer, ...errorResponses },
        },
      },
      async (request) => ({ data: await agentSettings.show(request.principal.companyId) }),
    );

    app.patch(
      '/v1/agent',
      {
        config: { scope },
        schema: {
          tags,
          summary: "Change the lead agent's settings",
          description:
            'Only the fields sent change, each replaced whole, but for `business_hours` (the days sent replace those days) and `slot_minutes` (the types sent). `engine: "llm"` needs the platform\'s AI_BASE_URL (see `llm_available`); otherwise 400 naming `engine`. A body with none of these fields → 400 `No valid fields to update`.',
          body: agentSettingsPatch,
          response: { 200: answer, ...errorResponses },
        },
      },
      async (request) => ({ data: await agentSettings.update(request.principal.companyId, request.body) }),
    );
  };
}
