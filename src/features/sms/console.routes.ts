import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sessionOf } from '../../auth/principal.js';
import type { Db } from '../../db/client.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { findCompany } from '../companies/companies.repo.js';
import { findLead } from '../leads/leads.repo.js';
import type { TwilioWebhooks } from './sms.inbound.js';

const hide = true;

/**
 * The dashboard's "Reply as the customer" (SMS_PROVIDER=console only, as `quoteleads sms receive`):
 * a text from the lead's number, delivered as Twilio's webhook would deliver it, so the whole loop
 * (thread, STOP, the agent's answer) can be tried on a laptop. Without the console provider the
 * route does not exist (404).
 */
export function consoleRoutes(deps: { db: Db; twilio: TwilioWebhooks; consoleSms: boolean }): FastifyPluginAsyncZod {
  const { db, twilio, consoleSms } = deps;
  return async (app) => {
    app.get('/app/api/console', { schema: { hide } }, async () => ({ sms_console: consoleSms }));

    app.post(
      '/app/api/console/inbound',
      { schema: { hide, body: z.object({ lead_id: z.string(), text: z.string().trim().min(1).max(1600) }) } },
      async (request, reply) => {
        if (!consoleSms) throw new NotFoundError('Not found');
        const { companyId } = sessionOf(request);
        const lead = isUuid(request.body.lead_id) ? await findLead(db, companyId, request.body.lead_id) : undefined;
        if (!lead) throw new NotFoundError('Lead not found');
        if (!lead.phone) throw new ValidationError('Lead has no phone number');
        const company = (await findCompany(db, companyId))!;
        const sid = `SMconsole${randomBytes(12).toString('hex')}`;
        await twilio.receive({ MessageSid: sid, To: company.twilioNumber ?? 'console', From: lead.phone, Body: request.body.text }, { companyId });
        return reply.code(202).send({ received: true, message_sid: sid });
      },
    );
  };
}
