import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sessionOf } from '../../auth/principal.js';
import type { MobilesService } from './mobile.service.js';
import { mobileBody, verifyMobileBody } from './mobile.schemas.js';

const hide = true;

/** A user's own mobile for SMS alerts (docs/dashboard.md, "SMS alerts"): a session's own, whatever its role. */
export function mobileRoutes(deps: { mobiles: MobilesService }): FastifyPluginAsyncZod {
  const { mobiles } = deps;
  return async (app) => {
    app.put('/app/api/me/mobile', { schema: { hide, body: mobileBody } }, async (request) => mobiles.requestCode(sessionOf(request), request.body));
    app.post('/app/api/me/mobile/verify', { schema: { hide, body: verifyMobileBody } }, async (request) =>
      mobiles.verify(sessionOf(request), request.body),
    );
    app.delete('/app/api/me/mobile', { schema: { hide } }, async (request, reply) => {
      await mobiles.remove(sessionOf(request));
      return reply.code(204).send();
    });
  };
}
