import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import type { RateLimiter } from '../lib/rate-limiter.js';

async function check(probe: (() => Promise<void>) | undefined): Promise<'ok' | 'down' | 'not_configured'> {
  if (!probe) return 'not_configured';
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
    return 'ok';
  } catch {
    return 'down';
  }
}

export function healthRoutes(deps: { database: Database; limiter: RateLimiter }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/health',
      { schema: { tags: ['Health'], security: [], response: { 200: z.object({ status: z.literal('ok'), service: z.string() }) } } },
      async () => ({ status: 'ok' as const, service: 'quoteleadshq-api' }),
    );

    const readiness = z.object({
      status: z.enum(['ready', 'unavailable']),
      database: z.enum(['ok', 'down', 'not_configured']),
      redis: z.enum(['ok', 'down', 'not_configured']),
    });
    app.get(
      '/health/ready',
      {
        schema: {
          tags: ['Health'],
          summary: 'Ready when the database (and Redis, when configured) answer',
          security: [],
          response: { 200: readiness, 503: readiness },
        },
      },
      async (_request, reply) => {
        const [database, redis] = await Promise.all([
          check(() => deps.database.ping()),
          check(deps.limiter.ping && (() => deps.limiter.ping!())),
        ]);
        const ready = database === 'ok' && redis !== 'down';
        return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', database, redis });
      },
    );
  };
}
