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

describe('quote lines from the price book', () => {
  async function leadOf(t: Awaited<ReturnType<TestServer['tenant']>>) {
    return (await t.call('POST', '/v1/leads', { name: 'Priced Lead' })).body.data.id as string;
  }

  it("take the item's name, unit and price where the line gives none, and keep where they came from", async () => {
    const t = await server.tenant();
    const gutter = (await t.call('POST', '/v1/price-book', { name: 'Gutter guard', unit: 'metre', unit_price: 33.35 })).body.data;
    const labour = (await t.call('POST', '/v1/price-book', { name: 'Labour', unit: 'hour', unit_price: 95 })).body.data;
    const res = await t.call('POST', '/v1/quotes', {
      lead_id: await leadOf(t),
      line_items: [
        { price_book_item_id: gutter.id, quantity: 12.5 },
        { price_book_item_id: labour.id, quantity: 3, description: 'Labour (2 people)', unit_price: 90 },
        { description: 'Skip bin', quantity: 1, unit_price: 250, unit: 'each' },
        { description: 'Call-out', quantity: 1, unit_price: 60 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.data.line_items).toEqual([
      { description: 'Gutter guard', quantity: 12.5, unit_price: 33.35, subtotal: 416.88, unit: 'metre', price_book_item_id: gutter.id },
      { description: 'Labour (2 people)', quantity: 3, unit_price: 90, subtotal: 270, unit: 'hour', price_book_item_id: labour.id },
      { description: 'Skip bin', quantity: 1, unit_price: 250, subtotal: 250, unit: 'each', price_book_item_id: null },
      { description: 'Call-out', quantity: 1, unit_price: 60, subtotal: 60, unit: null, price_book_item_id: null },
    ]);
    expect(res.body.data).toMatchObject({ subtotal: 996.88, tax: 99.69, total: 1096.57 });

    // The line keeps what it took: a later price change or deletion leaves the quote as it is.
    await t.call('PATCH', `/v1/price-book/${gutter.id}`, { unit_price: 40 });
    await t.call('DELETE', `/v1/price-book/${labour.id}`);
    expect((await t.call('GET', `/v1/quotes/${res.body.data.id}`)).body.data.line_items).toEqual(res.body.data.line_items);

    // A draft's lines can be replaced with price book lines too.
    const edited = await t.call('PATCH', `/v1/quotes/${res.body.data.id}`, { line_items: [{ price_book_item_id: gutter.id, quantity: 1 }] });
    expect(edited.status).toBe(200);
    expect(edited.body.data.line_items).toEqual([{ description: 'Gutter guard', quantity: 1, unit_price: 40, subtotal: 40, unit: 'metre', price_book_item_id: gutter.id }]);
  });

  it("refuses another company's item, or none, with a 400 naming line_items, and creates nothing", async () => {
    const owner = await server.tenant();
    const stranger = await server.tenant();
    const theirs = (await owner.call('POST', '/v1/price-book', { name: 'Secret sauce', unit_price: 1000 })).body.data.id;
    const lead = await leadOf(stranger);
    for (const id of [theirs, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await stranger.call('POST', '/v1/quotes', { lead_id: lead, line_items: [{ price_book_item_id: id, quantity: 1 }] });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(`'line_items' must name price book items of the company (${id} is none)`);
      expect(res.body.details).toEqual([{ field: 'line_items', message: `must name price book items of the company (${id} is none)` }]);
    }
    const draft = (await stranger.call('POST', '/v1/quotes', { lead_id: lead, line_items: [{ description: 'Own line', quantity: 1, unit_price: 5 }] })).body.data;
    const edit = await stranger.call('PATCH', `/v1/quotes/${draft.id}`, { line_items: [{ price_book_item_id: theirs, quantity: 1 }] });
    expect(edit.status).toBe(400);
    expect((await stranger.call('GET', `/v1/quotes/${draft.id}`)).body.data.line_items[0].description).toBe('Own line');
    expect((await stranger.call('GET', '/v1/quotes')).body.meta.total).toBe(1);
  });

  it.each([
    [{ quantity: 1, unit_price: 5 }, "'line_items' must give each line a description, or a price_book_item_id"],
    [{ quantity: 1, description: 'No price' }, "'line_items' must give each line a unit_price, or a price_book_item_id"],
    [{ quantity: 1, description: 'Litres', unit_price: 5, unit: 'litre' }, "'line_items' must be one of: each, hour, m2, metre, kw"],
  ])('refuses a line %j', async (line, message) => {
    const t = await server.tenant();
    const res = await t.call('POST', '/v1/quotes', { lead_id: await leadOf(t), line_items: [line] });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(message);
  });
});
