import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sessionOf } from '../../auth/principal.js';
import type { TodayService } from './today.service.js';

/** Home's "today" (docs/dashboard.md, "Inbox and Home"): any role. */
export function todayRoutes(deps: { today: TodayService }): FastifyPluginAsyncZod {
  const { today } = deps;
  return async (app) => {
    app.get('/app/api/today', { schema: { hide: true } }, async (request) => today.today(sessionOf(request)));
  };
}
