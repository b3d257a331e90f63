import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { NotFoundError } from '../../lib/errors.js';
import { sessionOf } from '../../auth/principal.js';
import { findCompany } from './companies.repo.js';
import { companyFields, companyView, type CompaniesService } from './companies.service.js';

const hide = true;

// The company's own field rules (companies.service.ts), under the names the dashboard sends. The
// operator sets the Twilio number and the credit balance, so they are not here.
const f = companyFields.shape;
const settingsBody = z
  .object({
    name: f.name,
    country: f.country,
    timezone: f.timezone,
    currency: f.currency,
    tax_rate: f.taxRate,
    tax_mode: f.taxMode,
    instant_reply: f.instantReply,
    // Stops every outbound text at once (agent, follow-ups, the API) until it is switched back.
    sms_paused: f.smsPaused,
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
export function settingsRoutes(deps: { db: Db; companies: CompaniesService }): FastifyPluginAsyncZod {
  const { db, companies } = deps;
  return async (app) => {
    app.get('/app/api/settings', { schema: { hide } }, async (request) => {
      const row = await findCompany(db, sessionOf(request).companyId);
      if (!row) throw new NotFoundError('Company not found');
      return settingsView(companyView(row));
    });

    app.patch('/app/api/settings', { config: { manage: 'settings' }, schema: { hide, body: settingsBody } }, async (request) => {
      const b = request.body;
      const company = await companies.change(sessionOf(request).companyId, {
        name: b.name,
        country: b.country,
        timezone: b.timezone,
        currency: b.currency,
        taxRate: b.tax_rate,
        taxMode: b.tax_mode,
        instantReply: b.instant_reply,
        smsPaused: b.sms_paused,
      });
      return settingsView(company);
    });
  };
}
