import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { answerKeeper } from '../../http/idempotency.js';
import { errorBody, errorResponses } from '../../http/openapi.js';
import { answerPage, paginated, windowOf } from '../../http/pagination.js';
import { sendSmsAnswer, sendSmsBody, smsMessage, threadParams, threadQuery } from './sms.schemas.js';
import type { SmsService } from './sms.service.js';

export function smsRoutes(deps: { sms: SmsService }): FastifyPluginAsyncZod {
  const { sms } = deps;
  return async (app) => {
    app.post(
      '/v1/sms',
      {
        config: { scope: 'sms:send' },
        schema: {
          tags: ['SMS'],
          summary: "Text a lead from the company's Twilio number",
          description: [
            'Checks, in this order: both fields present (400), the lead (404), its phone (400), Twilio configured',
            'and the company number (500), opt-out (400), at most 1600 characters (400), credits (402), then the',
            'provider (500 `Failed to send SMS`; the credits are refunded and the thread keeps the message as',
            '`failed` with the provider error code). One credit per segment: 160 GSM-7 characters (153 per part',
            'when split) or 70 UCS-2 (67 per part). With an Idempotency-Key a retry never sends twice.',
          ].join(' '),
          body: sendSmsBody,
          response: {
            200: sendSmsAnswer,
            ...errorResponses,
            402: errorBody.describe('Insufficient SMS credits'),
            500: errorBody.describe('Twilio not configured, no Twilio number, or the provider failed'),
          },
        },
      },
      (request, reply) => sms.sendFromApi(request.principal, request.body, answerKeeper(request, reply, 200, (answer) => answer)),
    );

    app.get(
      '/v1/leads/:id/messages',
      {
        config: { scope: 'sms:read' },
        schema: {
          tags: ['SMS'],
          summary: "A lead's conversation thread, oldest first, both directions",
          params: threadParams,
          querystring: threadQuery,
          response: { 200: paginated(smsMessage), ...errorResponses },
        },
      },
      async (request) => answerPage(request.query, await sms.thread(request.principal, request.params.id, windowOf(request.query))),
    );
  };
}
