import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sessionOf, sessionView } from '../../auth/principal.js';
import { emailChangeBody, passwordChangeBody, profileBody, sessionsView } from './accounts.schemas.js';
import type { ProfileService } from './profile.service.js';

const hide = true;

/** The profile page's endpoints (docs/dashboard.md, "Profile"): a session's own user, whatever its role. */
export function profileRoutes(deps: { profile: ProfileService }): FastifyPluginAsyncZod {
  const { profile } = deps;
  return async (app) => {
    app.patch('/app/api/me', { schema: { hide, body: profileBody, response: { 200: sessionView } } }, async (request) =>
      profile.rename(sessionOf(request), request.body.name),
    );
    app.put('/app/api/me/email', { schema: { hide, body: emailChangeBody, response: { 200: sessionView } } }, async (request) =>
      profile.changeEmail(sessionOf(request), request.body, request.ip),
    );
    app.put('/app/api/me/password', { schema: { hide, body: passwordChangeBody, response: { 200: sessionsView } } }, async (request) =>
      profile.changePassword(sessionOf(request), request.body, request.ip),
    );
    app.get('/app/api/me/sessions', { schema: { hide, response: { 200: sessionsView } } }, async (request) => profile.sessions(sessionOf(request)));
    app.post('/app/api/me/sessions/end-others', { schema: { hide, response: { 200: sessionsView } } }, async (request) =>
      profile.endOtherSessions(sessionOf(request)),
    );
  };
}
