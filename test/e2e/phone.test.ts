import nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { createCompanies } from '../../src/features/companies/companies.service.js';
import { startTestServer, type DashboardUser, type TestServer } from '../helpers.js';
import { startReceiver, type Receiver } from '../webhook-receiver.js';
import { SCREENSHOT_DIR, checkPage, expectNoHorizontalScroll, launchBrowser, sessionContext, type TestBrowser } from './browser.js';

// The dashboard on a phone (issue 18): every page, with a company's worth of data (leads with long
// names and addresses, a thread, quotes, appointments, a webhook, API keys, a team, a lead form), at
// 390×844 and 360 px, and at 1366×900 for the desk. Nothing scrolls sideways; the bottom bar is there
// below 700 px only; the main actions can be tapped (in the viewport, not covered, 44 px or more); a
// lead's page is the conversation first with call, text and email links; the agenda books in a sheet.

const SIZES = {
  phone: { width: 390, height: 844 },
  narrow: { width: 360, height: 780 },
  desktop: { width: 1366, height: 900 },
} as const;
type Size = keyof typeof SIZES;
const TAP = 44; // px: the smallest target a finger hits reliably

describe('the dashboard on a phone and on a desk', () => {
  let server: TestServer;
  let receiver: Receiver;
  let chrome: TestBrowser;
  let owner: DashboardUser;
  let member: DashboardUser;
  const contexts = new Map<Size, BrowserContext>();
  const ids = { lead: '', quiet: '', draft: '', sent: '', webhook: '', form: '', appointment: '' };

  const app = (path: string) => `${server.url}/app${path}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await owner.call(method, path, body);
    expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
    return res.body;
  };
  const heading = (p: Page, name: string | RegExp) => p.getByRole('heading', { level: 1, name }).waitFor();

  // Every page of the dashboard, with the heading that says it has loaded.
  const pages = () => [
    { slug: 'home', path: '/', heading: 'Home' },
    { slug: 'leads', path: '/leads', heading: 'Leads' },
    { slug: 'lead', path: `/leads/${ids.lead}`, heading: 'Dana Reyes-Whitcombe' },
    { slug: 'lead-new', path: '/leads/new', heading: 'New lead' },
    { slug: 'lead-edit', path: `/leads/${ids.lead}/edit`, heading: 'Edit lead' },
    { slug: 'board', path: '/board', heading: 'Pipeline board' },
    { slug: 'quotes', path: '/quotes', heading: 'Quotes' },
    { slug: 'quote-new', path: `/quotes/new?lead_id=${ids.lead}`, heading: 'New quote' },
    { slug: 'quote-draft', path: `/quotes/${ids.draft}`, heading: /Q-/ },
    { slug: 'quote-sent', path: `/quotes/${ids.sent}`, heading: /Q-/ },
    { slug: 'appointments', path: '/appointments', heading: 'Appointments' },
    { slug: 'price-book', path: '/price-book', heading: 'Price book' },
    { slug: 'agent', path: '/agent', heading: 'Agent' },
    { slug: 'automations', path: '/automations', heading: 'Automations' },
    { slug: 'keys', path: '/integrations/keys', heading: 'API keys' },
    { slug: 'webhooks', path: '/integrations/webhooks', heading: 'Webhooks' },
    { slug: 'webhook', path: `/integrations/webhooks/${ids.webhook}`, heading: 'Webhook endpoint' },
    { slug: 'forms', path: '/integrations/forms', heading: 'Lead forms' },
    { slug: 'form', path: `/integrations/forms/${ids.form}`, heading: 'Harbour Solar website quote request' },
    { slug: 'team', path: '/team', heading: 'Team' },
    { slug: 'settings', path: '/settings', heading: 'Settings' },
    { slug: 'not-found', path: '/no-such-page', heading: 'Page not found' },
  ];

  const open = async (size: Size, path: string, name: string | RegExp) => {
    const p = await contexts.get(size)!.newPage();
    await p.goto(app(path));
    await heading(p, name);
    // What loads after the heading (a thread, a list) may still widen the page. (Not "networkidle":
    // the live stream stays open.)
    await expect.poll(() => p.getByText(/^Loading/).count()).toBe(0);
    await p.waitForTimeout(150);
    return p;
  };

  /** Can be tapped: visible, in the viewport once scrolled to, not covered by anything (Playwright's trial click). */
  const expectTappable = async (target: Locator, what: string, minSize = TAP) => {
    await target.scrollIntoViewIfNeeded();
    await target.click({ trial: true, timeout: 5000 });
    const box = (await target.boundingBox())!;
    expect(box, what).not.toBeNull();
    expect(box.height, `height of ${what}`).toBeGreaterThanOrEqual(minSize);
    expect(box.width, `width of ${what}`).toBeGreaterThanOrEqual(minSize);
  };

  beforeAll(async () => {
    server = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', SMS_PROVIDER: 'console' } });
    receiver = await startReceiver();
    chrome = await launchBrowser();
    owner = await server.user({ role: 'owner' });
    member = await server.user({ role: 'member', companyId: owner.companyId });
    await server.user({ role: 'admin', companyId: owner.companyId });
    await call('POST', '/app/api/invites', { role: 'member' });
    await createCompanies({ db: server.database.db, clock: server.clock }).change(owner.companyId, { smsCredits: 50 });
    await call('PATCH', '/app/api/settings', { name: 'Harbour Solar & Roofing Pty Ltd', country: 'AU', timezone: 'Australia/Sydney', currency: 'AUD' });

    const lead = await call('POST', '/v1/leads', {
      name: 'Dana Reyes-Whitcombe',
      phone: '0412 345 678',
      email: 'dana.reyes-whitcombe.household@bigpond.example.com.au',
      service_type: 'Roof restoration and gutter replacement',
      address: '1427 Great Western Highway, Blaxland Heights',
      postcode: '2774',
      value: 18_450,
      notes: 'Two-storey, steep pitch. Dog in the yard: call before coming.',
    });
    ids.lead = lead.data.id;
    ids.quiet = (await call('POST', '/v1/leads', { name: 'Sam Quiet', phone: '0412 555 777', pipeline_stage: 'follow_up' })).data.id;
    for (let i = 1; i <= 6; i++) {
      await call('POST', '/v1/leads', { name: `Lead number ${i} with a rather long name`, phone: `0412 100 ${100 + i}`, email: `lead${i}@example.com`, value: 1000 * i });
    }
    await call('POST', '/v1/sms', { lead_id: ids.lead, message: 'Hi Dana, thanks for getting in touch. When suits for a look at the roof?' });
    await call('POST', '/app/api/console/inbound', { lead_id: ids.lead, text: 'Thursday morning works, anytime after 8. The side gate is open.' });
    await call('POST', '/v1/sms', { lead_id: ids.lead, message: 'Great, see you Thursday at 9.' });

    const item = await call('POST', '/v1/price-book', { name: 'Gutter guard (Colorbond, supplied and fitted)', unit: 'metre', unit_price: 18 });
    const lines = [
      { price_book_item_id: item.data.id, quantity: 42 },
      { description: 'Ridge capping re-bed and re-point, full roof', quantity: 1, unit_price: 3890 },
    ];
    ids.draft = (await call('POST', '/v1/quotes', { lead_id: ids.lead, line_items: lines })).data.id;
    ids.sent = (await call('POST', '/v1/quotes', { lead_id: ids.lead, line_items: lines })).data.id;
    await call('POST', `/v1/quotes/${ids.sent}/send`, {});

    const tomorrow = new Date(Date.now() + 86_400_000);
    tomorrow.setUTCHours(23, 0, 0, 0); // 9 or 10 am in Sydney
    ids.appointment = (
      await call('POST', '/v1/appointments', {
        lead_id: ids.lead,
        appointment_type: 'onsite',
        start_time: tomorrow.toISOString(),
        title: 'Roof inspection and measure-up',
        location: '1427 Great Western Highway, Blaxland Heights 2774',
      })
    ).data.id;
    await call('POST', '/v1/appointments', { lead_id: ids.quiet, appointment_type: 'callback', start_time: new Date(tomorrow.getTime() + 3 * 3_600_000).toISOString() });

    const webhook = await call('POST', '/v1/webhooks', {
      url: `${receiver.url}/hooks/quoteleads/crm-integration/production/receiver-endpoint-with-a-long-path`,
      description: 'Our CRM',
      events: ['lead.created', 'quote.accepted'],
    });
    ids.webhook = webhook.data.id;
    await call('POST', `/v1/webhooks/${ids.webhook}/test`, {});
    await call('POST', '/app/api/keys', { name: 'Zapier production integration', scopes: ['leads:read', 'leads:write', 'quotes:read', 'appointments:read'] });
    await call('POST', '/app/api/keys', { name: 'Website', scopes: ['leads:write'] });
    ids.form = (
      await call('POST', '/v1/intake-forms', {
        name: 'Harbour Solar website quote request',
        allowed_origins: ['https://www.harbour-solar-and-roofing-blue-mountains.example.com.au'],
      })
    ).data.id;

    for (const [size, viewport] of Object.entries(SIZES) as [Size, (typeof SIZES)[Size]][]) {
      contexts.set(size, await sessionContext(chrome, owner, server.url, viewport));
    }
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await receiver?.close();
    await server?.close();
  });

  for (const size of Object.keys(SIZES) as Size[]) {
    it(`fits every page in ${SIZES[size].width} px, with the bottom bar ${size === 'desktop' ? 'hidden' : 'shown'}`, async () => {
      for (const { slug, path, heading: name } of pages()) {
        const p = await open(size, path, name);
        await expectNoHorizontalScroll(p);
        const bottom = p.getByRole('navigation', { name: 'Main' }).filter({ has: p.getByRole('button', { name: 'More' }) });
        if (size === 'desktop') {
          expect(await bottom.count(), `bottom bar on ${slug}`).toBe(0);
          await p.locator('.sidenav').getByRole('link', { name: 'Appointments' }).waitFor();
        } else {
          await bottom.waitFor();
          // A compact top bar: the page's heading is in the first screenful, not a third of the way down.
          const top = await p.getByRole('heading', { level: 1 }).evaluate((h) => h.getBoundingClientRect().top);
          expect(top, `heading of ${slug}`).toBeLessThan(150);
        }
        // axe at the two sizes (390 and 1366); at 360 the layout is the phone's, so the overflow
        // check and a picture are what that width adds, and CI does not pay for a third axe pass.
        if (size === 'narrow') await p.screenshot({ path: nodePath.join(SCREENSHOT_DIR, `70-${size}-${slug}.png`), fullPage: true });
        else await checkPage(p, `70-${size}-${slug}`);
        // What the first screenful looks like, with the bars where they are (a full-page picture moves them).
        if (size === 'phone') await p.screenshot({ path: nodePath.join(SCREENSHOT_DIR, `70-${size}-${slug}-screen.png`) });
        await p.close();
      }
    }, 240_000);
  }

  it('has a bottom bar of five places in reach of a thumb, and More lists the rest for each role', async () => {
    const p = await open('phone', '/', 'Home');
    const bar = p.getByRole('navigation', { name: 'Main' });
    const items = [bar.getByRole('link', { name: 'Home' }), bar.getByRole('link', { name: 'Inbox' }), bar.getByRole('link', { name: 'Leads' }), bar.getByRole('link', { name: 'Agenda' }), bar.getByRole('button', { name: 'More' })];
    for (const item of items) await expectTappable(item, `bottom bar ${await item.textContent()}`);
    expect(await bar.getByRole('link', { name: 'Inbox' }).getAttribute('href')).toBe('/app/inbox');
    expect(await bar.getByRole('link', { name: 'Agenda' }).getAttribute('href')).toBe('/app/appointments');
    // Fixed to the bottom of the screen.
    const barBox = (await bar.boundingBox())!;
    expect(barBox.y + barBox.height).toBe(SIZES.phone.height);
    // The bell stays in the top bar.
    await expectTappable(p.getByRole('button', { name: /^Alerts/ }), 'the bell');
    await expectTappable(p.getByRole('link', { name: 'New quote' }), 'New quote');

    await bar.getByRole('button', { name: 'More' }).click();
    const more = p.getByRole('dialog', { name: 'More' });
    await more.waitFor();
    const names = await more.getByRole('navigation', { name: 'More' }).getByRole('link').allTextContents();
    expect(names).toEqual(['Board', 'Quotes', 'Price book', 'Agent', 'Automations', 'Integrations', 'Team', 'Settings']);
    await expectTappable(more.getByRole('button', { name: 'Log out' }), 'Log out');
    await checkPage(p, '71-phone-more');
    await more.getByRole('link', { name: 'Team' }).click();
    await heading(p, 'Team');
    await more.waitFor({ state: 'hidden' });
    // Where you are, even when it is one of More's.
    expect(await bar.getByRole('button', { name: 'More' }).getAttribute('class')).toContain('active');
    await p.close();

    const ctx = await sessionContext(chrome, member, server.url, SIZES.phone);
    const m = await ctx.newPage();
    await m.goto(app('/'));
    await heading(m, 'Home');
    await m.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'More' }).click();
    const theirs = await m.getByRole('dialog', { name: 'More' }).getByRole('navigation', { name: 'More' }).getByRole('link').allTextContents();
    expect(theirs).toEqual(['Board', 'Quotes', 'Price book', 'Settings']);
    await m.keyboard.press('Escape');
    await m.getByRole('dialog', { name: 'More' }).waitFor({ state: 'hidden' });
    await ctx.close();
  });

  it('puts a lead’s conversation first on a phone, its composer at the bottom, and calls, texts and emails at a tap', async () => {
    for (const size of ['phone', 'narrow'] as const) {
      const p = await open(size, `/leads/${ids.lead}`, 'Dana Reyes-Whitcombe');
      const conversation = p.getByRole('region', { name: 'Conversation' });
      const details = p.getByRole('region', { name: 'Details' });
      await conversation.getByRole('list', { name: 'Messages, oldest first' }).getByText('Thursday morning works').waitFor();
      // First in the page's order (what a screen reader reads) and on the screen.
      expect(await conversation.evaluate((c, d) => Boolean(c.compareDocumentPosition(d!) & Node.DOCUMENT_POSITION_FOLLOWING), await details.elementHandle())).toBe(true);
      const [c, d] = [(await conversation.boundingBox())!, (await details.boundingBox())!];
      expect(c.y).toBeLessThan(d.y);
      expect(c.y, 'the conversation starts in the first screenful').toBeLessThan(SIZES[size].height / 2);

      // The composer is on the first screen, above the bottom bar, without scrolling.
      const send = p.getByRole('button', { name: 'Send', exact: true });
      const box = p.getByRole('textbox', { name: 'Message' });
      const barTop = (await p.getByRole('navigation', { name: 'Main' }).boundingBox())!.y;
      const boxBox = (await box.boundingBox())!;
      expect(boxBox.y + boxBox.height).toBeLessThanOrEqual(barTop);
      expect(boxBox.width, 'the message box').toBeGreaterThan(200);
      await box.fill('On my way');
      await expectTappable(send, 'Send');

      const call = p.locator('a[href="tel:+61412345678"]').first();
      const text = p.locator('a[href="sms:+61412345678"]').first();
      const mail = p.locator('a[href="mailto:dana.reyes-whitcombe.household@bigpond.example.com.au"]').first();
      await expectTappable(call, 'call', 24);
      expect((await call.boundingBox())!.height).toBeGreaterThanOrEqual(TAP);
      await expectTappable(text, 'text');
      expect((await mail.boundingBox())!.height).toBeGreaterThanOrEqual(TAP);
      // The details have them too, named for who is called.
      await details.getByRole('link', { name: 'Call on 0412 345 678' }).waitFor();
      await details.getByRole('link', { name: 'Text on 0412 345 678' }).waitFor();
      await p.getByRole('link', { name: 'Call Dana Reyes-Whitcombe on 0412 345 678' }).waitFor();
      await p.getByRole('link', { name: 'Text Dana Reyes-Whitcombe on 0412 345 678' }).waitFor();
      await p.getByRole('link', { name: /^Email Dana Reyes-Whitcombe/ }).waitFor();
      await expectTappable(p.getByRole('link', { name: 'Edit' }), 'Edit');
      await expectNoHorizontalScroll(p);
      await checkPage(p, `72-${size}-lead-typed`);
      await p.screenshot({ path: nodePath.join(SCREENSHOT_DIR, `72-${size}-lead-typed-screen.png`) });
      await p.close();
    }
    // On a desk the details are on the left, the conversation on the right.
    const p = await open('desktop', `/leads/${ids.lead}`, 'Dana Reyes-Whitcombe');
    const [c, d] = [(await p.getByRole('region', { name: 'Conversation' }).boundingBox())!, (await p.getByRole('region', { name: 'Details' }).boundingBox())!];
    expect(c.x).toBeGreaterThan(d.x + d.width - 1);
    await p.close();
  });

  it('books from a sheet over the agenda on a phone, and Reschedule can be tapped', async () => {
    const p = await open('narrow', '/appointments', 'Appointments');
    const appt = p.locator(`[data-appointment-id="${ids.appointment}"]`);
    await appt.waitFor();
    expect((await appt.boundingBox())!.width).toBeGreaterThan(300);
    expect(await p.getByRole('heading', { name: 'New appointment' }).count()).toBe(0);

    const book = p.getByRole('button', { name: 'New appointment' });
    await expectTappable(book, 'New appointment');
    await book.click();
    const sheet = p.getByRole('dialog', { name: 'New appointment' });
    await sheet.getByLabel('Find a lead').waitFor();
    const sheetBox = (await sheet.boundingBox())!;
    expect(sheetBox.width).toBe(SIZES.narrow.width);
    await expectTappable(sheet.getByRole('button', { name: 'Book appointment' }), 'Book appointment');
    await checkPage(p, '73-narrow-agenda-sheet');
    await sheet.getByRole('button', { name: 'Close' }).click();
    await sheet.waitFor({ state: 'hidden' });

    const reschedule = appt.getByRole('button', { name: 'Reschedule' });
    await expectTappable(reschedule, 'Reschedule');
    await reschedule.click();
    await expectTappable(appt.getByRole('button', { name: 'Save' }), 'Save');
    await expectNoHorizontalScroll(p);
    await checkPage(p, '74-narrow-agenda-reschedule');
    await p.close();

    // A desk keeps the form beside the agenda.
    const d = await open('desktop', '/appointments', 'Appointments');
    await d.getByRole('heading', { name: 'New appointment' }).waitFor();
    expect(await d.getByRole('button', { name: 'New appointment' }).count()).toBe(0);
    await d.close();
  });

  it('lets a phone edit a quote: each line stacked, its fields wide enough to type in', async () => {
    const p = await open('narrow', `/quotes/${ids.draft}`, /Q-/);
    const line = p.locator('[data-line="2"]');
    const width = async (label: string) => (await line.getByLabel(label, { exact: true }).boundingBox())!.width;
    expect(await width('Description')).toBeGreaterThan(280);
    expect(await width('Quantity')).toBeGreaterThanOrEqual(90);
    expect(await width('Unit')).toBeGreaterThanOrEqual(90);
    expect(await width('Unit price')).toBeGreaterThanOrEqual(120);
    await expectTappable(line.getByLabel('Unit price', { exact: true }), 'Unit price', TAP);
    await expectTappable(p.getByRole('button', { name: /Save/ }).first(), 'Save');
    await p.close();
  });

  it('shows tables as cards on a phone: every key’s name, scopes and Revoke in the width', async () => {
    const p = await open('narrow', '/integrations/keys', 'API keys');
    const row = p.getByRole('row', { name: /Zapier production integration/ });
    const box = (await row.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(SIZES.narrow.width);
    await expectTappable(row.getByRole('button', { name: 'Revoke' }), 'Revoke');
    await expectTappable(p.getByRole('button', { name: 'Create key' }), 'Create key');
    await p.close();

    const t = await open('narrow', '/team', 'Team');
    await expectTappable(t.getByRole('row', { name: /member/i }).first().getByRole('button', { name: 'Remove' }), 'Remove');
    await t.close();
  });
});
