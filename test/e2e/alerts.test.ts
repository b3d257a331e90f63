import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startFakeSmtp, type FakeSmtp } from '../fake-smtp.js';
import { startTestServer, type DashboardUser, type TestServer } from '../helpers.js';
import { randomAuMobile, startServerWithFakeTwilio, type FakeTwilio } from '../fake-twilio.js';
import { createCompanies } from '../../src/features/companies/companies.service.js';
import { checkPage, expectNoHorizontalScroll, launchBrowser, sessionContext, type TestBrowser } from './browser.js';

// Alerts (issue 17) in a real browser: the bell hears a lead made through the public API on the live
// stream and shows it within 2 s, with no polling; a click opens the lead and marks it read; paging,
// "Mark all read", the empty state and the phone's full-width sheet. Then Settings → Alerts: a user's
// own switches, kept across a reload, with the default marked and a reset, and the owner's low-credits
// threshold. SMTP_URL points at a local relay so that email is a channel that can be switched, and
// SMS_PROVIDER=console leaves a verified mobile as the one thing SMS alerts wait for.

const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 375, height: 812 };

describe('the bell and the alert settings in a browser', () => {
  let server: TestServer;
  let smtp: FakeSmtp;
  let chrome: TestBrowser;
  let owner: DashboardUser;
  let member: DashboardUser;
  let token: string;
  let desktop: BrowserContext;
  let phone: BrowserContext;
  let page: Page;

  const app = (path: string) => `${server.url}/app${path}`;
  const heading = (p: Page, name: string) => p.getByRole('heading', { level: 1, name }).waitFor();
  const bell = (p: Page, unread: number) => p.getByRole('button', { name: unread === 0 ? 'Alerts, none unread' : `Alerts, ${unread} unread` });
  const alertsPanel = (p: Page) => p.getByRole('dialog', { name: 'Alerts' });
  // A lead as an integration sends it: a token, so that the team is alerted (nobody is of their own doing).
  const newLead = async (name: string, phoneNumber: string) => {
    const res = await server.fetch('POST', '/v1/leads', {
      body: { name, phone: phoneNumber, service_type: 'Roof restoration' },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.data as { id: string };
  };
  // The stream's first answer: from then on an event committed reaches this page.
  const streamOpened = (p: Page) => p.waitForResponse((r) => new URL(r.url()).pathname === '/app/api/stream' && r.status() === 200);

  beforeAll(async () => {
    smtp = await startFakeSmtp();
    server = await startTestServer({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'QuoteLeads <alerts@quoteleads.test>', SMS_PROVIDER: 'console' } });
    chrome = await launchBrowser();
    owner = await server.user({ role: 'owner' });
    member = await server.user({ role: 'member', companyId: owner.companyId });
    ({ token } = await server.token(owner.companyId));
    desktop = await sessionContext(chrome, owner, server.url, DESKTOP);
    phone = await sessionContext(chrome, owner, server.url, PHONE);
    page = await desktop.newPage();
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await smtp?.close();
  });

  it('shows a new lead within 2 s of the API call, live; a click opens the lead and marks it read', async () => {
    // One stream for the whole tab, whatever the page: the bell does not open one of its own per page.
    let streams = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/app/api/stream') streams++;
    });
    const opened = streamOpened(page);
    await page.goto(app('/'));
    await heading(page, 'Home');
    await opened;
    await bell(page, 0).waitFor();
    // Past the read the bell makes when its stream opens, so that only the stream can tell of the lead.
    await page.waitForTimeout(500);

    const lead = await newLead('Dana Reyes', '0412 345 678');
    const heardAfter = Date.now();
    await bell(page, 1).waitFor({ timeout: 2000 });
    expect(Date.now() - heardAfter).toBeLessThan(2000);
    expect(await page.getByTestId('bell-badge').textContent()).toBe('1');

    await bell(page, 1).click();
    const panel = alertsPanel(page);
    await panel.waitFor();
    const item = panel.getByRole('link', { name: /New lead: Dana Reyes/ });
    await item.waitFor();
    expect(await item.textContent()).toContain('Roof restoration');
    expect(await item.textContent()).toContain('just now');
    await checkPage(page, '60-bell-open');

    // Escape closes it and gives focus back to the bell.
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Alerts, 1 unread');

    await bell(page, 1).click();
    await alertsPanel(page).getByRole('link', { name: /New lead: Dana Reyes/ }).click();
    await page.waitForURL(app(`/leads/${lead.id}`));
    await heading(page, 'Dana Reyes');
    await bell(page, 0).waitFor();
    expect(streams).toBe(1);
    expect(await page.getByTestId('bell-badge').count()).toBe(0);
    expect((await owner.call('GET', '/app/api/notifications')).body).toMatchObject({ unread: 0, data: [{ title: 'New lead: Dana Reyes', read: true }] });
  });

  it('loads older alerts page by page and marks them all read', async () => {
    for (let i = 1; i <= 21; i++) await newLead(`Batch Lead ${i}`, `0412 100 ${String(100 + i)}`);
    // A burst of events is read in a few requests, not one per event; the count comes out whole.
    await bell(page, 21).waitFor({ timeout: 5000 });

    await bell(page, 21).click();
    const panel = alertsPanel(page);
    const items = panel.getByRole('listitem');
    await expect.poll(() => items.count()).toBe(20);
    expect(await items.first().textContent()).toContain('New lead: Batch Lead 21');
    await panel.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => items.count()).toBe(22);
    expect(await items.last().textContent()).toContain('New lead: Dana Reyes');
    expect(await panel.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    await panel.getByRole('button', { name: 'Mark all read' }).click();
    await bell(page, 0).waitFor();
    expect(await panel.getByRole('button', { name: 'Mark all read' }).isDisabled()).toBe(true);
    expect(await panel.locator('.bell-unread').count()).toBe(0);
    expect((await owner.call('GET', '/app/api/notifications?unread=true')).body).toMatchObject({ unread: 0, data: [] });
    await page.keyboard.press('Escape');
  });

  it('is a full-width sheet on a phone, and says so when there is nothing yet', async () => {
    const p = await phone.newPage();
    await p.goto(app('/leads'));
    await heading(p, 'Leads');
    await bell(p, 0).click();
    const panel = alertsPanel(p);
    await panel.getByRole('link', { name: /New lead: Batch Lead 21/ }).waitFor();
    const box = (await panel.boundingBox())!;
    expect(box.x).toBe(0);
    expect(box.width).toBe(PHONE.width);
    await checkPage(p, '61-bell-sheet-phone');
    await expectNoHorizontalScroll(p);
    await panel.getByRole('button', { name: 'Close alerts' }).click();
    await panel.waitFor({ state: 'hidden' });
    await p.close();

    // The member joined after the leads came in: alerts are made when their event happens, for whoever is in the team then.
    const later = await server.user({ role: 'member', companyId: owner.companyId });
    const memberPhone = await sessionContext(chrome, later, server.url, PHONE);
    const m = await memberPhone.newPage();
    await m.goto(app('/'));
    await heading(m, 'Home');
    await bell(m, 0).click();
    await alertsPanel(m).getByText('No alerts yet.').waitFor();
    await checkPage(m, '62-bell-empty-phone');
    await memberPhone.close();
  });

  it('keeps each user’s own alert choices, shows the defaults, and lets the owner set the low-credits threshold', async () => {
    const p = await phone.newPage();
    // Where alert emails link.
    await p.goto(app('/settings#alerts'));
    await heading(p, 'Settings');
    const section = p.getByRole('region', { name: 'Alerts' });
    await section.getByRole('table').waitFor();
    await expect.poll(() => section.evaluate((el) => el.getBoundingClientRect().top)).toBeLessThan(PHONE.height / 2);

    const newLeadEmail = section.getByRole('checkbox', { name: 'A new lead arrives: Email' });
    const quoteViewedInApp = section.getByRole('checkbox', { name: 'A customer opens a quote: In the dashboard' });
    // An owner's defaults: new leads by email, quotes opened not at all.
    expect(await newLeadEmail.isChecked()).toBe(true);
    expect(await quoteViewedInApp.isChecked()).toBe(false);
    expect(await section.getByRole('button', { name: /back to the default/ }).count()).toBe(0);
    // No verified mobile: every SMS switch is held, and the reason is on the page.
    const smsSwitch = section.getByRole('checkbox', { name: 'A new lead arrives: SMS' });
    expect(await smsSwitch.isDisabled()).toBe(true);
    await section.getByText('Add and verify your mobile number first.').waitFor();
    await section.getByText('Each SMS alert spends the company’s SMS credits').waitFor();

    await newLeadEmail.uncheck();
    await section.getByRole('status').filter({ hasText: 'Alerts saved.' }).waitFor();
    await expect.poll(() => quoteViewedInApp.isEnabled()).toBe(true);
    await quoteViewedInApp.check();
    await expect.poll(() => section.getByRole('button', { name: /back to the default/ }).count()).toBe(2);

    await p.reload();
    await section.getByRole('table').waitFor();
    expect(await newLeadEmail.isChecked()).toBe(false);
    expect(await quoteViewedInApp.isChecked()).toBe(true);
    const prefs = (await owner.call('GET', '/app/api/me/notifications')).body;
    expect(prefs.kinds.find((k: { kind: string }) => k.kind === 'new_lead')).toMatchObject({ email: false, chosen: { email: false, in_app: null } });
    expect(prefs.kinds.find((k: { kind: string }) => k.kind === 'quote_viewed')).toMatchObject({ in_app: true, chosen: { in_app: true } });
    // Another user's choices are theirs: the member's are untouched.
    expect((await member.call('GET', '/app/api/me/notifications')).body.kinds.find((k: { kind: string }) => k.kind === 'quote_viewed')).toMatchObject({ in_app: false, chosen: { in_app: null } });

    await p.getByRole('heading', { name: 'SMS credits low' }).scrollIntoViewIfNeeded();
    await expectNoHorizontalScroll(p);
    await section.screenshot({ path: 'test-artifacts/screenshots/63-alert-settings-phone-section.png' });
    await checkPage(p, '63-alert-settings-phone');

    // Back to the role's default: the switch follows the role again.
    await section.getByRole('button', { name: 'A new lead arrives: Email: back to the default (on)' }).click();
    await expect.poll(() => newLeadEmail.isChecked()).toBe(true);
    await expect.poll(() => section.getByRole('button', { name: /back to the default/ }).count()).toBe(1);
    expect((await owner.call('GET', '/app/api/me/notifications')).body.kinds[0]).toMatchObject({ kind: 'new_lead', email: true, chosen: { email: null } });

    const threshold = section.getByLabel('Alert when SMS credits fall below');
    expect(await threshold.inputValue()).toBe('50');
    await threshold.fill('20');
    await section.getByRole('button', { name: 'Save threshold' }).click();
    await section.getByRole('status').filter({ hasText: 'Threshold saved.' }).waitFor();
    expect((await owner.call('GET', '/app/api/settings')).body.low_credits_threshold).toBe(20);
    await p.close();

    // A member has alert choices of their own, and sees the company's threshold without changing it.
    const memberContext = await sessionContext(chrome, member, server.url, PHONE);
    const m = await memberContext.newPage();
    await m.goto(app('/settings#alerts'));
    const theirs = m.getByRole('region', { name: 'Alerts' });
    await theirs.getByRole('table').waitFor();
    expect(await theirs.getByRole('checkbox', { name: 'A new lead arrives: Email' }).isChecked()).toBe(false);
    await theirs.getByText('fewer than 20 SMS credits').waitFor();
    expect(await theirs.getByLabel('Alert when SMS credits fall below').count()).toBe(0);
    await memberContext.close();
  });
});

