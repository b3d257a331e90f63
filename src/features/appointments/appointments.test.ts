import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Tenant, type TestServer } from '../../../test/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const FIELDS = [
  'id', 'lead_id', 'title', 'description', 'status', 'appointment_type', 'start_time', 'end_time', 'location',
  'notes', 'booked_by', 'reschedule_requested_at', 'created_at', 'updated_at', 'leads',
].sort();

async function leadOf(t: Tenant) {
  return (await t.call('POST', '/v1/leads', { name: 'Kim Nguyen', phone: '0412 345 678', email: 'kim@example.com' })).body.data;
}

const book = (t: Tenant, body: Record<string, unknown>) => t.call('POST', '/v1/appointments', body);

describe('POST /v1/appointments', () => {
  it('books with booked_by api, a default title and 30 minutes, the lead under `leads`, and appointment.booked', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const res = await book(t, { lead_id: lead.id, appointment_type: 'onsite', start_time: '2026-05-04T09:30:00+10:00', location: '12 High St' });
    expect(res.status).toBe(201);
    const a = res.body.data;
    expect(Object.keys(a).sort()).toEqual(FIELDS);
    expect(a).toMatchObject({
      lead_id: lead.id,
      title: 'Site Visit: Kim Nguyen',
      status: 'scheduled',
      appointment_type: 'onsite',
      start_time: '2026-05-03T23:30:00.000Z',
      end_time: '2026-05-04T00:00:00.000Z',
      location: '12 High St',
      booked_by: 'api',
      leads: { name: 'Kim Nguyen', phone: '+61412345678', email: 'kim@example.com' },
    });
    expect((await t.call('GET', `/v1/appointments/${a.id}`)).body).toEqual({ data: a });
    const callback = (await book(t, { lead_id: lead.id, appointment_type: 'callback', start_time: '2026-05-05T01:00:00Z', end_time: '2026-05-05T01:15:00Z' })).body.data;
    expect(callback).toMatchObject({ title: 'Callback: Kim Nguyen', end_time: '2026-05-05T01:15:00.000Z' });
    const events = (await server.events(t.companyId)).filter((e) => e.eventType === 'appointment.booked');
    expect(events).toHaveLength(2);
    expect(events[0].data).toEqual({ ...a, lead_name: 'Kim Nguyen' });
  });

  it.each([
    [{ appointment_type: 'onsite', start_time: '2026-05-04T09:30:00' }, "'start_time' must be an ISO 8601 date-time with an offset or Z"],
    [{ appointment_type: 'onsite', start_time: 'tomorrow' }, "'start_time' must be an ISO 8601 date-time with an offset or Z"],
    [{ appointment_type: 'onsite', start_time: '2026-05-04T09:30:00Z', end_time: '2026-05-04T09:30:00Z' }, "'end_time' must be after 'start_time'"],
    [{ appointment_type: 'onsite', start_time: '2026-05-04T09:30:00Z', end_time: '2026-05-04T19:00:00+10:00' }, "'end_time' must be after 'start_time'"],
    [{ appointment_type: 'meeting', start_time: '2026-05-04T09:30:00Z' }, "'appointment_type' must be one of: callback, onsite, other"],
    [{ start_time: '2026-05-04T09:30:00Z' }, "'appointment_type' must be one of: callback, onsite, other"],
  ])('refuses %j', async (body, message) => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const res = await book(t, { lead_id: lead.id, ...body });
    expect(res.status).toBe(400);
    expect(res.body.error.startsWith(message)).toBe(true);
  });

  it("is 404 Lead not found for another company's lead", async () => {
    const t = await server.tenant();
    const other = await leadOf(await server.tenant());
    const res = await book(t, { lead_id: other.id, appointment_type: 'callback', start_time: '2026-05-04T09:30:00Z' });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('Lead not found');
  });
});

