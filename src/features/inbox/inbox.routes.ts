import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sessionOf } from '../../auth/principal.js';
import type { InboxService } from './inbox.service.js';
import { inboxQuery, leadParams } from './inbox.schemas.js';

const hide = true;

/** The inbox (docs/dashboard.md, "Inbox and Home"): any role, each user's own read state. */
export function inboxRoutes(deps: { inbox: InboxService }): FastifyPluginAsyncZod {
  const { inbox } = deps;
  return async (app) => {
    app.get('/app/api/inbox', { schema: { hide, querystring: inboxQuery } }, async (request) => inbox.list(sessionOf(request), request.query));
    app.get('/app/api/inbox/unread', { schema: { hide } }, async (request) => inbox.unread(sessionOf(request)));
    app.post('/app/api/inbox/:lead_id/read', { schema: { hide, params: leadParams } }, async (request) =>
      inbox.read(sessionOf(request), request.params.lead_id),
    );
  };
}
