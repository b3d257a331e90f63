import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestServer, type DashboardUser, type TestServer } from '../helpers.js';
import { checkPage, expectNoHorizontalScroll, launchBrowser, mainMenu, sessionContext, type TestBrowser } from './browser.js';

// Integrations → Lead forms in a real browser at a phone's width (375 px): an owner creates a form,
// edits it and copies its snippet; then the snippet is used for real, from a page of a site of the
// company's own (a small local HTTP server, another origin): the plain HTML form posts and the
// browser lands on the thank-you page, the script sends it in place, and a site that is not allowed
// is refused. The key is rotated and the form switched off and deleted; a member never gets the page.

const PHONE = { width: 375, height: 812 };

type Site = { url: string; snippet: string; close(): Promise<void> };

/** A company's website: /plain holds the snippet as pasted, /thanks is its own thank-you page. */
async function startSite(): Promise<Site> {
  const site: Site = { url: '', snippet: '', close: async () => {} };
  const page = (title: string, body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${title}</title></head><body><main><h1>${title}</h1>\n${body}</main></body></html>`;
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === '/plain') res.end(page('Get a quote', site.snippet));
    else if (path === '/thanks') res.end(page('Thanks from Test Roofing', '<p>We will call you back today.</p>'));
    else res.writeHead(404).end(page('Not found', ''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  site.close = () => new Promise((resolve) => server.close(() => resolve()));
  return site;
}

describe('the Lead forms page and its snippet in a browser, at 375 px', () => {
  let server: TestServer;
  let chrome: TestBrowser;
  let owner: DashboardUser;
  let context: BrowserContext;
  let page: Page;
  let site: Site;
  let stranger: Site;
  let visitor: BrowserContext;
  let formId: string;
  let html: string;
  let script: string;

  const app = (path: string) => `${server.url}/app${path}`;
  const heading = (p: Page, name: string) => p.getByRole('heading', { level: 1, name }).waitFor();
  const leadsBy = async (email: string) => (await owner.call('GET', `/v1/leads?search=${encodeURIComponent(email)}`)).body.data;
  // A post's lead, once the lists read it (a list kept by the server is dropped on the commit's notification).
  const leadOf = async (email: string) => {
    await expect.poll(() => leadsBy(email)).toHaveLength(1);
    return (await leadsBy(email))[0];
  };
  // The snippet names the server by PUBLIC_URL; this test's server listens on a port of its own.
  const asServed = (snippet: string) => snippet.replaceAll(server.config.publicUrl, server.url);

  async function fillIn(p: Page, who: { name: string; phone: string; email: string; postcode: string; message: string }) {
    await p.getByLabel('Name', { exact: true }).fill(who.name);
    await p.getByLabel('Phone').fill(who.phone);
    await p.getByLabel('Email').fill(who.email);
    await p.getByLabel('Postcode').fill(who.postcode);
    await p.getByLabel('How can we help?').fill(who.message);
  }

  beforeAll(async () => {
    server = await startTestServer();
    chrome = await launchBrowser();
    [site, stranger] = await Promise.all([startSite(), startSite()]);
    owner = await server.user({ role: 'owner' });
    context = await sessionContext(chrome, owner, server.url, PHONE);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await context.newPage();
    // The visitor of the company's site: no session.
    visitor = await chrome.browser.newContext({ viewport: PHONE });
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await site?.close();
    await stranger?.close();
    await server?.close();
  });

  it('creates a form, edits it and shows its snippet, which copies', async () => {
    await page.goto(app('/integrations/webhooks'));
    await heading(page, 'Webhooks');
    await page.getByRole('navigation', { name: 'Integrations' }).getByRole('link', { name: 'Lead forms' }).click();
    await heading(page, 'Lead forms');
    await page.getByText('No lead forms yet.').waitFor();
    await checkPage(page, '50-lead-forms');
    await expectNoHorizontalScroll(page);

    // The server's 400 names the line that is not a site.
    await page.getByLabel('Name', { exact: true }).fill('Quote request');
    await page.getByLabel('Allowed sites').fill('https://www.example-roofing.com.au\nwww.example.com/contact');
    await page.getByRole('button', { name: 'Create form' }).click();
    await page.getByRole('alert').filter({ hasText: 'must be origins like https://www.example.com' }).waitFor();
    expect((await owner.call('GET', '/v1/intake-forms')).body.data).toEqual([]);

    await page.getByLabel('Allowed sites').fill('https://www.example-roofing.com.au\n');
    await page.getByLabel('Source').fill('website');
    await page.getByRole('button', { name: 'Create form' }).click();
    await heading(page, 'Quote request');
    formId = new URL(page.url()).pathname.split('/').pop()!;
    const created = (await owner.call('GET', `/v1/intake-forms/${formId}`)).body.data;
    expect(created).toMatchObject({
      name: 'Quote request',
      source: 'website',
      allowed_origins: ['https://www.example-roofing.com.au'],
      allow_no_origin: false,
      thank_you_url: null,
      captcha: null,
      texts_per_hour: 30,
      min_fill_seconds: 3,
      enabled: true,
    });
    await page.getByTestId('post-url').getByText(created.post_url).waitFor();

    // Edit: this test's site joins the allowed sites, with its own thank-you page, a quicker fill time
    // and a captcha, then the captcha goes again (its widget would need the provider's script).
    await page.getByLabel('Allowed sites').fill(`https://www.example-roofing.com.au\n${site.url}`);
    await page.getByLabel('Thank-you page (optional)').fill(`${site.url}/thanks`);
    await page.getByLabel('Texts per hour').fill('5');
    await page.getByLabel('Minimum fill time (seconds)').fill('1');
    await page.getByLabel('Provider').selectOption('turnstile');
    await page.getByLabel('Site key').fill('0x4AAAAAAAsite');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Enter the secret key of the captcha' }).waitFor();
    await page.getByLabel('Secret key').fill('0x4AAAAAAAsecret');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Form saved.' }).waitFor();
    expect((await owner.call('GET', `/v1/intake-forms/${formId}`)).body.data).toMatchObject({
      allowed_origins: ['https://www.example-roofing.com.au', site.url],
      thank_you_url: `${site.url}/thanks`,
      texts_per_hour: 5,
      min_fill_seconds: 1,
      captcha: { provider: 'turnstile', site_key: '0x4AAAAAAAsite' },
    });
    const snippet = page.getByTestId('snippet-html');
    await snippet.getByText('<div class="cf-turnstile" data-sitekey="0x4AAAAAAAsite"></div>', { exact: false }).waitFor();
    // The secret is never shown back; saving again without it keeps the captcha as it is.
    expect(await page.getByLabel('Secret key (leave empty to keep the saved one)').inputValue()).toBe('');
    await page.getByLabel('Provider').selectOption('');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await snippet.getByText('cf-turnstile').waitFor({ state: 'detached' });
    expect((await owner.call('GET', `/v1/intake-forms/${formId}`)).body.data.captcha).toBeNull();

    await checkPage(page, '51-lead-form');
    await expectNoHorizontalScroll(page);

    await page.getByRole('button', { name: 'Copy the form' }).click();
    await page.getByText('Copied').first().waitFor();
    html = await page.evaluate(() => navigator.clipboard.readText());
    expect(html).toBe(await snippet.textContent());
    expect(html).toContain(`<form method="post" action="${created.post_url}" data-quoteleads>`);
    expect(html).toContain('name="_ql_hp" type="text" tabindex="-1" autocomplete="off"');
    await page.getByRole('button', { name: 'Copy the script' }).click();
    script = await page.evaluate(() => navigator.clipboard.readText());
    expect(script).toMatch(/^<script>[\s\S]*fetch\(form\.getAttribute\('action'\)[\s\S]*<\/script>\n$/);
  });

  it('takes a lead from the plain HTML snippet on an allowed site: the browser lands on the thank-you page', async () => {
    site.snippet = asServed(html);
    const p = await visitor.newPage();
    await p.goto(`${site.url}/plain?utm_source=flyer`);
    await heading(p, 'Get a quote');
    await checkPage(p, '52-site-plain-snippet');
    await expectNoHorizontalScroll(p);
    await fillIn(p, { name: 'Pat Plain', phone: '0412 555 901', email: 'pat.plain@example.com', postcode: '2000', message: 'Leaking gutter at the back.' });
    await p.getByRole('button', { name: 'Send' }).click();
    await heading(p, 'Thanks from Test Roofing');
    expect(p.url()).toBe(`${site.url}/thanks`);

    const lead = await leadOf('pat.plain@example.com');
    expect(lead).toMatchObject({
      name: 'Pat Plain',
      phone: '+61412555901',
      email: 'pat.plain@example.com',
      postcode: '2000',
      notes: 'Leaking gutter at the back.',
      source: 'website',
    });
    await p.close();
  });

  it('sends it in place with the script: the answer shows under the form, and so does a refusal', async () => {
    site.snippet = asServed(html) + script;
    const p = await visitor.newPage();
    await p.goto(`${site.url}/plain?utm_source=flyer&utm_campaign=spring`, { referer: 'https://www.google.com/' });
    await heading(p, 'Get a quote');
    const status = p.getByRole('status');

    // The server's 400 for a phone that is not one, in place.
    await fillIn(p, { name: 'Sam Script', phone: 'call me', email: 'sam.script@example.com', postcode: '3000', message: 'Solar quote please.' });
    await p.waitForTimeout(1_100); // the form's minimum fill time, since the page loaded
    await p.getByRole('button', { name: 'Send' }).click();
    await status.getByText("'phone' is not a valid phone number: call me").waitFor();
    expect(await leadsBy('sam.script@example.com')).toEqual([]);

    await p.getByLabel('Phone').fill('0412 555 902');
    await p.getByRole('button', { name: 'Send' }).click();
    await status.getByText('Thank you: we have your details and will be in touch shortly.').waitFor();
    expect(p.url()).toBe(`${site.url}/plain?utm_source=flyer&utm_campaign=spring`);
    expect(await p.getByLabel('Email').inputValue()).toBe(''); // cleared for the next enquiry
    await checkPage(p, '53-site-script-sent');

    const lead = await leadOf('sam.script@example.com');
    expect(lead).toMatchObject({ name: 'Sam Script', phone: '+61412555902', postcode: '3000', notes: 'Solar quote please.', source: 'website' });
    expect(lead.attribution).toMatchObject({
      utm_source: 'flyer',
      utm_campaign: 'spring',
      landing_page: `${site.url}/plain?utm_source=flyer&utm_campaign=spring`,
      referrer: 'https://www.google.com/',
    });
    await p.close();
  });

  it('refuses the snippet on a site that is not allowed, and stores nothing', async () => {
    stranger.snippet = asServed(html);
    const p = await visitor.newPage();
    await p.goto(`${stranger.url}/plain`);
    await fillIn(p, { name: 'Ola Other', phone: '0412 555 903', email: 'ola.other@example.com', postcode: '4000', message: 'Hello' });
    await p.getByRole('button', { name: 'Send' }).click();
    await heading(p, 'Please check the form');
    await p.getByText(`${stranger.url} may not post to this form`).waitFor();

    // With the script, the browser itself refuses the answer (no CORS for this site): said in place.
    stranger.snippet = asServed(html) + script;
    await p.goto(`${stranger.url}/plain`);
    await fillIn(p, { name: 'Ola Other', phone: '0412 555 903', email: 'ola.other@example.com', postcode: '4000', message: 'Hello' });
    await p.getByRole('button', { name: 'Send' }).click();
    await p.getByRole('status').getByText('Sorry, the form could not be sent. Please try again.').waitFor();
    expect(p.url()).toBe(`${stranger.url}/plain`);
    expect(await leadsBy('ola.other@example.com')).toEqual([]);
    await p.close();
  });

  it('rotates the key after asking, switches the form off and on, and deletes it after asking', async () => {
    const post = (key: string) =>
      server.fetch('POST', `/intake/${key}`, { body: { name: 'Kim Key', phone: '0412 555 904' }, headers: { origin: site.url, accept: 'application/json' } });
    const before = (await owner.call('GET', `/v1/intake-forms/${formId}`)).body.data;
    await page.goto(app(`/integrations/forms/${formId}`));
    await heading(page, 'Quote request');

    await page.getByRole('button', { name: 'Rotate key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate this form’s key?' });
    await dialog.getByText('the old one stops at once').waitFor();
    await checkPage(page, '54-lead-form-rotate');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await owner.call('GET', `/v1/intake-forms/${formId}`)).body.data.public_key).toBe(before.public_key);
    await page.getByRole('button', { name: 'Rotate key' }).click();
    await dialog.getByRole('button', { name: 'Rotate key' }).click();
    await page.getByRole('status').filter({ hasText: 'The key was rotated.' }).waitFor();
    const after = (await owner.call('GET', `/v1/intake-forms/${formId}`)).body.data;
    expect(after.public_key).not.toBe(before.public_key);
    await page.getByTestId('public-key').getByText(after.public_key).waitFor();
    expect(await page.getByTestId('snippet-html').textContent()).toContain(`action="${after.post_url}"`);
    expect((await post(before.public_key)).status).toBe(404);
    expect((await post(after.public_key)).status).toBe(200);

    await page.getByRole('button', { name: 'Switch off' }).click();
    await page.getByRole('status').filter({ hasText: 'The form is off' }).waitFor();
    expect((await owner.call('GET', `/v1/intake-forms/${formId}`)).body.data.enabled).toBe(false);
    expect((await post(after.public_key)).status).toBe(404);
    await page.getByRole('button', { name: 'Switch on' }).click();
    await page.getByRole('status').filter({ hasText: 'The form takes leads again.' }).waitFor();
    expect((await owner.call('GET', `/v1/intake-forms/${formId}`)).body.data.enabled).toBe(true);

    await page.getByRole('button', { name: 'Delete form' }).click();
    await page.getByRole('dialog', { name: 'Delete this form?' }).getByRole('button', { name: 'Delete form' }).click();
    await heading(page, 'Lead forms');
    await page.getByText('No lead forms yet.').waitFor();
    expect((await owner.call('GET', `/v1/intake-forms/${formId}`)).status).toBe(404);
    expect((await post(after.public_key)).status).toBe(404);
    // The leads it brought in stay.
    expect(await leadsBy('pat.plain@example.com')).toHaveLength(1);
  });

  it('keeps a member out of Lead forms, in the page and at the server', async () => {
    const member = await server.user({ role: 'member', companyId: owner.companyId });
    const ctx = await sessionContext(chrome, member, server.url, PHONE);
    const p = await ctx.newPage();
    await p.goto(app('/'));
    await heading(p, 'Home');
    const menu = await mainMenu(p);
    await menu.getByRole('link', { name: 'Settings' }).waitFor();
    expect(await menu.getByRole('link', { name: 'Integrations' }).count()).toBe(0);
    await p.goto(app('/integrations/forms'));
    await heading(p, 'You do not have access');
    expect(await p.getByRole('link', { name: 'Lead forms' }).count()).toBe(0);
    await checkPage(p, '55-member-no-lead-forms');
    expect((await member.call('GET', '/v1/intake-forms')).status).toBe(403);
    expect((await member.call('POST', '/v1/intake-forms', { name: 'Mine' })).status).toBe(403);
    await ctx.close();
  });
});
