import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../lib/errors.js';
import type { RateDecision, RateLimiter } from '../lib/rate-limiter.js';
import type { Scope } from '../auth/scopes.js';
import { SESSION_COOKIE, type Principal, type SessionPrincipal, type TokenPrincipal } from '../auth/principal.js';
import { canManage } from '../auth/roles.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: an API token, or a dashboard user's session. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** The scope a token needs for this route; routes under /v1 without one are open to any token. */
    scope?: Scope;
    /** Dashboard routes for owners and admins only; the words name the thing, for the 403. */
    manage?: string;
    /** A dashboard route that answers without a session (sign-up, log-in, an invitation). */
    public?: boolean;
  }
}

/** Paths under /v1 that answer without a token: the API description itself. */
const PUBLIC_V1 = new Set(['/v1/openapi.json']);
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function rateHeaders(d: RateDecision, nowMs: number, policy: string): Record<string, string> {
  const resetSeconds = Math.max(0, Math.ceil(d.resetMs / 1000));
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"${policy}";q=${d.limit};w=60`,
    RateLimit: `"${policy}";r=${d.remaining};t=${resetSeconds}`,
    'X-RateLimit-Limit': String(d.limit),
    'X-RateLimit-Remaining': String(d.remaining),
    'X-RateLimit-Reset': String(Math.ceil((nowMs + Math.max(0, d.resetMs)) / 1000)),
  };
  if (!d.allowed) headers['Retry-After'] = String(Math.max(1, resetSeconds));
  return headers;
}

/**
 * CSRF: a browser names the page that sent a request in `Origin`; a cookie-carrying request that
 * changes something must come from our own pages. Our origin is PUBLIC_URL's, or the Host the browser
 * addressed (which a cross-site page cannot choose).
 */
function assertSameOrigin(request: FastifyRequest, publicOrigin: string) {
  const origin = request.headers.origin;
  if (origin && (origin === publicOrigin || origin === `${request.protocol}://${request.headers.host}`)) return;
  throw new ForbiddenError('Cross-site request refused (Origin check)');
}

/**
 * Every /v1 and /app/api request, in the order A1 fixes: authentication → rate limit → route and
 * scope. Input validation comes after, in the route. A bearer token is the API's credential; without
 * an Authorization header, the dashboard's session cookie is (see docs/dashboard.md).
 */
export function registerAuth(
  app: FastifyInstance,
  deps: {
    authenticate: (header: string | undefined) => Promise<TokenPrincipal>;
    authenticateSession: (cookie: string) => Promise<SessionPrincipal | null>;
    /** The company's API quota (A3). */
    limiter: RateLimiter;
    /** Dashboard traffic: per user, apart from the API quota. */
    sessionLimiter: RateLimiter;
    /** Requests that end in 401, per client address. */
    failureLimiter: RateLimiter;
    publicOrigin: string;
    now: () => number;
  },
) {
  app.decorateRequest('principal', null as unknown as TokenPrincipal);

  // Counted only once authentication has failed, so a valid credential is never refused by it
  // (integration platforms send many companies' tokens from a few shared addresses); past the limit,
  // the answer is a 429 instead of the 401, telling a guesser to stop (its 429s do not count).
  async function limitFailures(request: FastifyRequest) {
    const d = await deps.failureLimiter.check(request.ip);
    if (d.allowed) return;
    const seconds = Math.max(1, Math.ceil(d.resetMs / 1000));
    throw new RateLimitedError(`Too many failed authentications from this address; try again in ${seconds} seconds`, {
      'Retry-After': String(seconds),
    });
  }

  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS') return; // CORS preflight carries no credentials
    // The matched route's own path, not the raw URL: the router decodes percent-escapes, so
    // /%761/leads reaches /v1/leads and must be authenticated like it.
    const path = request.routeOptions.url ?? request.url.split('?')[0];
    const v1 = path === '/v1' || path.startsWith('/v1/');
    const dashboard = path.startsWith('/app/api/');
    if (!(v1 || dashboard) || PUBLIC_V1.has(path)) return;
    const config = request.routeOptions.config;
    if (dashboard && config?.public) {
      if (UNSAFE.has(request.method)) assertSameOrigin(request, deps.publicOrigin); // log-in CSRF too
      return;
    }

    let principal: Principal;
    const header = v1 ? request.headers.authorization : undefined;
    try {
      if (header !== undefined) {
        principal = await deps.authenticate(header);
      } else {
        const cookie = request.cookies[SESSION_COOKIE];
        const session = cookie ? await deps.authenticateSession(cookie) : null;
        if (!session) {
          if (dashboard) throw new UnauthorizedError('Not logged in');
          principal = await deps.authenticate(undefined); // throws A1's 401
        } else {
          principal = session;
        }
      }
    } catch (err) {
      if (err instanceof UnauthorizedError) await limitFailures(request);
      throw err;
    }
    if (principal.kind === 'session' && UNSAFE.has(request.method)) assertSameOrigin(request, deps.publicOrigin);
    request.principal = principal;

    const decision =
      principal.kind === 'session'
        ? await deps.sessionLimiter.check(`user:${principal.userId}`)
        : await deps.limiter.check(principal.companyId);
    const headers = rateHeaders(decision, deps.now(), principal.kind === 'session' ? 'dashboard' : 'default');
    if (!decision.allowed) {
      throw new RateLimitedError(`Rate limit exceeded. Max ${decision.limit} requests per minute.`, headers);
    }
    reply.headers(headers);

    const scope = config?.scope;
    if (scope && !principal.scopes.includes(scope)) throw new ForbiddenError(`Insufficient scope: ${scope} required`);
    if (config?.manage && !(principal.kind === 'session' && canManage(principal.role))) {
      throw new ForbiddenError(`Only owners and admins can manage ${config.manage}`);
    }
  });
}
