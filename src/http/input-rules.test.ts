import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type DashboardUser, type Tenant, type TestServer } from '../../test/helpers.js';

// Input PostgreSQL cannot store (a NUL, a lone UTF-16 surrogate, a timestamp outside its range) is a
// 400 naming the field on every route, never a 500 and never silently changed (issue 13: 3, 4, 5).
let server: TestServer;
let owner: Tenant;
let user: DashboardUser;
let leadId: string;
let quoteId: string;
let appointmentId: string;
let webhookId: string;
beforeAll(async () => {
  server = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
  owner = await server.tenant();
  user = await server.user();
  leadId = (await owner.call('POST', '/v1/leads', { name: 'Input Rules', phone: '0412 000 222' })).body.data.id;
  quoteId = (await owner.call('POST', '/v1/quotes', { lead_id: leadId, line_items: [{ description: 'Roof', quantity: 1, unit_price: 10 }] })).body.data.id;
  appointmentId = (await owner.call('POST', '/v1/appointments', { lead_id: leadId, appointment_type: 'callback', start_time: '2030-01-01T09:00:00Z' }))
    .body.data.id;
  webhookId = (await owner.call('POST', '/v1/webhooks', { url: 'https://1.1.1.1/hook' })).body.data.id;
});
afterAll(() => server.close());

type Case = { method: string; path: () => string; body: (bad: string) => unknown; field: string };
const v1 = (method: string, path: () => string, body: (bad: string) => unknown, field: string): Case => ({ method, path, body, field });
const cases: Case[] = [
  v1('POST', () => '/v1/leads', (b) => ({ name: `Jo${b}` }), 'name'),
  v1('POST', () => '/v1/leads', (b) => ({ name: 'Jo', notes: b }), 'notes'),
  v1('POST', () => '/v1/leads', (b) => ({ name: 'Jo', custom_data: { [`k${b}`]: 1 } }), 'custom_data'),
  v1('POST', () => '/v1/leads', (b) => ({ name: 'Jo', metadata: { k: { deep: [`v${b}`] } } }), 'metadata'),
  v1('PATCH', () => `/v1/leads/${leadId}`, (b) => ({ name: `Jo${b}` }), 'name'),
  v1('PATCH', () => `/v1/leads/${leadId}`, (b) => ({ address: b }), 'address'),
  v1('POST', () => '/v1/quotes', (b) => ({ lead_id: leadId, line_items: [{ description: `x${b}`, quantity: 1, unit_price: 1 }] }), 'line_items'),
  v1('PATCH', () => `/v1/quotes/${quoteId}`, (b) => ({ notes: b }), 'notes'),
  v1('POST', () => '/v1/appointments', (b) => ({ lead_id: leadId, appointment_type: 'callback', start_time: '2030-01-01T09:00:00Z', title: b }), 'title'),
  v1('PATCH', () => `/v1/appointments/${appointmentId}`, (b) => ({ title: `t${b}` }), 'title'),
  v1('POST', () => '/v1/webhooks', (b) => ({ url: 'https://1.1.1.1/hook', description: b }), 'description'),
  v1('PATCH', () => `/v1/webhooks/${webhookId}`, (b) => ({ description: b }), 'description'),
  v1('POST', () => '/v1/sms', (b) => ({ lead_id: leadId, message: `hi${b}` }), 'message'),
];

describe.each([
  ['a NUL character', '\u0000', 'must not contain a NUL character (U+0000)'],
  ['a lone surrogate', '\ud800', 'must not contain a lone UTF-16 surrogate'],
])('%s', (_, bad, message) => {
  it.each(cases.map((c, i) => [c.method, c.path.toString().replace(/^.*=> /, ''), c.field, i] as const))('%s %s: %s → 400 naming the field', async (_m, _p, _f, i) => {
    const c = cases[i];
    const res = await owner.call(c.method, c.path(), c.body(bad));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`'${c.field}' ${message}`);
  });

  it('in a query string', async () => {
    // A lone surrogate cannot be percent-encoded as UTF-8: its nearest form is invalid UTF-8.
    const res = await owner.call('GET', `/v1/leads?search=${bad === '\u0000' ? '%00' : '%ED%A0%80'}`);
    if (bad === '\u0000') {
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(`'search' ${message}`);
    } else expect(res.status).toBeLessThan(500);
  });

  it('leaves the lead unchanged on PATCH', async () => {
    await owner.call('PATCH', `/v1/leads/${leadId}`, { notes: `before${bad}` });
    expect((await owner.call('GET', `/v1/leads/${leadId}`)).body.data.name).toBe('Input Rules');
  });

  it.each([
    ['PATCH', '/app/api/settings', (b: string) => ({ name: `Co${b}` }), 'name'],
    ['PATCH', '/app/api/settings', (b: string) => ({ instant_reply: `Hi${b}` }), 'instant_reply'],
    ['POST', '/app/api/keys', (b: string) => ({ name: `k${b}`, scopes: ['leads:read'] }), 'name'],
  ] as const)('dashboard %s %s %s', async (method, path, body, field) => {
    const res = await user.call(method, path, body(bad));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`'${field}' ${message}`);
  });

  it('the log-in email', async () => {
    const res = await server.fetch('POST', '/app/api/login', { body: { email: `a${bad}@example.com`, password: 'whatever-it-is' }, headers: { origin: server.url } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`'email' ${message}`);
  });
});

