import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ACTOR_TYPES, ROLES, type Actor, type Role } from '../db/schema/index.js';

// Who is asking, and who made a change: below the features and the HTTP layer, which both use it.

/** The company a request acts for, and the country its national phone numbers are read in. */
export type Tenant = { companyId: string; country: string };

/** An API token (A1). `tokenName` is the key's name, which events name as their actor. */
export type TokenPrincipal = Tenant & {
  kind: 'token';
  tokenId: string;
  tokenName: string;
  scopes: readonly string[];
};

/** What GET /app/api/me answers: the user of a dashboard session and their company. */
export const sessionView = z.object({
  user: z.object({ id: z.uuid(), name: z.string(), email: z.string(), role: z.enum(ROLES) }),
  company: z.object({ id: z.uuid(), name: z.string() }),
  scopes: z.array(z.string()),
});
export type SessionView = z.infer<typeof sessionView>;

/** A dashboard user's session (docs/dashboard.md): a role, and the scopes that role has on /v1. */
export type SessionPrincipal = Tenant & {
  kind: 'session';
  sessionId: string;
  userId: string;
  role: Role;
  scopes: readonly string[];
  view: SessionView;
};

export type Principal = TokenPrincipal | SessionPrincipal;

/** The dashboard's session cookie. */
export const SESSION_COOKIE = 'ql_session';

/** /app/api routes other than the public ones run only with a session (src/http/auth.ts). */
export const sessionOf = (request: FastifyRequest) => request.principal as SessionPrincipal;

/** Who made a change or wrote a message (the word list: ACTOR_TYPES in src/db/schema/core.ts). */
export const actorSchema = z.object({ type: z.enum(ACTOR_TYPES), id: z.string().nullable(), name: z.string().nullable() });
export type { Actor };

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, name: null };

/** The actor behind a request: the token's key, or the dashboard's user. */
export function actorOf(principal: Principal): Actor {
  return principal.kind === 'token'
    ? { type: 'api', id: principal.tokenId, name: principal.tokenName }
    : { type: 'user', id: principal.userId, name: principal.view.user.name };
}

export const leadActor = (lead: { id: string; name: string | null }): Actor => ({ type: 'lead', id: lead.id, name: lead.name });
