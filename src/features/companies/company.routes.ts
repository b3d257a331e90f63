import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../http/openapi.js';
import { ValidationError } from '../../lib/errors.js';
import type { CompaniesService } from './companies.service.js';
import { company, companySettingsBody, settingsInput } from './companies.schemas.js';

const tags = ['Company'];
const answer = z.object({ data: company });

/** The token's own company over the API: the same service and body as the dashboard's settings. */
export function companyRoutes(deps: { companies: CompaniesService }): FastifyPluginAsyncZod {
  const { companies } = deps;
  return async (app) => {
    app.get(
      '/v1/company',
      { schema: { tags, summary: "The token's company and its settings (any valid token)", response: { 200: answer, ...errorResponses } } },
      async (request) => ({ data: await companies.get(request.principal.companyId) }),
    );

    app.patch(
      '/v1/company',
      {
        config: { scope: 'company:manage' },
        schema: {
          tags,
          summary: "Change the company's settings",
          description:
            'Only the fields sent change. `sms_credits` and `twilio_number` are set by the operator and read-only here. A body with none of these fields → 400 `No valid fields to update`.',
          body: companySettingsBody,
          response: { 200: answer, ...errorResponses },
        },
      },
      async (request) => {
        const input = settingsInput(request.body);
        if (Object.values(input).every((v) => v === undefined)) throw new ValidationError('No valid fields to update');
        return { data: await companies.change(request.principal.companyId, input) };
      },
    );
  };
}
