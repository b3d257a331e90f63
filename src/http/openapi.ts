import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SCOPES } from '../auth/scopes.js';

export const errorBody = z
  .object({
    error: z.string().meta({ description: 'Human-readable message (exact strings of the compatible API)' }),
    code: z.string().meta({ description: 'Stable snake_case word, e.g. validation_failed, not_found' }),
    request_id: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Error' });

export const errorResponses = {
  400: errorBody.describe('Invalid input; the message names the field'),
  401: errorBody.describe('Missing, invalid, revoked or expired token'),
  403: errorBody.describe('The token lacks the scope'),
  404: errorBody.describe('Not found, or it belongs to another company'),
  429: errorBody.describe('Rate limit exceeded'),
};

const DESCRIPTION = `The QuoteLeads API, compatible with QuoteLeadsHQ v1.

Authenticate with \`Authorization: Bearer qlhq_…\`. Every company shares one rate limit across its tokens
(\`RateLimit\` and \`X-RateLimit-*\` headers on every authenticated answer). Lists take \`page\` and
\`per_page\` (1-100; out-of-range values are corrected, not refused). Errors are
\`{"error", "code", "request_id"}\`. Any POST accepts an \`Idempotency-Key\` header (up to 255 characters):
the first answer is kept for 24 hours and replayed to a retry with the same body; a different body
with the same key answers 422.

Scopes:
${Object.entries(SCOPES)
  .map(([s, d]) => `- \`${s}\`: ${d}`)
  .join('\n')}`;

/** OpenAPI 3.1 from the same Zod schemas that validate requests, at /v1/openapi.json; a reference at /docs. */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'QuoteLeads API', version: '1.0.0', description: DESCRIPTION },
      servers: [{ url: publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'qlhq_…' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
