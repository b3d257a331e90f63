import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, ValidationError } from '../../lib/errors.js';
import { errorResponses } from '../../http/openapi.js';
import type { FoundForm, Intake } from './intake.service.js';
import { renderProblemPage, renderThanksPage } from './intake.html.js';

const FORM_BODY_LIMIT = 256 * 1024;

/** A JSON body as the flat fields a form posts: strings, numbers and booleans as text. */
function flatFields(body: unknown): Record<string, string> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('The form must be sent as fields: a JSON object, form-encoded or multipart');
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') fields[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') fields[name] = String(value);
    else throw new ValidationError(`'${name}' must be text`, [{ field: name, message: 'must be text' }]);
  }
  return fields;
}

const wantsJson = (request: FastifyRequest) =>
  /application\/json/i.test(request.headers['content-type'] ?? '') || /application\/json/i.test(request.headers.accept ?? '');

/** Where the "back" link of a page goes: the page the form was on, when it is one of the form's sites. */
function backLink(request: FastifyRequest, allowed: (origin: string) => boolean): string | undefined {
  const referer = request.headers.referer;
  try {
    return referer && allowed(new URL(referer).origin) ? referer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The public endpoint of web forms (issue 16): POST /intake/<public key> from a page's plain HTML form
 * (form-encoded or multipart, answered with a 303 or a page) or from `fetch` (answered with JSON).
 * CORS for the form's own sites only; the post's Origin or Referer is checked too (intake.service).
 */
export function intakeRoutes(deps: { intake: Intake }): FastifyPluginAsync {
  const { intake } = deps;
  return async (app) => {
    // Browsers post FormData as multipart; the fields are read with the platform's own parser, files ignored.
    app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: FORM_BODY_LIMIT }, async (request: FastifyRequest, body: Buffer) => {
      try {
        const form = await new Response(new Uint8Array(body), { headers: { 'content-type': String(request.headers['content-type']) } }).formData();
        const fields: Record<string, string> = {};
        for (const [name, value] of form) if (typeof value === 'string') fields[name] = value;
        return fields;
      } catch {
        throw new ValidationError('The multipart body could not be read');
      }
    });

    /** CORS for a form's own sites: the answer names the origin only when the form allows it. */
    function corsFor(request: FastifyRequest, reply: FastifyReply, found: FoundForm | undefined) {
      const origin = request.headers.origin;
      reply.header('Vary', 'Origin');
      if (origin && found && intake.allows(found.form, origin)) reply.header('Access-Control-Allow-Origin', origin);
    }
    // An unknown form gets no CORS headers; its post answers 404.
    const formOr404 = (key: string) => intake.formOf(key).catch(() => undefined);

    app.options<{ Params: { key: string } }>('/intake/:key', { schema: { hide: true } }, async (request, reply) => {
      corsFor(request, reply, await formOr404(request.params.key));
      if (!reply.getHeader('Access-Control-Allow-Origin')) return reply.code(403).send();
      return reply
        .code(204)
        .headers({ 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type, Accept', 'Access-Control-Max-Age': '600' })
        .send();
    });

    app.post<{ Params: { key: string } }>(
      '/intake/:key',
      {
        bodyLimit: FORM_BODY_LIMIT,
        schema: {
          tags: ['Intake'],
          summary: "A web form's post: a lead for the form's company (no token: the form's public key, its sites and limits)",
          description:
            "From a page on one of the form's allowed_origins (CORS and the Origin or Referer of the post). A browser's form post is answered with a 303 to the form's thank_you_url or a thank-you page (a problem: a page saying what to fix); a request with Accept: application/json with {ok, message} (a problem: the usual error body). Fields: see /v1/intake-forms. Never says whether the person was already a lead.",
          security: [],
          consumes: ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json'],
          params: z.object({ key: z.string().meta({ description: "The form's public key (qlf_…)" }) }),
          body: z.record(z.string(), z.unknown()).meta({ description: 'The form fields' }),
          response: {
            200: z.object({ ok: z.literal(true), message: z.string() }).describe('Accepted (JSON); a browser gets a thank-you page'),
            303: z.null().describe("Accepted: a browser is sent to the form's thank_you_url"),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const json = wantsJson(request);
        try {
          const found = await intake.formOf(request.params.key);
          corsFor(request, reply, found);
          const { form } = await intake.submit(found, {
            fields: flatFields(request.body),
            origin: request.headers.origin,
            referer: request.headers.referer,
            ip: request.ip,
          });
          if (json) return reply.code(200).send({ ok: true, message: 'Thank you: we have your details and will be in touch shortly.' });
          if (form.thankYouUrl) return reply.code(303).header('Location', form.thankYouUrl).send();
          const back = backLink(request, (o) => form.allowedOrigins.includes(o));
          return reply.code(200).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(renderThanksPage(back));
        } catch (err) {
          if (json || !(err instanceof AppError)) throw err;
          if (err.headers) reply.headers(err.headers);
          return reply
            .code(err.status)
            .type('text/html; charset=utf-8')
            .header('Cache-Control', 'no-store')
            // Back to the page the post came from, unless the post was refused for where it came from.
            .send(renderProblemPage(err.message, err.status === 403 || err.status === 404 ? undefined : backLink(request, () => true)));
        }
      },
    );
  };
}
