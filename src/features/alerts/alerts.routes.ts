import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sessionOf } from '../../auth/principal.js';
import type { AlertsService } from './alerts.service.js';
import { alertPrefsBody, markReadBody, notificationsQuery } from './alerts.schemas.js';

const hide = true;

/** The bell and each user's alert choices (docs/dashboard.md, "Alerts"): a session's own, whatever its role. */
export function alertsRoutes(deps: { alerts: AlertsService }): FastifyPluginAsyncZod {
  const { alerts } = deps;
  return async (app) => {
    app.get('/app/api/notifications', { schema: { hide, querystring: notificationsQuery } }, async (request) =>
      alerts.list(sessionOf(request), request.query),
    );
    app.post('/app/api/notifications/read', { schema: { hide, body: markReadBody } }, async (request) =>
      alerts.read(sessionOf(request), request.body),
    );
    app.get('/app/api/me/notifications', { schema: { hide } }, async (request) => alerts.preferences(sessionOf(request)));
    app.patch('/app/api/me/notifications', { schema: { hide, body: alertPrefsBody } }, async (request) =>
      alerts.choose(sessionOf(request), request.body),
    );
  };
}
