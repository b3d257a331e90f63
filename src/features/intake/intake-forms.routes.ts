import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses } from '../../http/openapi.js';
import { answerPage, paginated, paginationQuery, windowOf } from '../../http/pagination.js';
import { createFormBody, formIdParams, intakeForm, updateFormBody } from './intake.schemas.js';
import type { IntakeFormsService } from './intake-forms.service.js';

const tags = ['Intake forms'];
const scope = 'intake:manage';
const formAnswer = z.object({ data: intakeForm });

/** Web forms (issue 16): owners and admins, since a form's leads can spend SMS credits. */
export function intakeFormsRoutes(deps: { forms: IntakeFormsService }): FastifyPluginAsyncZod {
  const { forms } = deps;
  return async (app) => {
    app.get(
      '/v1/intake-forms',
      {
        config: { scope },
        schema: { tags, summary: "List the company's web forms, newest first", querystring: paginationQuery, response: { 200: paginated(intakeForm), ...errorResponses } },
      },
      async (request) => answerPage(request.query, await forms.list(request.principal.companyId, windowOf(request.query))),
    );

    app.post(
      '/v1/intake-forms',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'Create a web form: a public key a page may post leads to (POST /intake/{public_key})',
          description:
            'Posts are accepted from allowed_origins only (CORS, and the Origin or Referer of every post). Fields named name, first_name, last_name, email, phone, message, postcode, suburb, address and service are read as the lead; field_mapping names others; utm_*, gclid, fbclid, referrer and landing_page are the attribution; any other field goes into custom_data.',
          body: createFormBody,
          response: { 201: formAnswer, ...errorResponses },
        },
      },
      async (request, reply) => reply.code(201).send({ data: await forms.create(request.principal.companyId, request.body) }),
    );

    app.get(
      '/v1/intake-forms/:id',
      { config: { scope }, schema: { tags, summary: 'Get a web form', params: formIdParams, response: { 200: formAnswer, ...errorResponses } } },
      async (request) => ({ data: await forms.get(request.principal.companyId, request.params.id) }),
    );

    app.patch(
      '/v1/intake-forms/:id',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'Change a web form; rotate_key: true gives it a new public key and the old one stops at once',
          params: formIdParams,
          body: updateFormBody,
          response: { 200: formAnswer, ...errorResponses },
        },
      },
      async (request) => ({ data: await forms.update(request.principal.companyId, request.params.id, request.body) }),
    );

    app.delete(
      '/v1/intake-forms/:id',
      {
        config: { scope },
        schema: { tags, summary: 'Delete a web form (its key stops; its leads and submissions stay)', params: formIdParams, response: { 204: z.null().meta({ description: 'Deleted' }), ...errorResponses } },
      },
      async (request, reply) => {
        await forms.remove(request.principal.companyId, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
