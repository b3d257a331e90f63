import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { NotFoundError } from '../../lib/errors.js';
import { sessionOf } from '../../auth/principal.js';
import { findCompany } from './companies.repo.js';
import { changeCompany, companyView } from './companies.service.js';

const hide = true;

const settingsBody = z
  .object({
    name: z.string().trim().min(1).max(500),
    country: z.string().regex(/^[A-Za-z]{2}$/, { error: 'must be a two-letter ISO 3166 code, e.g. AU' }),
    timezone: z.string().min(1).max(100),
    currency: z.string().regex(/^[A-Za-z]{3}$/, { error: 'must be an ISO 4217 code, e.g. AUD' }),
    tax_rate: z.number().min(0).max(1, { error: 'must be a fraction: 0.1 for 10%' }),
    tax_mode: z.enum(['exclusive', 'inclusive']),
    instant_reply: z.string().max(1600).nullable(),
    // Stops every outbound text at once (agent, follow-ups, the API) until it is switched back.
    sms_paused: z.boolean(),
  })
  .partial();

// The operator sets the Twilio number and the credit balance (`quoteleads company update`); the
// dashboard shows them.
function settingsView(company: ReturnType<typeof companyView>) {
  const { id: _, created_at: __, updated_at: ___, ...settings } = company;
  return settings;
}
/** What GET and PATCH /app/api/settings answer (the dashboard reads this type). */
export type SettingsView = ReturnType<typeof settingsView>;

/** Settings: the company's name, country, timezone, currency and tax (docs/dashboard.md). */
export function settingsRoutes(deps: { db: Db }): FastifyPluginAsyncZod {
  const { db } = deps;
  return async (app) => {
    app.get('/app/api/settings', { schema: { hide } }, async (request) => {
      const row = await findCompany(db, sessionOf(request).companyId);
      if (!row) throw new NotFoundError('Company not found');
      return settingsView(companyView(row));
    });

    app.patch('/app/api/settings', { config: { manage: 'settings' }, schema: { hide, body: settingsBody } }, async (request) => {
      const b = request.body;
      const company = await changeCompany(db, sessionOf(request).companyId, {
        name: b.name,
        country: b.country,
        timezone: b.timezone,
        currency: b.currency,
        taxRate: b.tax_rate,
        taxMode: b.tax_mode,
        // The service reads '' as "off".
        instantReply: b.instant_reply === null ? '' : b.instant_reply,
        smsPaused: b.sms_paused,
      });
      return settingsView(company);
    });
  };
}
