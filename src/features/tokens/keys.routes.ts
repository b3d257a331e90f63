import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { instant } from '../../http/schema-fields.js';
import { sessionOf } from '../../auth/principal.js';
import { ALL_SCOPES, SCOPES } from '../../auth/scopes.js';
import type { TokensService } from './tokens.service.js';

const hide = true;
const manage = 'API keys';

const createKeyBody = z.object({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.enum(ALL_SCOPES as [string, ...string[]])).min(1, { error: 'must have at least one scope' }),
  expires_at: instant('must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z').optional(),
});

const scopeList = () => Object.entries(SCOPES).map(([scope, description]) => ({ scope, description }));

// What these routes answer (the dashboard reads these types): a key is the token's view without its company.
export type ScopeInfo = ReturnType<typeof scopeList>[number];
export type KeyView = Omit<Awaited<ReturnType<TokensService['list']>>[number], 'company_id'>;
export type CreatedKey = Omit<Awaited<ReturnType<TokensService['issue']>>, 'company_id'>;

/** Integrations → API keys: the dashboard's key management (docs/dashboard.md). Owners and admins. */
export function keysRoutes(deps: { tokens: TokensService }): FastifyPluginAsyncZod {
  const { tokens } = deps;
  return async (app) => {
    app.get('/app/api/scopes', { schema: { hide } }, async () => ({ data: scopeList() }));

    app.get('/app/api/keys', { config: { manage }, schema: { hide } }, async (request) => ({
      data: (await tokens.list(sessionOf(request).companyId)).map(({ company_id: _, ...key }) => key),
    }));

    app.post('/app/api/keys', { config: { manage }, schema: { hide, body: createKeyBody } }, async (request, reply) => {
      const { company_id: _, ...key } = await tokens.issue({
        companyId: sessionOf(request).companyId,
        name: request.body.name,
        scopes: request.body.scopes,
        expiresAt: request.body.expires_at,
        expiresAtField: 'expires_at',
      });
      return reply.code(201).send(key);
    });

    app.delete('/app/api/keys/:id', { config: { manage }, schema: { hide, params: z.object({ id: z.string() }) } }, async (request) => {
      const { company_id: _, ...key } = await tokens.revokeOfCompany(sessionOf(request).companyId, request.params.id);
      return key;
    });
  };
}
