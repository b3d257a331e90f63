import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers.js';

// GET and PATCH /v1/company (issue 14): the dashboard's settings over the API, one service and one body.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('/v1/company', () => {
  it("answers the token's company with its settings and the default quiet hours", async () => {
    const t = await server.tenant({ name: 'Harbour Plumbing' });
    const res = await t.call('GET', '/v1/company');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: t.companyId,
      name: 'Harbour Plumbing',
      country: 'AU',
      currency: 'AUD',
      tax_rate: 0.1,
      tax_mode: 'exclusive',
      timezone: 'Australia/Sydney',
      sms_paused: false,
      quiet_hours: { start: '20:00', end: '08:00' },
    });
  });

  it('changes only the fields sent, and the dashboard reads the same', async () => {
    const t = await server.tenant();
    const res = await t.call('PATCH', '/v1/company', {
      name: 'Renamed Roofing',
      timezone: 'australia/perth',
      currency: 'nzd',
      tax_mode: 'inclusive',
      quiet_hours: { start: '21:30', end: '07:00' },
      sms_credits: 1_000_000, // the operator's: ignored
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      name: 'Renamed Roofing',
      timezone: 'Australia/Perth',
      currency: 'NZD',
      tax_mode: 'inclusive',
      tax_rate: 0.1,
      sms_credits: 0,
      quiet_hours: { start: '21:30', end: '07:00' },
    });
    const owner = await server.user({ companyId: t.companyId });
    expect((await owner.call('GET', '/app/api/settings')).body).toMatchObject({ name: 'Renamed Roofing', quiet_hours: { start: '21:30', end: '07:00' } });
    const none = await owner.call('PATCH', '/app/api/settings', { quiet_hours: null });
    expect(none.status).toBe(200);
    expect(none.body.quiet_hours).toBeNull();
    expect((await t.call('GET', '/v1/company')).body.data.quiet_hours).toBeNull();
  });

  it.each([
    [{ quiet_hours: { start: '24:00', end: '08:00' } }, 'quiet_hours', "'quiet_hours' must be a time of day as HH:MM (00:00 to 23:59)"],
    [{ quiet_hours: { start: '8:00', end: '20:00' } }, 'quiet_hours', "'quiet_hours' must be a time of day as HH:MM (00:00 to 23:59)"],
    [{ quiet_hours: { start: '20:00', end: '20:00' } }, 'quiet_hours', "'quiet_hours' must have a start and an end that differ"],
    [{ quiet_hours: '20:00-08:00' }, 'quiet_hours', `'quiet_hours' must be {"start": "HH:MM", "end": "HH:MM"} or null`],
    [{ timezone: 'Mars/Olympus' }, 'timezone', "'timezone' must be an IANA time zone, e.g. Australia/Sydney"],
    [{ tax_mode: 'sometimes' }, 'tax_mode', "'tax_mode' must be exclusive or inclusive"],
    [{ currency: 'XYZ1' }, 'currency', "'currency' must be an ISO 4217 code, e.g. AUD"],
    [{ name: '  ' }, 'name', "'name' must not be empty"],
  ])('refuses %j with a 400 naming %s, and changes nothing', async (body, field, message) => {
    const t = await server.tenant();
    const res = await t.call('PATCH', '/v1/company', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(message);
    expect(res.body.code).toBe('validation_failed');
    if (res.body.details) expect(res.body.details[0].field).toBe(field);
    expect((await t.call('GET', '/v1/company')).body.data).toMatchObject({ timezone: 'Australia/Sydney', quiet_hours: { start: '20:00', end: '08:00' } });
  });

  it('refuses a body with no setting in it', async () => {
    const t = await server.tenant();
    const res = await t.call('PATCH', '/v1/company', { sms_credits: 5 });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('No valid fields to update');
  });

  it('is changed by owners and admins, read by members', async () => {
    const t = await server.tenant();
    const admin = await server.user({ role: 'admin', companyId: t.companyId });
    expect((await admin.call('PATCH', '/v1/company', { name: 'Admin Was Here' })).status).toBe(200);
    const member = await server.user({ role: 'member', companyId: t.companyId });
    expect((await member.call('GET', '/v1/company')).body.data.name).toBe('Admin Was Here');
    const refused = await member.call('PATCH', '/v1/company', { name: 'Member Was Here' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('Insufficient scope: company:manage required');
  });
});
