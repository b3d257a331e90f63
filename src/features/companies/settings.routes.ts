import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sessionOf } from '../../auth/principal.js';
import type { companyView, CompaniesService } from './companies.service.js';
import { companySettingsBody, settingsInput } from './companies.schemas.js';
import { knownTimeZones } from './time-zones.js';
import type { Db } from '../../db/client.js';

const hide = true;

// The operator sets the Twilio number and the credit balance (`quoteleads company update`); the
// dashboard shows them.
function settingsView(company: ReturnType<typeof companyView>) {
  const { id: _, created_at: __, updated_at: ___, ...settings } = company;
  return settings;
}
/** What GET and PATCH /app/api/settings answer (the dashboard reads this type). */
export type SettingsView = ReturnType<typeof settingsView>;

/** Settings: the company's name, country, timezone, currency, tax and quiet hours (docs/dashboard.md). */
export function settingsRoutes(deps: { companies: CompaniesService; db: Db }): FastifyPluginAsyncZod {
  const { companies, db } = deps;
  return async (app) => {
    // The zones a company may choose: those both Intl and the database know (time-zones.ts), so the
    // settings page offers nothing the PATCH would refuse.
    app.get('/app/api/time-zones', { schema: { hide } }, async () => ({ data: [...(await knownTimeZones(db)).values()].sort() }));

    app.get('/app/api/settings', { schema: { hide } }, async (request) => settingsView(await companies.get(sessionOf(request).companyId)));

    app.patch('/app/api/settings', { config: { manage: 'settings' }, schema: { hide, body: companySettingsBody } }, async (request) =>
      settingsView(await companies.change(sessionOf(request).companyId, settingsInput(request.body))),
    );
  };
}