describe('the mobile for SMS alerts in a browser', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  let close: () => Promise<void>;
  let chrome: TestBrowser;

  beforeAll(async () => {
    ({ fake, server, close } = await startServerWithFakeTwilio());
    chrome = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await close?.();
  });

  it('texts a code to the number typed, takes it back, and then lets SMS alerts be switched on', async () => {
    const owner = await server.user({ role: 'owner' });
    await createCompanies({ db: server.database.db, clock: server.clock }).change(owner.companyId, { smsCredits: 20, twilioNumber: randomAuMobile() });
    const context = await sessionContext(chrome, owner, server.url, PHONE);
    const p = await context.newPage();
    await p.goto(`${server.url}/app/settings#alerts`);
    const section = p.getByRole('region', { name: 'Alerts' });
    await section.getByRole('table').waitFor();
    const smsSwitch = section.getByRole('checkbox', { name: 'A new lead arrives: SMS' });
    expect(await smsSwitch.isDisabled()).toBe(true);

    const mobile = randomAuMobile();
    await section.getByLabel('Mobile number').fill(`0${mobile.slice(3)}`);
    await section.getByRole('button', { name: 'Send code' }).click();
    await section.getByText('A code was texted to').waitFor();
    const text = fake.sent.find((m) => m.to === mobile);
    expect(text, 'the code texted to the number typed').toBeDefined();
    const code = /\b(\d{6})\b/.exec(text!.body)![1];

    // A wrong code is refused with the server's words; the right one verifies.
    await section.getByLabel('Code').fill(code === '000000' ? '111111' : '000000');
    await section.getByRole('button', { name: 'Verify' }).click();
    await section.getByText('Wrong code').waitFor();
    await section.getByLabel('Code').fill(code);
    await section.getByRole('button', { name: 'Verify' }).click();
    await section.getByText('Verified', { exact: true }).waitFor();
    await expect.poll(() => smsSwitch.isDisabled()).toBe(false);
    await smsSwitch.check();
    await expect.poll(async () => (await owner.call('GET', '/app/api/me/notifications')).body.kinds[0]).toMatchObject({ kind: 'new_lead', sms: true, chosen: { sms: true } });
    await expectNoHorizontalScroll(p);
    await section.screenshot({ path: 'test-artifacts/screenshots/64-alert-settings-mobile-verified.png' });
    await checkPage(p, '64-alert-settings-mobile-verified');
    await context.close();
  });
});
