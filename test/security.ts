import { randomUUID } from 'node:crypto';
import type { Scope } from '../src/auth/scopes.js';
import { webhookDeliveries, webhookEndpoints } from '../src/db/schema/index.js';
import { loadSecretBox } from '../src/lib/secret-box.js';
import type { Tenant, TestServer } from './helpers.js';

/**
 * Every /v1 route and what it needs. test/route-security.test.ts runs the same checks on each (no token,
 * revoked, expired, missing scope, another company's token) and fails when a route of the OpenAPI
 * document is missing here: a new route comes with its security tests or the suite goes red.
 */
export type SecuredRoute = {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string; // as in the OpenAPI document, e.g. /v1/leads/{id}
  /** The scope the route needs; none: any valid token is enough. */
  scope?: Scope;
  /** A valid request body, so that only security can fail (a function: built from the target's values). */
  body?: unknown | ((params: Record<string, string>) => unknown);
  /** Creates what the route acts on for `owner`, and returns the values of the path parameters. */
  target?: (owner: Tenant, server: TestServer) => Promise<Record<string, string>>;
  /** Path parameters that name no company's data (a sequence's kind), the same for every company. */
  params?: Record<string, string>;
  /** The status a correct request gets. */
  ok: number;
};

async function leadOf(owner: Tenant) {
  const res = await owner.call('POST', '/v1/leads', { name: 'Security Lead', phone: '0412 000 111' });
  return { id: res.body.data.id as string };
}

async function intakeFormOf(owner: Tenant) {
  const res = await owner.call('POST', '/v1/intake-forms', { name: 'Security form' });
  return { id: res.body.data.id as string };
}

/** A lead with a scheduled follow-up: a reminder of a visit booked a week ahead. */
async function followUpOf(owner: Tenant) {
  const lead = await leadOf(owner);
  await owner.call('PATCH', '/v1/automations/appointment_reminder', { enabled: true });
  const start = new Date(Date.now() + 7 * 86_400_000).toISOString();
  await owner.call('POST', '/v1/appointments', { lead_id: lead.id, appointment_type: 'onsite', start_time: start });
  const steps = await owner.call('GET', `/v1/leads/${lead.id}/follow-ups`);
  return { id: lead.id, follow_up_id: steps.body.data[0].id as string };
}

async function quoteOf(owner: Tenant) {
  const lead = await leadOf(owner);
  const res = await owner.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'Roof repair', quantity: 1, unit_price: 100 }] });
  return { id: res.body.data.id as string };
}

async function priceBookItemOf(owner: Tenant) {
  const res = await owner.call('POST', '/v1/price-book', { name: 'Gutter clean', unit: 'metre', unit_price: 12.5 });
  return { id: res.body.data.id as string };
}

async function appointmentOf(owner: Tenant) {
  const lead = await leadOf(owner);
  const res = await owner.call('POST', '/v1/appointments', { lead_id: lead.id, appointment_type: 'callback', start_time: '2030-01-01T09:00:00Z' });
  return { id: res.body.data.id as string };
}

/**
 * A webhook endpoint written straight to the database, pointing at a loopback address: the security
 * server does not allow private targets, so a test send is refused at connect time, without a network.
 */
async function webhookOf(owner: Tenant, server: TestServer) {
  const id = randomUUID();
  const now = new Date(server.clock.now());
  await server.database.db.insert(webhookEndpoints).values({
    id,
    companyId: owner.companyId,
    url: 'http://127.0.0.1:9/hook',
    secretCiphertext: loadSecretBox(server.config, server.database.engine).seal('whsec_c2VjdXJpdHk=', id),
    createdAt: now,
    updatedAt: now,
  });
  return { id };
}

