import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { findCompany } from '../companies/companies.repo.js';
import { tryAnswer, tryBody, type AgentTry } from './agent-try.js';
import { usageByDay } from './agent-turns.repo.js';

const tags = ['Agent'];
const scope = 'agent:manage';

const usageQuery = z.object({
  days: z.coerce.number().int().min(1).max(90).default(30).meta({ description: 'How many days back, today included (1–90, default 30)' }),
});
const usageDay = z.object({
  date: z.string().meta({ description: "The day, in the company's timezone", example: '2026-12-02' }),
  turns: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

/** The agent's usage and its "try it" console. */
export function agentRoutes(deps: { db: Db; clock: Clock; agentTry: AgentTry }): FastifyPluginAsyncZod {
  const { db, clock, agentTry } = deps;
  return async (app) => {
    app.get(
      '/v1/agent/usage',
      {
        config: { scope },
        schema: {
          tags,
          summary: "The agent's turns and model tokens per day",
          description: "Days in the company's timezone, newest first; days without a turn are left out. Rules-engine turns use no tokens.",
          querystring: usageQuery,
          response: { 200: z.object({ data: z.array(usageDay) }), ...errorResponses },
        },
      },
      async (request) => {
        const company = await findCompany(db, request.principal.companyId);
        if (!company) throw new NotFoundError('Company not found');
        return { data: await usageByDay(db, company.id, company.timezone, new Date(clock.now()), request.query.days) };
      },
    );

    app.post(
      '/v1/agent/try',
      {
        config: { scope },
        schema: {
          tags,
          summary: 'Try the agent: what it would answer and do, with nothing sent or stored',
          description:
            'Answers a text as a customer would send it with the company\'s settings, engine, free slots and price book. Nothing is texted, booked, drafted or recorded; each tool call comes back with what the server would answer it. Send the answer\'s `state` back with the next text to go on with the conversation.',
          body: tryBody,
          response: { 200: tryAnswer, ...errorResponses },
        },
      },
      async (request) => ({ data: await agentTry.tryTurn(request.principal.companyId, request.body) }),
    );
  };
}