describe('GET /v1/appointments', () => {
  it('orders by start, latest first, and filters by type, status and a from/to range', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const ids: Record<string, string> = {};
    for (const [name, type, start] of [
      ['a', 'callback', '2026-05-01T00:00:00Z'],
      ['b', 'onsite', '2026-05-03T00:00:00Z'],
      ['c', 'callback', '2026-05-02T00:00:00Z'],
      ['d', 'other', '2026-05-04T00:00:00Z'],
    ]) {
      ids[name] = (await book(t, { lead_id: lead.id, appointment_type: type, start_time: start })).body.data.id;
    }
    await t.call('PATCH', `/v1/appointments/${ids.c}`, { status: 'cancelled' });
    const order = async (q: string) => {
      const res = await t.call('GET', `/v1/appointments${q}`);
      expect(res.status).toBe(200);
      const names = res.body.data.map((a: { id: string }) => Object.keys(ids).find((k) => ids[k] === a.id));
      return { names, total: res.body.meta.total };
    };
    expect(await order('')).toEqual({ names: ['d', 'b', 'c', 'a'], total: 4 });
    expect(await order('?type=callback')).toEqual({ names: ['c', 'a'], total: 2 });
    expect(await order('?status=cancelled')).toEqual({ names: ['c'], total: 1 });
    expect(await order('?type=callback&status=scheduled')).toEqual({ names: ['a'], total: 1 });
    expect(await order('?from=2026-05-02T00:00:00Z&to=2026-05-04T00:00:00Z')).toEqual({ names: ['b', 'c'], total: 2 });
    expect(await order(`?from=${encodeURIComponent('2026-05-03T10:00:00+10:00')}`)).toEqual({ names: ['d', 'b'], total: 2 });
    expect(await order('?per_page=1&page=3')).toEqual({ names: ['c'], total: 4 });
    expect(await order('?page=9')).toEqual({ names: [], total: 4 });
    expect(await order('?from=2026-05-02T00:00:00Z&page=9')).toEqual({ names: [], total: 3 });
    const bad = await t.call('GET', '/v1/appointments?from=2026-05-02');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^'from' must be an ISO 8601 date-time/);
    expect((await t.call('GET', '/v1/appointments?type=visit')).status).toBe(400);
  });
});