describe('timestamps PostgreSQL cannot store', () => {
  const range = 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z';
  it.each(['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-14:00', '1969-12-31T23:59:59Z'])('%s → 400 on appointments', async (t) => {
    const created = await owner.call('POST', '/v1/appointments', { lead_id: leadId, appointment_type: 'callback', start_time: t });
    expect(created.status).toBe(400);
    expect(created.body.error).toBe(`'start_time' ${range}`);
    const end = await owner.call('POST', '/v1/appointments', { lead_id: leadId, appointment_type: 'callback', start_time: '2030-01-01T09:00:00Z', end_time: t });
    expect(end.body.error).toBe(`'end_time' ${range}`);
    const patched = await owner.call('PATCH', `/v1/appointments/${appointmentId}`, { start_time: t });
    expect(patched.body.error).toBe(`'start_time' ${range}`);
    const listed = await owner.call('GET', `/v1/appointments?from=${encodeURIComponent(t)}`);
    expect(listed.body.error).toBe(`'from' ${range}`);
  });

  it('9999-12-31T23:59:59Z is the last instant; a default end past it is a 400', async () => {
    const ok = await owner.call('POST', '/v1/appointments', { lead_id: leadId, appointment_type: 'callback', start_time: '9999-12-31T23:00:00Z' });
    expect(ok.status).toBe(201);
    expect(ok.body.data.end_time).toBe('9999-12-31T23:30:00.000Z');
    const late = await owner.call('POST', '/v1/appointments', { lead_id: leadId, appointment_type: 'callback', start_time: '9999-12-31T23:59:59Z' });
    expect(late.status).toBe(400);
    expect(late.body.error).toBe(`'end_time' ${range}`);
    const moved = await owner.call('PATCH', `/v1/appointments/${ok.body.data.id}`, { start_time: '9999-12-31T23:59:00Z' });
    expect(moved.status).toBe(400);
  });

  it('a quote valid until 9999-12-31 can be sent', async () => {
    const q = await owner.call('POST', '/v1/quotes', { lead_id: leadId, valid_until: '9999-12-31', line_items: [{ description: 'Roof', quantity: 1, unit_price: 10 }] });
    expect(q.status).toBe(201);
    expect((await owner.call('POST', `/v1/quotes/${q.body.data.id}/send`, {})).status).toBe(200);
    expect((await owner.call('POST', '/v1/quotes', { lead_id: leadId, valid_until: '10000-01-01', line_items: [{ description: 'R', quantity: 1, unit_price: 1 }] })).status).toBe(400);
  });

  it.each(['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-14:00'])('API key expires_at %s → 400', async (t) => {
    const res = await user.call('POST', '/app/api/keys', { name: 'k', scopes: ['leads:read'], expires_at: t });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`'expires_at' ${range}`);
  });

  it("a past expires_at names the JSON field, not the command line's flag", async () => {
    const res = await user.call('POST', '/app/api/keys', { name: 'k', scopes: ['leads:read'], expires_at: '2001-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("'expires_at' must be in the future");
  });
});

describe('deeply nested JSON', () => {
  it('is a 400 past 64 levels, with or without an Idempotency-Key, and fine at 64', async () => {
    const deep = (n: number) => '{"d":'.repeat(n) + '1' + '}'.repeat(n);
    const body = `{"name":"Deep","custom_data":${deep(100_000)}}`;
    for (const headers of [{}, { 'idempotency-key': 'deep-1' }] as Record<string, string>[]) {
      const res = await owner.call('POST', '/v1/leads', body, { 'content-type': 'application/json', ...headers });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Request body nests deeper than 64 levels');
    }
    const ok = await owner.call('POST', '/v1/leads', `{"name":"Deep","custom_data":${deep(63)}}`, { 'content-type': 'application/json' });
    expect(ok.status).toBe(201);
    const brackets = await owner.call('POST', '/v1/leads', '{"name":"[[[[","notes":"{{{{"}', { 'content-type': 'application/json' });
    expect(brackets.status).toBe(201); // brackets inside strings are text
  });
});
