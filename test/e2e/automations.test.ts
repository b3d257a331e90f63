import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestServer, type DashboardUser, type TestServer } from '../helpers.js';
import { checkPage, expectNoHorizontalScroll, launchBrowser, sessionContext, type TestBrowser } from './browser.js';

// The Automations page and a lead's follow-ups in a real browser, on a phone's width (375 px): an
// owner turns the quote chase on with a step of their own, sees the segment count and a preview,
// gets the server's 400 for an unknown placeholder, and cancels a planned step from the lead's page.

const PHONE = { width: 375, height: 812 };

describe('the Automations page and follow-ups in a browser, at 375 px', () => {
  let server: TestServer;
  let chrome: TestBrowser;
  let owner: DashboardUser;
  let context: BrowserContext;
  let page: Page;

  const app = (path: string) => `${server.url}/app${path}`;
  const heading = (p: Page, name: string) => p.getByRole('heading', { level: 1, name }).waitFor();

  beforeAll(async () => {
    server = await startTestServer();
    chrome = await launchBrowser();
    owner = await server.user({ role: 'owner' });
    context = await sessionContext(chrome, owner, server.url, PHONE);
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  it('turns the quote chase on with a step of its own, previews it, and shows the server refusing a placeholder', async () => {
    await owner.call('POST', '/v1/leads', { first_name: 'Priya', last_name: 'Shah', phone: '0412 555 777' });
    await page.goto(app('/automations'));
    await heading(page, 'Automations');
    await checkPage(page, '40-automations');
    await expectNoHorizontalScroll(page);

    const chase = page.getByTestId('seq-quote_chase');
    const on = chase.getByRole('switch', { name: 'Send this sequence' });
    expect(await on.isChecked()).toBe(false);
    await on.check();
    await chase.getByLabel('Step 1', { exact: true }).fill('1');
    await chase.getByLabel('Step 1 text').fill('Hi {first_name}, your quote: {quote_link}');
    // The preview is the newest lead's, with the company's name and the opt-out of a marketing text.
    await chase.getByText(/Preview with your newest lead: .*Hi Priya, your quote: http.*Reply STOP to opt out/).waitFor();
    await chase.getByTestId('seq-quote_chase-segments-0').getByText('1 of 3 SMS segments as sent').waitFor();
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/automations/quote_chase') && r.method() === 'PATCH');
    await chase.getByRole('button', { name: 'Save' }).click();
    const body = (await sent).postDataJSON();
    expect(body.enabled).toBe(true);
    expect(body.steps[0]).toEqual({ offset_minutes: 1440, text: 'Hi {first_name}, your quote: {quote_link}' });
    await page.getByRole('status').filter({ hasText: 'Quote chase saved.' }).waitFor();

    await page.reload();
    await heading(page, 'Automations');
    expect(await page.getByTestId('seq-quote_chase').getByRole('switch', { name: 'Send this sequence' }).isChecked()).toBe(true);
    const saved = (await owner.call('GET', '/v1/automations')).body.data.find((s: { kind: string }) => s.kind === 'quote_chase');
    expect(saved).toMatchObject({ enabled: true, steps: [{ offset_minutes: 1440 }, { offset_minutes: 7200 }, { offset_minutes: 14400 }] });

    const nurture = page.getByTestId('seq-lead_nurture');
    await nurture.getByLabel('Step 1 text').fill('Hi {first_name}, our price is {price}');
    await nurture.getByRole('button', { name: 'Save' }).click();
    await nurture.getByRole('alert').filter({ hasText: 'unknown placeholder {price}' }).waitFor();
    await expectNoHorizontalScroll(page);
  });

  it("shows a lead's planned follow-ups and cancels one", async () => {
    const lead = await owner.call('POST', '/v1/leads', { name: 'Quinn Quote', phone: '0412 555 888' });
    const draft = await owner.call('POST', '/v1/quotes', { lead_id: lead.body.data.id, line_items: [{ description: 'Gutters', quantity: 1, unit_price: 300 }] });
    expect((await owner.call('POST', `/v1/quotes/${draft.body.data.id}/send`)).status).toBe(200);
    await page.goto(app(`/leads/${lead.body.data.id}`));
    await heading(page, 'Quinn Quote');
    const panel = page.getByRole('region', { name: 'Follow-ups' });
    await panel.getByTestId('follow-up').first().waitFor();
    expect(await panel.getByTestId('follow-up').count()).toBe(3);
    await checkPage(page, '41-lead-follow-ups');
    await panel.getByRole('button', { name: 'Cancel Quote chase step 1' }).click();
    await panel.getByText('(Cancelled by user)').waitFor();
    const steps = (await owner.call('GET', `/v1/leads/${lead.body.data.id}/follow-ups`)).body.data;
    expect(steps.map((s: { status: string }) => s.status)).toEqual(['cancelled', 'scheduled', 'scheduled']);
  });
});
