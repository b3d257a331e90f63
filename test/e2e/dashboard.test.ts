import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { createCompanies } from '../../src/features/companies/companies.service.js';
import { startTestServer, type TestServer } from '../helpers.js';
import { startReceiver, type Receiver } from '../webhook-receiver.js';
import { checkPage, launchBrowser, type TestBrowser } from './browser.js';

// The dashboard in a real browser (Debian's Chromium), against a real server on the test database:
// each flow ends in what the page shows and in the API's own state. Every page is checked with axe
// and photographed (test-artifacts/screenshots/).

describe('the dashboard in a browser', () => {
  let server: TestServer;
  let receiver: Receiver;
  let chrome: TestBrowser;
  let owner: BrowserContext;
  let page: Page;
  const email = `owner-${randomBytes(5).toString('hex')}@example.com`;
  const password = 'a long enough passphrase';

  const app = (path: string) => `${server.url}/app${path}`;
  // The API as the logged-in browser calls it: the context's cookie, our Origin.
  const api = async (context: BrowserContext, method: string, path: string, data?: unknown) => {
    const res = await context.request.fetch(server.url + path, { method, data, headers: { origin: server.url } });
    return { status: res.status(), body: res.status() === 204 ? undefined : await res.json() };
  };
  const heading = (p: Page, name: string) => p.getByRole('heading', { level: 1, name }).waitFor();

  beforeAll(async () => {
    // SMS_PROVIDER=console: texts are accepted and logged, so a thread can be shown without Twilio.
    server = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', SMS_PROVIDER: 'console' } });
    receiver = await startReceiver();
    chrome = await launchBrowser();
    owner = await chrome.browser.newContext({ viewport: { width: 1360, height: 900 } });
    page = await owner.newPage();
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await receiver?.close();
    await server?.close();
  });

  it('signs up, creates an API key shown once that works against /v1/leads until it is revoked', async () => {
    await page.goto(app('/signup'));
    await heading(page, 'Sign up');
    await checkPage(page, '01-sign-up');
    await page.getByLabel('Company name').fill('Harbour Solar');
    await page.getByLabel('Your name').fill('Hana Harbour');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await heading(page, 'Home');
    await checkPage(page, '02-home');

    await page.goto(app('/integrations/keys'));
    await heading(page, 'API keys');
    await page.getByLabel('Name', { exact: true }).fill('Zapier');
    await page.getByLabel('leads:read').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const token = (await page.getByTestId('new-token').textContent())!.trim();
    expect(token).toMatch(/^qlhq_/);
    await checkPage(page, '03-api-keys');

    const bearer = { authorization: `Bearer ${token}` };
    expect((await server.fetch('GET', '/v1/leads', { headers: bearer })).status).toBe(200);

    await page.reload();
    await heading(page, 'API keys');
    await page.getByRole('cell', { name: 'Zapier' }).waitFor();
    expect(await page.getByTestId('new-token').count()).toBe(0); // shown once
    expect(await page.content()).not.toContain(token);

    await page.getByRole('row', { name: /Zapier/ }).getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('row', { name: /Zapier/ }).getByText('Revoked').waitFor();
    const after = await server.fetch('GET', '/v1/leads', { headers: bearer });
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('API token has been revoked');
  });

  it('adds a webhook endpoint, sends a test event and finds the delivery in the log', async () => {
    await page.goto(app('/integrations/webhooks'));
    await heading(page, 'Webhooks');
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/crm`);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.getByTestId('new-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await checkPage(page, '04-webhooks');

    await page.getByRole('link', { name: `${receiver.url}/crm` }).first().click();
    await heading(page, 'Webhook endpoint');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByTestId('test-result').getByText('200').first().waitFor();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].headers['x-webhook-test']).toBe('true');

    const log = page.getByRole('region', { name: 'Delivery log' }).or(page.locator('section', { has: page.getByRole('heading', { name: 'Delivery log' }) }));
    await log.getByText('lead.created').first().waitFor();
    await checkPage(page, '05-webhook-endpoint');
    const endpoints = await api(owner, 'GET', '/v1/webhooks');
    const deliveries = await api(owner, 'GET', `/v1/webhooks/${endpoints.body.data[0].id}/deliveries`);
    expect(deliveries.body.data).toEqual([expect.objectContaining({ event: 'lead.created', status: 'succeeded', test: true })]);
  });

  it('moves a lead to quoted by dragging its card on the board', async () => {
    const lead = await api(owner, 'POST', '/v1/leads', { name: 'Dana Drag', phone: '0412 555 101' });
    expect(lead.status).toBe(201);
    await page.goto(app('/board'));
    await heading(page, 'Pipeline board');
    const card = page.locator(`[data-lead-id="${lead.body.data.id}"]`);
    const quoted = page.locator('section[data-stage="quoted"]');
    await card.dragTo(quoted);
    await quoted.locator(`[data-lead-id="${lead.body.data.id}"]`).waitFor();
    await checkPage(page, '06-board');

    await expect.poll(async () => (await api(owner, 'GET', `/v1/leads/${lead.body.data.id}`)).body.data.pipeline_stage).toBe('quoted');
    const events = await server.events(lead.body.data.company_id ?? (await api(owner, 'GET', '/app/api/me')).body.company.id);
    expect(events.map((e) => e.eventType)).toContain('lead.updated');
  });

  it('builds a quote, sends it, and the customer accepts it from the public link', async () => {
    const lead = await api(owner, 'POST', '/v1/leads', { name: 'Quinn Quote', phone: '0412 555 202', pipeline_stage: 'quote_in_progress' });
    const leadId = lead.body.data.id;
    await page.goto(app(`/quotes/new?lead_id=${leadId}`));
    await heading(page, 'New quote');
    await page.getByLabel('Description').first().fill('6.6 kW solar system, installed');
    await page.getByLabel('Quantity').first().fill('1');
    await page.getByLabel('Unit price').first().fill('5490');
    await page.locator('[data-total="total"]').getByText('6,039.00').waitFor(); // 5490 + 10% tax, as the server rounds
    await checkPage(page, '07-quote-editor');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { level: 1, name: /^Quote Q-\d+/ }).waitFor();
    await page.getByRole('button', { name: 'Send quote' }).click();
    const link = page.locator('#public-url');
    await link.waitFor();
    const publicUrl = await link.inputValue();
    expect(publicUrl).toContain('/q/');
    await checkPage(page, '08-quote-sent');

    // The customer: another browser, no session.
    const customer = await chrome.browser.newContext();
    const customerPage = await customer.newPage();
    await customerPage.goto(publicUrl.replace(server.config.publicUrl, server.url));
    await checkPage(customerPage, '09-public-quote');
    await customerPage.getByRole('button', { name: 'Accept quote' }).click();
    await customerPage.getByText(/accepted/i).first().waitFor();
    await customer.close();

    const quoteId = new URL(page.url()).pathname.split('/').pop()!;
    await page.reload();
    await page.getByText(/accepted/i).first().waitFor();
    const quote = await api(owner, 'GET', `/v1/quotes/${quoteId}`);
    expect(quote.body.data.status).toBe('accepted');
    expect((await api(owner, 'GET', `/v1/leads/${leadId}`)).body.data.pipeline_stage).toBe('closed_won');
  });

  it('shows every other page without serious accessibility problems', async () => {
    const lead = await api(owner, 'POST', '/v1/leads', { name: 'Ari Agenda', phone: '0412 555 303' });
    await api(owner, 'POST', '/v1/appointments', { lead_id: lead.body.data.id, appointment_type: 'onsite', start_time: new Date(Date.now() + 86_400_000).toISOString() });
    const pages: [string, string, string][] = [
      ['/leads', 'Leads', '10-leads'],
      ['/leads/new', 'New lead', '11-lead-new'],
      [`/leads/${lead.body.data.id}`, 'Ari Agenda', '12-lead'],
      ['/quotes', 'Quotes', '13-quotes'],
      ['/appointments', 'Appointments', '14-appointments'],
      ['/team', 'Team', '15-team'],
      ['/settings', 'Settings', '16-settings'],
    ];
    for (const [path, title, name] of pages) {
      await page.goto(app(path));
      await heading(page, title);
      await checkPage(page, name);
    }
  });

  it('pauses SMS from Settings: a banner on every page and a composer that says why, until it is switched back on', async () => {
    const companyId = (await api(owner, 'GET', '/app/api/me')).body.company.id;
    await createCompanies({ db: server.database.db, clock: server.clock }).change(companyId, { smsCredits: 5 });
    const lead = await api(owner, 'POST', '/v1/leads', { name: 'Pat Pause', phone: '0412 555 404' });
    const leadId = lead.body.data.id;
    expect((await api(owner, 'POST', '/v1/sms', { lead_id: leadId, message: 'Hi Pat, we can come on Tuesday.' })).status).toBe(200);

    const banner = page.getByTestId('sms-paused-banner');
    await page.goto(app('/settings'));
    await heading(page, 'Settings');
    expect(await banner.count()).toBe(0);
    await page.getByLabel('Pause SMS').check();
    await banner.waitFor();
    await page.getByRole('status').filter({ hasText: 'SMS paused.' }).waitFor();
    expect((await api(owner, 'GET', '/app/api/settings')).body.sms_paused).toBe(true);
    await checkPage(page, '20-settings-sms-paused');

    await page.goto(app(`/leads/${leadId}`));
    await heading(page, 'Pat Pause');
    await banner.waitFor();
    await page.getByText('SMS is paused for this company').waitFor();
    expect(await page.getByLabel('Message', { exact: true }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByTestId('message-sender').first().textContent()).toBe('Hana Harbour');
    await checkPage(page, '21-lead-sms-paused');
    const refused = await api(owner, 'POST', '/v1/sms', { lead_id: leadId, message: 'Still keen?' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'sms_paused' } });

    await banner.getByRole('link', { name: 'Settings' }).click();
    await heading(page, 'Settings');
    await page.getByLabel('Pause SMS').uncheck();
    await page.getByRole('status').filter({ hasText: 'SMS back on.' }).waitFor();
    await banner.waitFor({ state: 'detached' });
    expect((await api(owner, 'GET', '/app/api/settings')).body.sms_paused).toBe(false);
    await page.goto(app(`/leads/${leadId}`));
    await heading(page, 'Pat Pause');
    expect(await page.getByLabel('Message', { exact: true }).isDisabled()).toBe(false);
    expect(await banner.count()).toBe(0);
  });

  it('keeps a member out of Integrations, in the page and at the server', async () => {
    const invite = await api(owner, 'POST', '/app/api/invites', { role: 'member' });
    expect(invite.status).toBe(201);
    const member = await chrome.browser.newContext();
    const memberPage = await member.newPage();
    await memberPage.goto(invite.body.url.replace(server.config.publicUrl, server.url));
    await checkPage(memberPage, '17-invitation');
    await memberPage.getByLabel('Your name').fill('Mel Member');
    await memberPage.getByLabel('Email').fill(`member-${randomBytes(5).toString('hex')}@example.com`);
    await memberPage.getByLabel('Password').fill('member passphrase');
    await memberPage.getByRole('button').filter({ hasText: /join|accept|create/i }).first().click();
    await heading(memberPage, 'Home');
    expect(await memberPage.getByRole('navigation').getByRole('link', { name: 'Integrations' }).count()).toBe(0);

    await memberPage.goto(app('/integrations/keys'));
    await heading(memberPage, 'You do not have access');
    await checkPage(memberPage, '18-member-no-access');
    expect((await api(member, 'GET', '/app/api/keys')).status).toBe(403);
    expect((await api(member, 'GET', '/v1/webhooks')).status).toBe(403);
    await member.close();
  });

  it('logs out and back in', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await heading(page, 'Log in');
    await checkPage(page, '19-log-in');
    expect((await api(owner, 'GET', '/app/api/me')).status).toBe(401);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await heading(page, 'Home');
  });
});
