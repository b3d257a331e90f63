import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  acceptInviteBody,
  createdInvite,
  createInviteBody,
  idParams,
  inviteInfo,
  loginBody,
  signupBody,
  teamView,
  tokenParams,
} from './accounts.schemas.js';
import { SESSION_COOKIE, sessionOf, sessionView } from '../../auth/principal.js';
import { SESSION_MAX_MS, type Accounts } from './accounts.service.js';

// The dashboard's own endpoints: not part of the public API, so not in its OpenAPI document.
const hide = true;
const team = 'the team';

/** Sign-up, log-in, log-out, who am I, and the team with its invitations (docs/dashboard.md). */
export function accountsRoutes(deps: { accounts: Accounts; secureCookies: boolean }): FastifyPluginAsyncZod {
  const { accounts } = deps;

  function setSessionCookie(reply: FastifyReply, token: string) {
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.secureCookies,
      path: '/',
      maxAge: SESSION_MAX_MS / 1000,
    });
  }

  return async (app) => {
    app.get(
      '/app/api/setup',
      { config: { public: true }, schema: { hide, response: { 200: z.object({ has_users: z.boolean() }) } } },
      async () => ({ has_users: await accounts.hasUsers() }),
    );

    app.post('/app/api/signup', { config: { public: true }, schema: { hide, body: signupBody } }, async (request, reply) => {
      await accounts.signup(request.body, request.ip);
      return reply.code(202).send({ message: 'If this email was new, its account is ready: log in with it.' });
    });

    app.post(
      '/app/api/login',
      { config: { public: true }, schema: { hide, body: loginBody, response: { 200: sessionView } } },
      async (request, reply) => {
        const { token, session } = await accounts.login(request.body, request.ip);
        setSessionCookie(reply, token);
        return session;
      },
    );

    app.post('/app/api/logout', { config: { public: true }, schema: { hide } }, async (request, reply) => {
      await accounts.logout(request.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    });

    app.get('/app/api/me', { schema: { hide, response: { 200: sessionView } } }, async (request) => sessionOf(request).view);

    app.get('/app/api/team', { config: { manage: team }, schema: { hide, response: { 200: teamView } } }, (request) =>
      accounts.team(sessionOf(request).companyId),
    );

    app.delete('/app/api/team/:id', { config: { manage: team }, schema: { hide, params: idParams } }, async (request, reply) => {
      await accounts.removeUser(sessionOf(request), request.params.id);
      return reply.code(204).send();
    });

    app.post(
      '/app/api/invites',
      { config: { manage: team }, schema: { hide, body: createInviteBody, response: { 201: createdInvite } } },
      async (request, reply) => reply.code(201).send(await accounts.createInvite(sessionOf(request), request.body.role, request.body.email)),
    );

    app.delete('/app/api/invites/:id', { config: { manage: team }, schema: { hide, params: idParams } }, async (request, reply) => {
      await accounts.deleteInvite(sessionOf(request).companyId, request.params.id);
      return reply.code(204).send();
    });

    app.get(
      '/app/api/invites/:token',
      { config: { public: true, secretPath: true }, schema: { hide, params: tokenParams, response: { 200: inviteInfo } } },
      (request) => accounts.inviteInfo(request.params.token),
    );

    app.post(
      '/app/api/invites/:token/accept',
      { config: { public: true, secretPath: true }, schema: { hide, params: tokenParams, body: acceptInviteBody, response: { 201: sessionView } } },
      async (request, reply) => {
        const { token, session } = await accounts.acceptInvite(request.params.token, request.body, request.ip);
        setSessionCookie(reply, token);
        return reply.code(201).send(session);
      },
    );
  };
}
