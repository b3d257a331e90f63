import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody } from '../../http/openapi.js';
import { isUuid } from '../../lib/ids.js';
import { twilioForm } from './sms.schemas.js';
import type { TwilioWebhooks } from './sms.inbound.js';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

const webhookResponses = {
  200: z.string().describe('An empty TwiML <Response/>'),
  403: errorBody.describe('X-Twilio-Signature missing or wrong: nothing was stored'),
};

/** B5: Twilio calls these, signed with the platform's auth token; no bearer token, not under /v1. */
export function twilioWebhookRoutes(deps: { twilio: TwilioWebhooks }): FastifyPluginAsyncZod {
  const { twilio } = deps;
  return async (app) => {
    app.post(
      '/webhooks/twilio/sms',
      {
        schema: {
          tags: ['Twilio webhooks'],
          summary: 'Inbound SMS (Twilio messaging webhook)',
          description:
            'Form-encoded, signed. Finds the company by `To` and the lead by `From` (creating it with source "sms"), stores the message, fires sms.received; STOP/START keywords set sms_opted_out. Idempotent on MessageSid.',
          security: [],
          consumes: ['application/x-www-form-urlencoded'],
          body: twilioForm,
          response: webhookResponses,
        },
      },
      async (request, reply) => {
        twilio.verify({ url: request.url, signature: request.headers['x-twilio-signature'], params: request.body });
        await twilio.receive(request.body);
        return reply.type('text/xml; charset=utf-8').send(EMPTY_TWIML);
      },
    );

    app.post(
      '/webhooks/twilio/status',
      {
        schema: {
          tags: ['Twilio webhooks'],
          summary: 'Delivery status callback (the StatusCallback of each message we send)',
          description: 'Form-encoded, signed. A status never moves backwards: a late "sent" does not undo "delivered".',
          security: [],
          querystring: z.object({ message_id: z.string().optional() }),
          body: twilioForm,
          response: webhookResponses,
        },
      },
      async (request, reply) => {
        twilio.verify({ url: request.url, signature: request.headers['x-twilio-signature'], params: request.body });
        const messageId = request.query.message_id && isUuid(request.query.message_id) ? request.query.message_id : null;
        const { matched } = await twilio.receiveStatus(request.body, messageId);
        if (!matched) request.log.info({ sid: request.body.MessageSid }, 'status callback for no message of ours');
        return reply.type('text/xml; charset=utf-8').send(EMPTY_TWIML);
      },
    );
  };
}
