import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestServer, type DashboardUser, type TestServer } from '../helpers.js';
import { checkPage, launchBrowser, sessionContext, type TestBrowser } from './browser.js';

// Issue 18's fixes in a real browser: rescheduling by the start alone, selects that save only on a
// choice and keep the focus, error states and the offline banner, the company's locale whatever the
// browser's, and the profile page.

describe('dashboard fixes in a browser', () => {
  let server: TestServer;
  let chrome: TestBrowser;
  let user: DashboardUser;
  let ctx: BrowserContext;
  let page: Page;

  const app = (path: string) => `${server.url}/app${path}`;
  const heading = (p: Page, name: string | RegExp) => p.getByRole('heading', { level: 1, name }).waitFor();
  const focusedId = (p: Page) => p.evaluate(() => document.activeElement?.id ?? '');

  beforeAll(async () => {
    server = await startTestServer();
    chrome = await launchBrowser();
    user = await server.user();
    ctx = await sessionContext(chrome, user, server.url, { width: 1360, height: 900 });
    page = await ctx.newPage();
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  const newLead = async (name: string) => (await user.call('POST', '/v1/leads', { name, phone: '0412 555 019' })).body.data;
  const stageOf = async (id: string) => (await user.call('GET', `/v1/leads/${id}`)).body.data.pipeline_stage;

  it('reschedules an appointment by its start alone, past its old end', async () => {
    const lead = await newLead('Rory Reschedule');
    const start = new Date(Date.now() + 86_400_000);
    start.setUTCMinutes(0, 0, 0);
    const booked = await user.call('POST', '/v1/appointments', {
      lead_id: lead.id, appointment_type: 'onsite', start_time: start.toISOString(), end_time: new Date(start.getTime() + 3_600_000).toISOString(),
    });
    await page.goto(app('/appointments'));
    await heading(page, 'Appointments');
    const row = page.locator(`[data-appointment-id="${booked.body.data.id}"]`);
    await row.getByRole('button', { name: 'Reschedule' }).click();
    const input = row.getByLabel('New start');
    // Three hours later in the wall clock the input shows: past the old end.
    const later = new Date(Date.parse(`${await input.inputValue()}Z`) + 3 * 3_600_000).toISOString().slice(0, 16);
    await input.fill(later);
    await row.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await user.call('GET', `/v1/appointments/${booked.body.data.id}`)).body.data.start_time).not.toBe(booked.body.data.start_time);
    const moved = (await user.call('GET', `/v1/appointments/${booked.body.data.id}`)).body.data;
    expect(new Date(moved.end_time).getTime() - new Date(moved.start_time).getTime()).toBe(3_600_000);
  });

  it('saves a stage only on a choice, never on an arrow key, and keeps the focus', async () => {
    const lead = await newLead('Kai Keyboard');
    await page.goto(app(`/leads/${lead.id}`));
    await heading(page, 'Kai Keyboard');
    const stage = page.locator('#lead-stage');
    await stage.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await stage.inputValue()).toBe('quote_in_progress');
    await page.waitForTimeout(300);
    expect(await stageOf(lead.id)).toBe('new_lead');
    expect(await focusedId(page)).toBe('lead-stage');
    await page.keyboard.press('Enter');
    await expect.poll(() => stageOf(lead.id)).toBe('quote_in_progress');
    expect(await focusedId(page)).toBe('lead-stage');
    // Leaving the select saves the choice held.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await expect.poll(() => stageOf(lead.id)).toBe('quoted');

    // The board: the card's list keeps the focus when its card moves to another column.
    const boardLead = await newLead('Bo Board');
    await page.goto(app('/board'));
    await heading(page, 'Pipeline board');
    const move = page.locator(`#move-${boardLead.id}`);
    await move.focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(300);
    expect(await stageOf(boardLead.id)).toBe('new_lead');
    await page.keyboard.press('Enter');
    await page.locator(`section[data-stage="follow_up"] [data-lead-id="${boardLead.id}"]`).waitFor();
    await expect.poll(() => stageOf(boardLead.id)).toBe('follow_up');
    await expect.poll(() => focusedId(page)).toBe(`move-${boardLead.id}`);

    // An appointment's status.
    const booked = await user.call('POST', '/v1/appointments', {
      lead_id: lead.id, appointment_type: 'callback', start_time: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    });
    const id = booked.body.data.id;
    await page.goto(app('/appointments'));
    await heading(page, 'Appointments');
    const status = page.locator(`#status-${id}`);
    await status.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(300);
    expect((await user.call('GET', `/v1/appointments/${id}`)).body.data.status).toBe('scheduled');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await user.call('GET', `/v1/appointments/${id}`)).body.data.status).toBe('completed');
    expect(await focusedId(page)).toBe(`status-${id}`);
    await checkPage(page, 'fixes-01-appointments-keyboard');
  });

  it('says when the server cannot be reached, with a Retry, and clears once it answers', async () => {
    await newLead('Olive Offline');
    await page.goto(app('/board'));
    await heading(page, 'Pipeline board');
    await page.locator('section[data-stage="new_lead"] [data-lead-id]').first().waitFor();
    // The server unreachable: every API request fails without an answer, as with the network gone.
    const cut = (url: URL) => url.pathname.startsWith('/app/api/') || url.pathname.startsWith('/v1/');
    await page.route(cut, (route) => route.abort('internetdisconnected'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads' }).click();
    await heading(page, 'Leads');
    const banner = page.getByTestId('offline-banner');
    await banner.waitFor();
    const failure = page.getByRole('alert').filter({ hasText: 'Cannot reach the server. Check your connection' });
    await failure.waitFor({ timeout: 15_000 });
    expect(await page.content()).not.toContain('Failed to fetch');
    await checkPage(page, 'fixes-02-offline');

    // The board's columns say they are not loaded rather than "…".
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Board' }).click();
    await heading(page, 'Pipeline board');
    await page.getByRole('alert').getByRole('button', { name: 'Retry' }).first().waitFor({ timeout: 15_000 });

    await page.unroute(cut);
    await page.getByRole('alert').getByRole('button', { name: 'Retry' }).first().click();
    await page.locator('section[data-stage="new_lead"] [data-lead-id]').first().waitFor();
    await banner.waitFor({ state: 'detached' });
    expect(await page.getByText('Not loaded').count()).toBe(0);
  });

  it("shows Sydney times in en-AU wording in an en-US browser in Los Angeles", async () => {
    const us = await chrome.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US', timezoneId: 'America/Los_Angeles' });
    const [name, value] = user.cookie.split('=');
    await us.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
    const p = await us.newPage();
    expect(await p.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/Los_Angeles');
    const sydney = (iso: string, o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-AU', { ...o, timeZone: 'Australia/Sydney' }).format(new Date(iso));

    // 9:00 am in Sydney three days from now: 3 or 4 pm the day before in Los Angeles.
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney' }).format(Date.now() + 3 * 86_400_000);
    const lead = (await user.call('POST', '/v1/leads', { name: 'Lou Locale', phone: '+61412555019' })).body.data;
    const offset = new Intl.DateTimeFormat('en', { timeZone: 'Australia/Sydney', timeZoneName: 'longOffset' })
      .formatToParts(Date.parse(`${day}T00:00:00Z`)).find((x) => x.type === 'timeZoneName')!.value.replace('GMT', '');
    const start = new Date(`${day}T09:00:00${offset}`).toISOString();
    await user.call('POST', '/v1/appointments', { lead_id: lead.id, appointment_type: 'onsite', start_time: start });
    await p.goto(app(`/appointments?from=${day}`));
    await heading(p, 'Appointments');
    const row = p.locator('article.crm-appt').filter({ hasText: 'Lou Locale' });
    await row.waitFor();
    expect(await row.locator('.crm-appt-time').textContent()).toBe('9:00 am – 9:30 am');
    expect(await row.textContent()).toContain('0412 555 019');
    expect(await p.getByText(sydney(start, { weekday: 'long', day: 'numeric', month: 'long' })).count()).toBeGreaterThan(0);

    await p.goto(app('/team'));
    await heading(p, 'Team');
    const me = (await user.call('GET', '/app/api/team')).body.users[0];
    await p.getByRole('cell', { name: sydney(me.created_at, { day: 'numeric', month: 'short', year: 'numeric' }), exact: true }).first().waitFor();

    const key = (await user.call('POST', '/app/api/keys', { name: 'Locale key', scopes: ['leads:read'] })).body;
    await user.call('GET', '/v1/leads', undefined, { authorization: `Bearer ${key.token}`, cookie: '' });
    await p.goto(app('/integrations/keys'));
    await heading(p, 'API keys');
    const keyRow = p.getByRole('row', { name: /Locale key/ });
    await keyRow.getByRole('cell', { name: sydney(key.created_at, { day: 'numeric', month: 'short', year: 'numeric' }), exact: true }).waitFor();
    const used = (await user.call('GET', '/app/api/keys')).body.data.find((k: { id: string }) => k.id === key.id).last_used_at;
    await keyRow.getByText(sydney(used, { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' })).waitFor();
    expect(await p.content()).not.toMatch(/\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}/);
    await checkPage(p, 'fixes-03-en-us-browser-keys');

    await p.goto(app('/leads'));
    await heading(p, 'Leads');
    await p.getByRole('cell', { name: '0412 555 019' }).first().waitFor();
    await us.close();
  });

  it('takes country, currency and timezone from lists, and says how SMS is set up', async () => {
    await page.goto(app('/settings'));
    await heading(page, 'Settings');
    const zone = page.getByLabel('Timezone');
    await zone.locator('option[value="Pacific/Auckland"]').waitFor({ state: 'attached' });
    expect(await zone.inputValue()).toBe('Australia/Sydney');
    expect(await page.getByLabel('Country').inputValue()).toBe('AU');
    await page.getByLabel('Country').selectOption('NZ');
    await page.getByLabel('Currency').selectOption('NZD');
    await zone.selectOption('Pacific/Auckland');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    expect((await user.call('GET', '/app/api/settings')).body).toMatchObject({ country: 'NZ', currency: 'NZD', timezone: 'Pacific/Auckland' });
    expect(await page.getByTestId('sms-state').textContent()).toContain('until your company has an SMS number');
    expect(await page.getByText('run a command', { exact: false }).count()).toBe(0);
    await checkPage(page, 'fixes-04-settings');
    await user.call('PATCH', '/app/api/settings', { country: 'AU', currency: 'AUD', timezone: 'Australia/Sydney' });
  });

  it('changes name, email and password on the profile page, and logs out of other sessions', async () => {
    const u = await server.user({ role: 'member', companyId: user.companyId });
    const mine = await sessionContext(chrome, u, server.url, { width: 1360, height: 900 });
    const p = await mine.newPage();
    // Another session of the same user (another browser), by logging in.
    const login = await server.fetch('POST', '/app/api/login', { body: { email: u.email, password: u.password }, headers: { origin: server.url } });
    const elsewhere = login.headers.getSetCookie().find((c) => c.startsWith('ql_session='))!.split(';')[0];

    await p.goto(app('/'));
    await heading(p, 'Home');
    await p.getByRole('link', { name: /Test User/ }).click();
    await heading(p, 'Profile');
    await p.getByTestId('other-sessions').getByText('also logged in on 1 other').waitFor();
    await checkPage(p, 'fixes-05-profile');

    await p.getByRole('textbox', { name: 'Name', exact: true }).fill('Pia Profile');
    await p.getByRole('button', { name: 'Save name' }).click();
    await p.getByRole('status').filter({ hasText: 'Name saved.' }).waitFor();
    await p.getByRole('banner').getByText('Pia Profile').waitFor();

    const newEmail = `pia-${u.userId.slice(0, 8)}@example.com`;
    await p.getByRole('textbox', { name: 'Email', exact: true }).fill(newEmail);
    await p.locator('#email-current-password').fill('not my password');
    await p.getByRole('button', { name: 'Change email' }).click();
    await p.getByRole('alert').filter({ hasText: 'Your current password is wrong' }).waitFor();
    await p.locator('#email-current-password').fill(u.password);
    await p.getByRole('button', { name: 'Change email' }).click();
    await p.getByRole('status').filter({ hasText: `Email changed to ${newEmail}.` }).waitFor();

    await p.locator('#password-current-password').fill(u.password);
    await p.getByLabel('New password').fill('pia has a new passphrase');
    await p.getByRole('button', { name: 'Change password' }).click();
    await p.getByRole('status').filter({ hasText: 'Password changed. Logged out of 1 other session.' }).waitFor();
    expect((await server.fetch('GET', '/app/api/me', { headers: { cookie: elsewhere } })).status).toBe(401);
    await p.getByTestId('other-sessions').getByText('logged in only here').waitFor();
    expect(await p.getByRole('button', { name: 'Log out of other sessions' }).isDisabled()).toBe(true);
    const again = await server.fetch('POST', '/app/api/login', { body: { email: newEmail, password: 'pia has a new passphrase' }, headers: { origin: server.url } });
    expect(again.status).toBe(200);
    await p.reload();
    await heading(p, 'Profile');
    await p.getByRole('button', { name: 'Log out of other sessions' }).click();
    await p.getByRole('status').filter({ hasText: 'Logged out of 1 other session.' }).waitFor();
    expect((await u.call('GET', '/app/api/me')).status).toBe(200);
    await mine.close();
  });
});
