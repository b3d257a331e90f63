import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestServer, type DashboardUser, type TestServer } from '../helpers.js';
import { checkPage, expectNoHorizontalScroll, launchBrowser, sessionContext, type TestBrowser } from './browser.js';

// The quote editor's "Add from price book", in a real browser on a phone's width (375 px): an item
// becomes a line with its name, unit and price, the quantity is changed, a typed line joins it, and
// what is saved (GET /v1/quotes/:id) links the item, keeps the unit and prices as the screen did.
// An empty price book says where to fill it. Every state is checked with axe and photographed.

const PHONE = { width: 375, height: 812 };

describe('the quote editor takes lines from the price book, at 375 px', () => {
  let server: TestServer;
  let chrome: TestBrowser;
  let owner: DashboardUser;
  let context: BrowserContext;
  let page: Page;
  let leadId: string;

  const app = (path: string) => `${server.url}/app${path}`;
  const heading = (p: Page, name: string | RegExp) => p.getByRole('heading', { level: 1, name }).waitFor();
  const line = (n: number) => page.locator(`tr[data-line="${n}"]`);

  beforeAll(async () => {
    server = await startTestServer({ env: { SMS_PROVIDER: 'console' } });
    chrome = await launchBrowser();
    owner = await server.user({ role: 'owner' });
    context = await chrome.browser.newContext({ viewport: PHONE });
    const [name, value] = owner.cookie.split('=');
    await context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
    page = await context.newPage();
    const lead = await owner.call('POST', '/v1/leads', { name: 'Pia Pricebook', phone: '0412 555 404' });
    expect(lead.status).toBe(201);
    leadId = lead.body.data.id;
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  it('points to the Price book page while the book is empty', async () => {
    await page.goto(app(`/quotes/new?lead_id=${leadId}`));
    await heading(page, 'New quote');
    const hint = page.getByTestId('price-book-empty');
    await hint.getByText('Your price book is empty').waitFor();
    expect(await page.getByRole('button', { name: 'Add from price book' }).count()).toBe(0);
    await checkPage(page, '40-quote-price-book-empty');
    await expectNoHorizontalScroll(page);
    await hint.getByRole('link', { name: 'Price book' }).click();
    await heading(page, 'Price book');
  });

  it('adds an item as a line, changes its quantity, adds a typed line, and saves the link, unit and totals', async () => {
    const settings = (await owner.call('GET', '/app/api/settings')).body;
    expect(settings).toMatchObject({ tax_rate: 0.1, tax_mode: 'exclusive', currency: 'AUD' });
    const clean = await owner.call('POST', '/v1/price-book', { name: 'Panel clean', description: 'Two people on the roof', unit: 'hour', unit_price: 95.5 });
    const tiles = await owner.call('POST', '/v1/price-book', { name: 'Tile replacement', unit: 'm2', unit_price: 42.25 });
    expect([clean.status, tiles.status]).toEqual([201, 201]);
    const cleanId = clean.body.data.id;

    await page.goto(app(`/quotes/new?lead_id=${leadId}`));
    await heading(page, 'New quote');
    const toggle = page.getByRole('button', { name: 'Add from price book' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const panel = page.getByRole('group', { name: 'Price book' });
    const search = panel.getByLabel('Search the price book');
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
    await panel.getByRole('button', { name: /^Add Tile replacement, \$42\.25 per m²$/ }).waitFor();
    await search.fill('panel');
    await panel.getByText('1 item.').waitFor();
    expect(await panel.getByRole('button', { name: /^Add Tile replacement/ }).count()).toBe(0);
    await checkPage(page, '41-quote-price-book-search');
    await expectNoHorizontalScroll(page);
    await panel.getByRole('button', { name: 'Add Panel clean, $95.50 per hour' }).click();

    // The empty first line made way for the item; its quantity has the focus, its unit and price are the item's.
    expect(await panel.count()).toBe(0);
    expect(await page.locator('tr[data-line]').count()).toBe(1);
    await page.getByRole('status').getByText('Added Panel clean as line 1.').waitFor();
    const quantity = line(1).getByLabel('Quantity');
    expect(await quantity.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await line(1).getByLabel('Description').inputValue()).toBe('Panel clean');
    expect(await quantity.inputValue()).toBe('1');
    expect(await line(1).getByLabel('Unit', { exact: true }).inputValue()).toBe('hour');
    expect(await line(1).getByLabel('Unit price').inputValue()).toBe('95.5');
    await line(1).locator('[data-subtotal]').getByText('$95.50').waitFor();
    await quantity.fill('2.5');
    await line(1).locator('[data-subtotal]').getByText('$238.75').waitFor();

    await page.getByRole('button', { name: 'Add line item' }).click();
    await line(2).getByLabel('Description').fill('Call-out fee');
    await line(2).getByLabel('Unit price').fill('80');
    // 238.75 + 80 = 318.75; 10 % tax is 31.875, rounded half-up to 31.88, as the server does.
    await page.locator('[data-total="subtotal"]').getByText('$318.75').waitFor();
    await page.locator('[data-total="tax"]').getByText('$31.88').waitFor();
    await page.locator('[data-total="total"]').getByText('$350.63').waitFor();
    await checkPage(page, '42-quote-price-book-lines');
    await expectNoHorizontalScroll(page);

    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/quotes') && r.method() === 'POST');
    await page.getByRole('button', { name: 'Save draft' }).click();
    const body = (await sent).postDataJSON();
    expect(body.line_items).toEqual([
      { description: 'Panel clean', quantity: 2.5, unit_price: 95.5, unit: 'hour', price_book_item_id: cleanId },
      { description: 'Call-out fee', quantity: 1, unit_price: 80, unit: null },
    ]);
    await heading(page, /^Quote Q-\d+/);
    const quoteId = new URL(page.url()).pathname.split('/').pop()!;

    const quote = (await owner.call('GET', `/v1/quotes/${quoteId}`)).body.data;
    expect(quote.line_items).toEqual([
      { description: 'Panel clean', quantity: 2.5, unit_price: 95.5, subtotal: 238.75, unit: 'hour', price_book_item_id: cleanId },
      { description: 'Call-out fee', quantity: 1, unit_price: 80, subtotal: 80, unit: null, price_book_item_id: null },
    ]);
    expect(quote).toMatchObject({ lead_id: leadId, subtotal: 318.75, tax: 31.88, total: 350.63, tax_rate: 0.1, tax_mode: 'exclusive' });

    // The saved draft, reloaded, still knows where its line came from; a second item is added, then
    // its price edited, and the next save keeps every link.
    await page.reload();
    await heading(page, /^Quote Q-\d+/);
    expect(await line(1).getAttribute('data-price-book-item')).toBe(cleanId);
    expect(await line(1).getByLabel('Unit', { exact: true }).inputValue()).toBe('hour');
    await page.getByRole('button', { name: 'Add from price book' }).click();
    await page.getByRole('group', { name: 'Price book' }).getByRole('button', { name: /^Add Tile replacement/ }).click();
    expect(await page.locator('tr[data-line]').count()).toBe(3);
    await line(3).getByLabel('Quantity').fill('12.5');
    await line(3).getByLabel('Unit price').fill('40');
    await line(3).locator('[data-subtotal]').getByText('$500.00').waitFor();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('status').filter({ hasText: 'Draft saved.' }).waitFor();
    const again = (await owner.call('GET', `/v1/quotes/${quoteId}`)).body.data;
    expect(again.line_items.map((l: { price_book_item_id: string | null; unit: string | null; subtotal: number }) => [l.price_book_item_id, l.unit, l.subtotal])).toEqual([
      [cleanId, 'hour', 238.75],
      [null, null, 80],
      [tiles.body.data.id, 'm2', 500],
    ]);
    expect(again).toMatchObject({ subtotal: 818.75, tax: 81.88, total: 900.63 });

    // Sent, the quote reads each line with its unit.
    await page.getByRole('button', { name: 'Send quote' }).click();
    await page.locator('#public-url').waitFor();
    const rows = page.locator('.crm-table tbody tr');
    expect(await rows.nth(0).locator('td').nth(1).innerText()).toBe('2.5 hour');
    expect(await rows.nth(1).locator('td').nth(1).innerText()).toBe('1');
    expect(await rows.nth(2).locator('td').nth(1).innerText()).toBe('12.5 m²');
    await checkPage(page, '43-quote-price-book-sent');
    await expectNoHorizontalScroll(page);
  });

  it('drops the link of an item deleted since, so the draft still saves', async () => {
    const item = (await owner.call('POST', '/v1/price-book', { name: 'Gutter guard', unit: 'metre', unit_price: 18 })).body.data;
    const created = await owner.call('POST', '/v1/quotes', { lead_id: leadId, line_items: [{ price_book_item_id: item.id, quantity: 20 }] });
    expect(created.body.data.line_items[0]).toMatchObject({ description: 'Gutter guard', unit: 'metre', subtotal: 360, price_book_item_id: item.id });
    expect((await owner.call('DELETE', `/v1/price-book/${item.id}`)).status).toBe(204);

    await page.goto(app(`/quotes/${created.body.data.id}`));
    await heading(page, /^Quote Q-\d+/);
    await page.getByRole('button', { name: 'Add from price book' }).waitFor();
    await line(1).getByLabel('Quantity').fill('25');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('status').filter({ hasText: 'Draft saved.' }).waitFor();
    const saved = (await owner.call('GET', `/v1/quotes/${created.body.data.id}`)).body.data;
    expect(saved.line_items).toEqual([{ description: 'Gutter guard', quantity: 25, unit_price: 18, subtotal: 450, unit: 'metre', price_book_item_id: null }]);
  });
});
