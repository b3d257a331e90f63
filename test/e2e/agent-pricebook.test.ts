import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestServer, type DashboardUser, type TestServer } from '../helpers.js';
import { checkPage, expectNoHorizontalScroll, launchBrowser, mainMenu, sessionContext, type TestBrowser } from './browser.js';

// The Agent and Price book pages in a real browser, on a phone's width (375 px): what an owner saves
// survives a reload and is what GET /v1/agent answers; the server's 400 shows beside the field it
// names; a member never sees the Agent page. Every page is checked with axe and photographed.

const PHONE = { width: 375, height: 812 };

describe('the Agent and Price book pages in a browser, at 375 px', () => {
  let server: TestServer;
  let chrome: TestBrowser;
  let owner: DashboardUser;
  let context: BrowserContext;
  let page: Page;

  const app = (path: string) => `${server.url}/app${path}`;
  const heading = (p: Page, name: string) => p.getByRole('heading', { level: 1, name }).waitFor();
  const signedIn = (user: DashboardUser) => sessionContext(chrome, user, server.url, PHONE);

  beforeAll(async () => {
    server = await startTestServer();
    chrome = await launchBrowser();
    owner = await server.user({ role: 'owner' });
    context = await signedIn(owner);
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  it('turns the agent on, changes a question and business hours, saves only that, and sees it after a reload', async () => {
    await page.goto(app('/agent'));
    await heading(page, 'Agent');
    await checkPage(page, '30-agent');
    await expectNoHorizontalScroll(page);

    // No AI_BASE_URL on this server: the language model is not offered.
    expect(await page.getByLabel('Engine').locator('option').allTextContents()).toEqual(['Rules: your question script']);
    const toggle = page.getByRole('switch', { name: /Agent answers leads/ });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    const question2 = page.getByRole('group', { name: 'Question 2', exact: true });
    await question2.getByLabel('Ask').fill('What needs fixing?');
    await question2.getByLabel('Weight').fill('15');
    const monday = page.getByRole('group', { name: 'Monday', exact: true });
    await monday.getByLabel('Closes').fill('16:00');
    const saturday = page.getByRole('group', { name: 'Saturday', exact: true });
    await saturday.getByText('Closed').waitFor();
    await page.getByRole('button', { name: 'Add hours on Saturday' }).click();
    await saturday.getByLabel('Opens').fill('09:00');
    await saturday.getByLabel('Closes').fill('12:00');
    const instructions = page.getByLabel('Instructions');
    await instructions.fill('We install solar on the Northern Beaches.');
    await page.getByTestId('instructions-count').getByText('41 / 4000 characters').waitFor();
    await expectNoHorizontalScroll(page);

    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/agent') && r.method() === 'PATCH');
    await page.getByRole('button', { name: 'Save agent settings' }).click();
    const body = (await sent).postDataJSON();
    expect(Object.keys(body).sort()).toEqual(['business_hours', 'enabled', 'instructions', 'rules']);
    expect(body.business_hours).toEqual({ mon: [['08:00', '16:00']], sat: [['09:00', '12:00']] });
    await page.getByRole('status').filter({ hasText: 'Agent settings saved.' }).waitFor();

    await page.reload();
    await heading(page, 'Agent');
    expect(await page.getByRole('switch', { name: /Agent answers leads/ }).isChecked()).toBe(true);
    expect(await question2.getByLabel('Ask').inputValue()).toBe('What needs fixing?');
    expect(await question2.getByLabel('Weight').inputValue()).toBe('15');
    expect(await monday.getByLabel('Closes').inputValue()).toBe('16:00');
    expect(await saturday.getByLabel('Opens').inputValue()).toBe('09:00');
    expect(await saturday.getByLabel('Closes').inputValue()).toBe('12:00');

    const stored = (await owner.call('GET', '/v1/agent')).body.data;
    expect(stored).toMatchObject({ enabled: true, instructions: 'We install solar on the Northern Beaches.' });
    expect(stored.rules.questions[1].ask).toBe('What needs fixing?');
    expect(stored.rules.weights.job).toBe(15);
    expect(stored.business_hours).toMatchObject({ mon: [['08:00', '16:00']], tue: [['08:00', '17:00']], sat: [['09:00', '12:00']], sun: [] });

    // Reordering and removing questions: the script's order is what is saved.
    await page.getByRole('button', { name: 'Move question 2 up' }).click();
    await page.getByRole('button', { name: 'Remove question 5' }).click();
    await page.getByRole('button', { name: 'Save agent settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Agent settings saved.' }).waitFor();
    const reordered = (await owner.call('GET', '/v1/agent')).body.data.rules;
    expect(reordered.questions.map((q: { key: string }) => q.key)).toEqual(['job', 'postcode', 'timeframe', 'property_type']);
    expect(reordered.weights.owner).toBeUndefined();
  });

  it("shows the server's messages beside the fields they name and saves nothing", async () => {
    await page.goto(app('/agent'));
    await heading(page, 'Agent');
    const before = (await owner.call('GET', '/v1/agent')).body.data;
    const tuesday = page.getByRole('group', { name: 'Tuesday', exact: true });
    await tuesday.getByLabel('Opens').fill('17:00');
    await tuesday.getByLabel('Closes').fill('08:00');
    await page.getByLabel('Service postcodes').fill('2234-2000, 2560');
    await page.getByRole('button', { name: 'Save agent settings' }).click();

    await page.getByTestId('business-hours-error').getByText('must give each span an end after its start').waitFor();
    const postcodes = page.locator('.field', { has: page.getByLabel('Service postcodes') });
    await postcodes.locator('.field-error').getByText(/must list postcodes .* low to high/).waitFor();
    expect(await page.getByLabel('Service postcodes').getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('alert').getByText(/^'(business_hours|service_postcodes)' must/).waitFor();
    await checkPage(page, '31-agent-errors');
    await expectNoHorizontalScroll(page);
    expect((await owner.call('GET', '/v1/agent')).body.data).toEqual(before);

    await page.getByRole('button', { name: 'Undo changes' }).click();
    expect(await tuesday.getByLabel('Opens').inputValue()).toBe('08:00');
    expect(await page.getByTestId('business-hours-error').count()).toBe(0);
  });

  it('keeps the Agent page from a member, who still has the price book', async () => {
    const member = await server.user({ role: 'member', companyId: owner.companyId });
    const ctx = await signedIn(member);
    const memberPage = await ctx.newPage();
    await memberPage.goto(app('/'));
    await heading(memberPage, 'Home');
    const nav = await mainMenu(memberPage);
    await nav.getByRole('link', { name: 'Price book' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Agent' }).count()).toBe(0);
    await memberPage.goto(app('/agent'));
    await heading(memberPage, 'You do not have access');
    expect((await member.call('GET', '/v1/agent')).status).toBe(403);
    await ctx.close();

    await page.goto(app('/'));
    await (await mainMenu(page)).getByRole('link', { name: 'Agent' }).click();
    await heading(page, 'Agent');
  });

  it('offers the language model engine when the platform has one, and saves it', async () => {
    // A model address nothing answers: the page only reads llm_available, and the agent stays off.
    const withModel = await startTestServer({ env: { AI_BASE_URL: 'http://127.0.0.1:9/v1', AI_MODEL: 'test-model', AI_API_KEY: 'sk-test' } });
    try {
      const admin = await withModel.user({ role: 'admin' });
      const ctx = await chrome.browser.newContext({ viewport: PHONE });
      const [name, value] = admin.cookie.split('=');
      await ctx.addCookies([{ name, value, url: withModel.url, httpOnly: true, sameSite: 'Lax' }]);
      const adminPage = await ctx.newPage();
      await adminPage.goto(`${withModel.url}/app/agent`);
      await heading(adminPage, 'Agent');
      await adminPage.getByLabel('Engine').selectOption('llm');
      const sent = adminPage.waitForRequest((r) => r.url().endsWith('/v1/agent') && r.method() === 'PATCH');
      await adminPage.getByRole('button', { name: 'Save agent settings' }).click();
      expect((await sent).postDataJSON()).toEqual({ engine: 'llm' });
      await adminPage.getByRole('status').filter({ hasText: 'Agent settings saved.' }).waitFor();
      expect((await admin.call('GET', '/v1/agent')).body.data).toMatchObject({ engine: 'llm', llm_available: true, enabled: false });
      await ctx.close();
    } finally {
      await withModel.close();
    }
  });

  it('adds, edits and deletes a price book item', async () => {
    await page.goto(app('/'));
    await (await mainMenu(page)).getByRole('link', { name: 'Price book' }).click();
    await heading(page, 'Price book');
    await page.getByText('No items yet').waitFor();
    await checkPage(page, '32-price-book-empty');

    await page.getByLabel('Name', { exact: true }).fill('Panel clean');
    await page.getByLabel('Description').fill('Per hour on the roof, two people');
    await page.getByLabel('Unit', { exact: true }).selectOption('hour');
    await page.getByLabel('Unit price').fill('95.5');
    await page.getByRole('button', { name: 'Add item' }).click();
    const row = (name: string) => page.getByRole('row', { name: new RegExp(name) });
    await row('Panel clean').getByText('$95.50').waitFor();
    let items = (await owner.call('GET', '/v1/price-book')).body.data;
    expect(items).toEqual([expect.objectContaining({ name: 'Panel clean', description: 'Per hour on the roof, two people', unit: 'hour', unit_price: 95.5 })]);
    await checkPage(page, '33-price-book');
    await expectNoHorizontalScroll(page);

    await page.getByRole('button', { name: 'Edit Panel clean' }).click();
    await page.getByRole('heading', { name: 'Edit Panel clean' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Panel wash');
    await page.getByLabel('Unit price').fill('');
    await page.getByRole('button', { name: 'Save item' }).click();
    await page.locator('.field', { has: page.getByLabel('Unit price') }).locator('.field-error').waitFor();
    await page.getByLabel('Unit price').fill('110');
    await page.getByRole('button', { name: 'Save item' }).click();
    await row('Panel wash').getByText('$110.00').waitFor();
    await page.getByRole('heading', { name: 'Add an item' }).waitFor();
    items = (await owner.call('GET', '/v1/price-book')).body.data;
    expect(items).toEqual([expect.objectContaining({ id: items[0].id, name: 'Panel wash', unit: 'hour', unit_price: 110 })]);

    await page.getByRole('button', { name: 'Delete Panel wash' }).click();
    await page.getByRole('button', { name: 'Delete item' }).click();
    await page.getByText('No items yet').waitFor();
    expect((await owner.call('GET', '/v1/price-book')).body.data).toEqual([]);
    await expectNoHorizontalScroll(page);
  });
});
