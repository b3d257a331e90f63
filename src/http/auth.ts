import type { FastifyInstance } from 'fastify';
import { ForbiddenError, RateLimitedError } from '../lib/errors.js';
import type { RateDecision, RateLimiter } from '../lib/rate-limiter.js';
import type { Principal } from '../features/tokens/tokens.service.js';
import type { Scope } from '../features/tokens/scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** The scope a token needs for this route; routes under /v1 without one are open to any token. */
    scope?: Scope;
  }
}

/** Paths under /v1 that answer without a token: the API description itself. */
const PUBLIC_V1 = new Set(['/v1/openapi.json']);

function rateHeaders(d: RateDecision, nowMs: number): Record<string, string> {
  const resetSeconds = Math.max(0, Math.ceil(d.resetMs / 1000));
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"default";q=${d.limit};w=60`,
    RateLimit: `"default";r=${d.remaining};t=${resetSeconds}`,
    'X-RateLimit-Limit': String(d.limit),
    'X-RateLimit-Remaining': String(d.remaining),
    'X-RateLimit-Reset': String(Math.ceil((nowMs + Math.max(0, d.resetMs)) / 1000)),
  };
  if (!d.allowed) headers['Retry-After'] = String(Math.max(1, resetSeconds));
  return headers;
}

/**
 * Every /v1 request, in the order A1 fixes: authentication → rate limit → route and scope.
 * Input validation comes after, in the route.
 */
export function registerAuth(
  app: FastifyInstance,
  deps: {
    authenticate: (header: string | undefined) => Promise<Principal>;
    limiter: RateLimiter;
    now: () => number;
  },
) {
  app.decorateRequest('principal', null as unknown as Principal);

  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS') return; // CORS preflight carries no credentials
    const path = request.url.split('?')[0];
    if (!(path === '/v1' || path.startsWith('/v1/')) || PUBLIC_V1.has(path)) return;

    const principal = await deps.authenticate(request.headers.authorization);
    request.principal = principal;

    const decision = await deps.limiter.check(principal.companyId);
    const headers = rateHeaders(decision, deps.now());
    if (!decision.allowed) {
      throw new RateLimitedError(`Rate limit exceeded. Max ${decision.limit} requests per minute.`, headers);
    }
    reply.headers(headers);

    const scope = request.routeOptions.config?.scope;
    if (scope && !principal.scopes.includes(scope)) throw new ForbiddenError(`Insufficient scope: ${scope} required`);
  });
}