describe('GET /v1/appointments?lead_id', () => {
  it("lists one lead's appointments with type, status, range and paging; another company's lead is an empty list; 400 for a bad uuid", async () => {
    const t = await server.tenant();
    const kim = await leadOf(t);
    const sam = (await t.call('POST', '/v1/leads', { name: 'Sam Roofer' })).body.data;
    const ids: Record<string, string> = {};
    for (const [name, lead, type, start] of [
      ['a', kim, 'callback', '2026-05-01T00:00:00Z'],
      ['b', kim, 'onsite', '2026-05-03T00:00:00Z'],
      ['s', sam, 'onsite', '2026-05-02T00:00:00Z'],
      ['c', kim, 'callback', '2026-05-02T00:00:00Z'],
    ] as const) {
      ids[name] = (await book(t, { lead_id: lead.id, appointment_type: type, start_time: start })).body.data.id;
    }
    await t.call('PATCH', `/v1/appointments/${ids.c}`, { status: 'cancelled' });
    const order = async (q: string) => {
      const res = await t.call('GET', `/v1/appointments?${q}`);
      expect(res.status).toBe(200);
      const names = res.body.data.map((a: { id: string }) => Object.keys(ids).find((k) => ids[k] === a.id));
      return { names, total: res.body.meta.total };
    };
    expect(await order(`lead_id=${kim.id}`)).toEqual({ names: ['b', 'c', 'a'], total: 3 });
    expect(await order(`lead_id=${sam.id}`)).toEqual({ names: ['s'], total: 1 });
    expect(await order(`lead_id=${kim.id}&type=callback`)).toEqual({ names: ['c', 'a'], total: 2 });
    expect(await order(`lead_id=${kim.id}&status=scheduled`)).toEqual({ names: ['b', 'a'], total: 2 });
    expect(await order(`lead_id=${kim.id}&from=2026-05-02T00:00:00Z&to=2026-05-03T00:00:00Z`)).toEqual({ names: ['c'], total: 1 });
    expect(await order(`lead_id=${kim.id}&per_page=1&page=2`)).toEqual({ names: ['c'], total: 3 });
    expect(await order(`lead_id=${kim.id}&page=9`)).toEqual({ names: [], total: 3 });

    const other = await server.tenant();
    const theirs = await leadOf(other);
    await book(other, { lead_id: theirs.id, appointment_type: 'callback', start_time: '2026-05-01T00:00:00Z' });
    expect(await order(`lead_id=${theirs.id}`)).toEqual({ names: [], total: 0 });

    const bad = await t.call('GET', '/v1/appointments?lead_id=not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "'lead_id' must be a valid uuid", code: 'validation_failed' });
  });
});

describe('PATCH /v1/appointments/:id', () => {
  it('changes status and time, keeps the length when only the start moves, fires appointment.updated with previous', async () => {
    const t = await server.tenant();
    const lead = await leadOf(t);
    const a = (await book(t, { lead_id: lead.id, appointment_type: 'onsite', start_time: '2026-05-04T00:00:00Z', end_time: '2026-05-04T01:00:00Z' })).body.data;
    const moved = await t.call('PATCH', `/v1/appointments/${a.id}`, { start_time: '2026-05-05T02:00:00Z', status: 'confirmed' });
    expect(moved.status).toBe(200);
    expect(moved.body.data).toMatchObject({ start_time: '2026-05-05T02:00:00.000Z', end_time: '2026-05-05T03:00:00.000Z', status: 'confirmed' });
    const [updated] = (await server.events(t.companyId)).filter((e) => e.eventType === 'appointment.updated');
    expect(updated.data).toEqual({ ...moved.body.data, lead_name: 'Kim Nguyen' });
    expect(updated.previous).toEqual({ start_time: a.start_time, end_time: a.end_time, status: 'scheduled' });

    const bad = await t.call('PATCH', `/v1/appointments/${a.id}`, { end_time: '2026-05-05T01:00:00Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("'end_time' must be after 'start_time'");
    expect((await t.call('PATCH', `/v1/appointments/${a.id}`, {})).body.error).toBe('No valid fields to update');
    expect((await t.call('PATCH', `/v1/appointments/${a.id}`, { status: 'done' })).body.error).toBe(
      "'status' must be one of: scheduled, confirmed, completed, cancelled, no_show",
    );
    const missing = await t.call('PATCH', '/v1/appointments/7d8b1f0e-9f5c-4a3e-8f4e-2b1c0d9e8f7a', { status: 'completed' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('Appointment not found');
  });
});

describe('rescheduling from the dashboard (session)', () => {
  it('moves an appointment by its start alone, past its old end or before its start, keeping its length', async () => {
    const user = await server.user();
    const lead = (await user.call('POST', '/v1/leads', { name: 'Rae Reschedule', phone: '0412 345 679' })).body.data;
    const a = (await user.call('POST', '/v1/appointments', {
      lead_id: lead.id, appointment_type: 'onsite', start_time: '2026-06-01T09:00:00+10:00', end_time: '2026-06-01T10:30:00+10:00',
    })).body.data;
    const later = await user.call('PATCH', `/v1/appointments/${a.id}`, { start_time: '2026-06-03T14:00:00+10:00' });
    expect(later.status).toBe(200);
    expect(later.body.data).toMatchObject({ start_time: '2026-06-03T04:00:00.000Z', end_time: '2026-06-03T05:30:00.000Z' });
    const earlier = await user.call('PATCH', `/v1/appointments/${a.id}`, { start_time: '2026-05-30T08:00:00+10:00' });
    expect(earlier.body.data).toMatchObject({ start_time: '2026-05-29T22:00:00.000Z', end_time: '2026-05-29T23:30:00.000Z' });
    // A new end alone keeps the start.
    const longer = await user.call('PATCH', `/v1/appointments/${a.id}`, { end_time: '2026-05-30T11:00:00+10:00' });
    expect(longer.body.data).toMatchObject({ start_time: '2026-05-29T22:00:00.000Z', end_time: '2026-05-30T01:00:00.000Z' });
  });
});