async function failedDeliveryOf(owner: Tenant, server: TestServer) {
  const { id } = await webhookOf(owner, server);
  const deliveryId = randomUUID();
  const now = new Date(server.clock.now());
  await server.database.db.insert(webhookDeliveries).values({
    id: deliveryId,
    companyId: owner.companyId,
    endpointId: id,
    eventId: randomUUID(),
    eventType: 'lead.created',
    data: {},
    occurredAt: now,
    status: 'failed',
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
  });
  return { id, delivery_id: deliveryId };
}

export const SECURED_ROUTES: SecuredRoute[] = [
  { method: 'GET', path: '/v1/leads', scope: 'leads:read', ok: 200 },
  { method: 'POST', path: '/v1/leads', scope: 'leads:write', body: { name: 'New Lead' }, ok: 201 },
  { method: 'GET', path: '/v1/leads/{id}', scope: 'leads:read', target: leadOf, ok: 200 },
  { method: 'PATCH', path: '/v1/leads/{id}', scope: 'leads:write', body: { notes: 'called back' }, target: leadOf, ok: 200 },
  { method: 'GET', path: '/v1/pipeline', scope: 'pipeline:read', ok: 200 },
  // The suite's server has no Twilio: a request that passes security reaches A7's 500 `Twilio not configured`.
  { method: 'POST', path: '/v1/sms', scope: 'sms:send', body: (p: Record<string, string>) => ({ lead_id: p.id, message: 'Hello' }), target: leadOf, ok: 500 },
  { method: 'GET', path: '/v1/leads/{id}/messages', scope: 'sms:read', target: leadOf, ok: 200 },
  { method: 'DELETE', path: '/v1/leads/{id}', scope: 'leads:write', target: leadOf, ok: 204 },
  { method: 'GET', path: '/v1/quotes', scope: 'quotes:read', ok: 200 },
  {
    method: 'POST',
    path: '/v1/quotes',
    scope: 'quotes:write',
    target: leadOf,
    body: (p: Record<string, string>) => ({ lead_id: p.id, line_items: [{ description: 'Gutter clean', quantity: 1, unit_price: 250 }] }),
    ok: 201,
  },
  { method: 'GET', path: '/v1/quotes/{id}', scope: 'quotes:read', target: quoteOf, ok: 200 },
  { method: 'PATCH', path: '/v1/quotes/{id}', scope: 'quotes:write', body: { notes: 'gutters too' }, target: quoteOf, ok: 200 },
  { method: 'POST', path: '/v1/quotes/{id}/send', scope: 'quotes:write', body: {}, target: quoteOf, ok: 200 },
  { method: 'GET', path: '/v1/appointments', scope: 'appointments:read', ok: 200 },
  {
    method: 'POST',
    path: '/v1/appointments',
    scope: 'appointments:write',
    target: leadOf,
    body: (p: Record<string, string>) => ({ lead_id: p.id, appointment_type: 'onsite', start_time: '2030-01-01T09:00:00+10:00' }),
    ok: 201,
  },
  { method: 'GET', path: '/v1/appointments/{id}', scope: 'appointments:read', target: appointmentOf, ok: 200 },
  { method: 'PATCH', path: '/v1/appointments/{id}', scope: 'appointments:write', body: { status: 'confirmed' }, target: appointmentOf, ok: 200 },
  { method: 'GET', path: '/v1/webhooks', scope: 'webhooks:manage', ok: 200 },
  // A public address literal: checked without DNS, and nothing is sent on creation.
  { method: 'POST', path: '/v1/webhooks', scope: 'webhooks:manage', body: { url: 'https://1.1.1.1/hook' }, ok: 201 },
  { method: 'GET', path: '/v1/webhooks/{id}', scope: 'webhooks:manage', target: webhookOf, ok: 200 },
  { method: 'PATCH', path: '/v1/webhooks/{id}', scope: 'webhooks:manage', body: { description: 'CRM' }, target: webhookOf, ok: 200 },
  { method: 'DELETE', path: '/v1/webhooks/{id}', scope: 'webhooks:manage', target: webhookOf, ok: 204 },
  { method: 'POST', path: '/v1/webhooks/{id}/test', scope: 'webhooks:manage', target: webhookOf, ok: 200 },
  { method: 'POST', path: '/v1/webhooks/{id}/rotate-secret', scope: 'webhooks:manage', target: webhookOf, ok: 200 },
  { method: 'GET', path: '/v1/webhooks/{id}/secret', scope: 'webhooks:manage', target: webhookOf, ok: 200 },
  { method: 'GET', path: '/v1/webhooks/{id}/deliveries', scope: 'webhooks:manage', target: webhookOf, ok: 200 },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/deliveries/{delivery_id}/retry',
    scope: 'webhooks:manage',
    target: failedDeliveryOf,
    ok: 202,
  },
  { method: 'GET', path: '/v1/company', ok: 200 },
  { method: 'PATCH', path: '/v1/company', scope: 'company:manage', body: { quiet_hours: { start: '21:00', end: '07:00' } }, ok: 200 },
  { method: 'GET', path: '/v1/price-book', scope: 'quotes:read', ok: 200 },
  { method: 'POST', path: '/v1/price-book', scope: 'quotes:write', body: { name: 'Roof inspection', unit_price: 180 }, ok: 201 },
  { method: 'GET', path: '/v1/price-book/{id}', scope: 'quotes:read', target: priceBookItemOf, ok: 200 },
  { method: 'PATCH', path: '/v1/price-book/{id}', scope: 'quotes:write', body: { unit_price: 14 }, target: priceBookItemOf, ok: 200 },
  { method: 'DELETE', path: '/v1/price-book/{id}', scope: 'quotes:write', target: priceBookItemOf, ok: 204 },
  { method: 'GET', path: '/v1/agent', scope: 'agent:manage', ok: 200 },
  { method: 'PATCH', path: '/v1/agent', scope: 'agent:manage', body: { enabled: true }, ok: 200 },
  { method: 'GET', path: '/v1/agent/usage', scope: 'agent:manage', ok: 200 },
  { method: 'POST', path: '/v1/agent/try', scope: 'agent:manage', body: { text: 'Hi, I need a quote' }, ok: 200 },
  { method: 'GET', path: '/v1/automations', scope: 'agent:manage', ok: 200 },
  { method: 'PATCH', path: '/v1/automations/{kind}', scope: 'agent:manage', body: { enabled: true }, params: { kind: 'quote_chase' }, ok: 200 },
  { method: 'GET', path: '/v1/leads/{id}/follow-ups', scope: 'leads:read', target: leadOf, ok: 200 },
  { method: 'DELETE', path: '/v1/leads/{id}/follow-ups/{follow_up_id}', scope: 'leads:write', target: followUpOf, ok: 200 },
  { method: 'POST', path: '/v1/leads/upsert', scope: 'leads:write', body: { name: 'Upserted Lead', external_id: 'sec-1' }, ok: 201 },
  { method: 'POST', path: '/v1/leads/batch', scope: 'leads:write', body: { leads: [{ name: 'Batch Lead' }] }, ok: 200 },
  { method: 'GET', path: '/v1/leads/{id}/submissions', scope: 'leads:read', target: leadOf, ok: 200 },
  { method: 'GET', path: '/v1/intake-forms', scope: 'intake:manage', ok: 200 },
  { method: 'POST', path: '/v1/intake-forms', scope: 'intake:manage', body: { name: 'Website' }, ok: 201 },
  { method: 'GET', path: '/v1/intake-forms/{id}', scope: 'intake:manage', target: intakeFormOf, ok: 200 },
  { method: 'PATCH', path: '/v1/intake-forms/{id}', scope: 'intake:manage', body: { name: 'Renamed' }, target: intakeFormOf, ok: 200 },
  { method: 'DELETE', path: '/v1/intake-forms/{id}', scope: 'intake:manage', target: intakeFormOf, ok: 204 },
];

export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name) => params[name]);
}
