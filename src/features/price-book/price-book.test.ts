import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers.js';

// The price book (issue 14): GET/POST/PATCH/DELETE /v1/price-book, through HTTP on the real database.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('/v1/price-book', () => {
  it('adds, lists by name, gets, changes and deletes items, with exact prices', async () => {
    const t = await server.tenant();
    const a = await t.call('POST', '/v1/price-book', { name: 'Tile replacement', description: 'per tile', unit: 'each', unit_price: 12.35 });
    expect(a.status).toBe(201);
    expect(a.body.data).toMatchObject({ name: 'Tile replacement', description: 'per tile', unit: 'each', unit_price: 12.35, currency: 'AUD', tax_mode: 'exclusive' });
    const b = await t.call('POST', '/v1/price-book', { name: '  Apprentice labour ', unit: 'hour', unit_price: 65 });
    const c = await t.call('POST', '/v1/price-book', { name: 'Box gutter', unit_price: 0.1 });
    expect(b.body.data).toMatchObject({ name: 'Apprentice labour', unit: 'hour', description: null });
    expect(c.body.data).toMatchObject({ unit: 'each', unit_price: 0.1 });

    const list = await t.call('GET', '/v1/price-book?per_page=2');
    expect(list.status).toBe(200);
    expect(list.body.meta).toEqual({ page: 1, per_page: 2, total: 3 });
    expect(list.body.data.map((i: { name: string }) => i.name)).toEqual(['Apprentice labour', 'Box gutter']);
    expect((await t.call('GET', '/v1/price-book?page=2&per_page=2')).body.data.map((i: { name: string }) => i.name)).toEqual(['Tile replacement']);

    const id = a.body.data.id;
    expect((await t.call('GET', `/v1/price-book/${id}`)).body.data).toEqual(a.body.data);
    const changed = await t.call('PATCH', `/v1/price-book/${id}`, { unit_price: 99999.99, unit: 'm2', description: null });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({ name: 'Tile replacement', unit: 'm2', unit_price: 99999.99, description: null });

    expect((await t.call('DELETE', `/v1/price-book/${id}`)).status).toBe(204);
    expect((await t.call('GET', `/v1/price-book/${id}`)).status).toBe(404);
    expect((await t.call('DELETE', `/v1/price-book/${id}`)).status).toBe(404);
    expect((await t.call('GET', '/v1/price-book')).body.meta.total).toBe(2);
  });

  it('reads prices in the company\'s tax mode and currency', async () => {
    const t = await server.tenant();
    await t.call('PATCH', '/v1/company', { tax_mode: 'inclusive', currency: 'NZD' });
    const item = await t.call('POST', '/v1/price-book', { name: 'Solar panel', unit: 'kw', unit_price: 1100 });
    expect(item.body.data).toMatchObject({ unit_price: 1100, currency: 'NZD', tax_mode: 'inclusive' });
  });

  it("does not show, change or delete another company's item (404)", async () => {
    const owner = await server.tenant();
    const stranger = await server.tenant();
    const id = (await owner.call('POST', '/v1/price-book', { name: 'Ridge capping', unit: 'metre', unit_price: 45 })).body.data.id;
    expect((await stranger.call('GET', `/v1/price-book/${id}`)).status).toBe(404);
    const patch = await stranger.call('PATCH', `/v1/price-book/${id}`, { unit_price: 1 });
    expect(patch.status).toBe(404);
    expect(patch.body.error).toBe('Price book item not found');
    expect((await stranger.call('PATCH', `/v1/price-book/${id}`, {})).status).toBe(404);
    expect((await stranger.call('DELETE', `/v1/price-book/${id}`)).status).toBe(404);
    expect((await stranger.call('GET', '/v1/price-book')).body.meta.total).toBe(0);
    expect((await owner.call('GET', `/v1/price-book/${id}`)).body.data.unit_price).toBe(45);
    expect((await owner.call('GET', '/v1/price-book/not-a-uuid')).status).toBe(404);
  });

  it.each([
    [{ unit_price: 10 }, "'name' is required"],
    [{ name: ' ', unit_price: 10 }, "'name' must not be empty"],
    [{ name: 'X' }, "'unit_price' is required"],
    [{ name: 'X', unit_price: 10.005 }, "'unit_price' must have at most 2 decimal places"],
    [{ name: 'X', unit_price: -1 }, "'unit_price' must be at least 0"],
    [{ name: 'X', unit_price: 10, unit: 'litre' }, "'unit' must be one of: each, hour, m2, metre, kw"],
  ])('refuses %j with a 400 naming the field', async (body, message) => {
    const t = await server.tenant();
    const res = await t.call('POST', '/v1/price-book', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(message);
    expect((await t.call('GET', '/v1/price-book')).body.meta.total).toBe(0);
  });

  it('refuses a change with no field in it', async () => {
    const t = await server.tenant();
    const id = (await t.call('POST', '/v1/price-book', { name: 'Flashing', unit_price: 30 })).body.data.id;
    const res = await t.call('PATCH', `/v1/price-book/${id}`, { currency: 'USD' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('No valid fields to update');
  });
});
