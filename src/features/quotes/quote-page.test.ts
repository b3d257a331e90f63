import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { quotes } from '../../db/schema/index.js';
import { createCompanies } from '../companies/companies.service.js';
import { onPostgres, startTestServer, type Tenant, type TestServer } from '../../../test/helpers.js';
import { manualClock } from '../../../test/clock.js';

const clock = manualClock(Date.parse('2026-04-01T02:00:00Z')); // 1 April, 1 pm in Sydney
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(() => server.close());

const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const typesOf = async (companyId: string) => (await server.events(companyId)).map((e) => e.eventType);

async function sentQuote(t: Tenant, o: { lead?: string; body?: Record<string, unknown>; leadBody?: Record<string, unknown> } = {}) {
  const leadId = o.lead ?? (await t.call('POST', '/v1/leads', { name: 'Jo Customer', phone: '0412 777 888', ...o.leadBody })).body.data.id;
  const draft = await t.call('POST', '/v1/quotes', {
    lead_id: leadId,
    line_items: [
      { description: 'Re-bed and re-point ridge capping', quantity: 18.5, unit_price: 42 },
      { description: 'Pressure clean', quantity: 1, unit_price: 350.25 },
    ],
    notes: 'Work starts within 2 weeks of acceptance.',
    ...o.body,
  });
  expect(draft.status).toBe(201);
  const sent = await t.call('POST', `/v1/quotes/${draft.body.data.id}/send`, {});
  expect(sent.status).toBe(200);
  const q = sent.body.data;
  return { q, leadId, path: new URL(q.public_url).pathname };
}

const page = (path: string, o: { method?: string; agent?: string; headers?: Record<string, string> } = {}) =>
  server.fetch(o.method ?? 'GET', path, { headers: { 'user-agent': o.agent ?? PHONE, ...o.headers } });
// What a browser sends for a plain form button; the redirect is looked at, not followed.
async function post(path: string) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    body: '',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': PHONE },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('GET /q/:token', () => {
  it('renders the quote: company, number, lines, totals in the currency, validity, notes, and two plain forms', async () => {
    const t = await server.tenant({ name: 'Harbour Roofing & Sons' });
    const { q, path } = await sentQuote(t, { body: { valid_until: '2026-04-30' } });
    const res = await page(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = res.text;
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('Harbour Roofing &amp; Sons');
    expect(html).toContain(q.quote_number);
    expect(html).toContain('Re-bed and re-point ridge capping');
    expect(html).toContain('18.5 × $42.00');
    // 18.5 × 42 = 777 + 350.25 = 1127.25; tax 112.725 → 112.73; total 1239.98
    expect(html).toContain('$1,127.25');
    expect(html).toContain('$112.73');
    expect(html).toContain('$1,239.98');
    expect(html).toContain('Total (AUD)');
    const dated = new Intl.DateTimeFormat('en-AU', { timeZone: 'Australia/Sydney', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(q.sent_at ?? Date.now()));
    expect(html).toContain(`Dated ${dated} · valid until 30 April 2026`);
    // An Australian company's tax is GST, by its name.
    expect(html).toContain('<tr><td>GST</td>');
    expect(html).not.toContain('Tax (10%)');
    expect(html).toContain('Work starts within 2 weeks of acceptance.');
    expect(html).toContain(`<form method="post" action="${path}/accept">`);
    expect(html).toContain(`<form method="post" action="${path}/decline">`);
    expect(html).not.toContain('<script');
  });

  it('calls the tax "Tax" with its rate outside Australia, and writes dates as the country does', async () => {
    const t = await server.tenant({ country: 'US' });
    const { path } = await sentQuote(t, { body: { valid_until: '2026-04-30' } });
    const html = (await page(path)).text;
    expect(html).toContain('<tr><td>Tax (10%)</td>');
    expect(html).not.toContain('GST');
    expect(html).toContain('valid until April 30, 2026');
  });

  it('escapes everything it shows', async () => {
    const t = await server.tenant({ name: '<img src=x onerror=alert(1)>' });
    const { path } = await sentQuote(t, {
      leadBody: { name: '"><script>alert(2)</script>' },
      body: { line_items: [{ description: '<b>bold</b> & "quoted"', quantity: 1, unit_price: 1 }], notes: "</p><script>alert('n')</script>" },
    });
    const html = (await page(path)).text;
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
  });

  it('is a plain 404 page for an unknown token, a malformed one and a draft', async () => {
    const t = await server.tenant();
    const lead = (await t.call('POST', '/v1/leads', { name: 'D' })).body.data;
    const draft = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] })).body.data;
    for (const path of [new URL(draft.public_url).pathname, `/q/${'A'.repeat(43)}`, '/q/1', '/q/%27%3B--']) {
      const res = await page(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('Quote not found');
    }
  });

  it('counts the first customer view only: not HEAD, link previews or prefetches', async () => {
    const t = await server.tenant();
    const { q, path } = await sentQuote(t);
    const previewers = [
      'facebookexternalhit/1.1 Facebot Twitterbot/1.0', // Apple's iMessage preview
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
      'Facebot',
      'Twitterbot/1.0',
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'WhatsApp/2.23.20.0',
      'TelegramBot (like TwitterBot)',
      'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
      'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    ];
    for (const agent of previewers) expect((await page(path, { agent })).status).toBe(200);
    expect((await page(path, { method: 'HEAD' })).status).toBe(200);
    await page(path, { headers: { 'sec-purpose': 'prefetch' } });
    expect((await t.call('GET', `/v1/quotes/${q.id}`)).body.data).toMatchObject({ status: 'sent', viewed_at: null });

    await page(path);
    clock.advance(60_000);
    await page(path);
    const viewed = (await t.call('GET', `/v1/quotes/${q.id}`)).body.data;
    expect(viewed.status).toBe('viewed');
    expect(viewed.viewed_at).toBe(new Date(clock.now() - 60_000).toISOString());
    const events = (await server.events(t.companyId)).filter((e) => e.eventType === 'quote.viewed');
    expect(events).toHaveLength(1);
    expect(events[0].data).toEqual({ ...viewed, quote_id: q.id });
  });
});

describe('accept and decline', () => {
  it('accepts once with a plain form POST: accepted, lead closed_won, events with quote_id, a confirmation page', async () => {
    const t = await server.tenant();
    const { q, leadId, path } = await sentQuote(t);
    await page(path);
    const res = await post(`${path}/accept`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(path);

    const confirmation = await page(path);
    expect(confirmation.text).toContain('You accepted this quote on 1 April 2026');
    expect(confirmation.text).not.toContain('<form');
    const accepted = (await t.call('GET', `/v1/quotes/${q.id}`)).body.data;
    expect(accepted).toMatchObject({ status: 'accepted', accepted_at: new Date(clock.now()).toISOString(), declined_at: null });
    const lead = (await t.call('GET', `/v1/leads/${leadId}`)).body.data;
    expect(lead.pipeline_stage).toBe('closed_won');
    const [row] = await server.database.db.select().from(quotes).where(eq(quotes.id, q.id));
    expect(row.respondedIp).toBe('127.0.0.1');

    const events = (await server.events(t.companyId)).slice(-3);
    expect(events.map((e) => e.eventType)).toEqual(['lead.updated', 'quote.accepted', 'sale.completed']);
    expect(events[0]).toMatchObject({ data: lead, previous: { pipeline_stage: 'quoted' } });
    expect(events[1].data).toEqual({ ...accepted, quote_id: q.id });
    expect(events[2].data).toEqual({ ...lead, quote_id: q.id });

    for (const again of ['accept', 'decline']) {
      const res2 = await post(`${path}/${again}`);
      expect(res2.status).toBe(409);
      expect(res2.text).toContain('This quote has already been accepted');
    }
    expect((await typesOf(t.companyId)).filter((e) => e === 'quote.accepted')).toHaveLength(1);
  });

  it('declines: the lead is lost only when no other quote is still open and it was not won', async () => {
    const t = await server.tenant();
    const first = await sentQuote(t);
    const second = await sentQuote(t, { lead: first.leadId });
    expect((await post(`${first.path}/decline`)).status).toBe(303);
    expect((await t.call('GET', `/v1/quotes/${first.q.id}`)).body.data).toMatchObject({ status: 'declined', declined_at: new Date(clock.now()).toISOString() });
    expect((await t.call('GET', `/v1/leads/${first.leadId}`)).body.data.pipeline_stage).toBe('quoted');
    expect((await page(first.path)).text).toContain('You declined this quote');

    // A bare POST without a body works as well as a browser's form post.
    const bare = await fetch(server.url + `${second.path}/decline`, { method: 'POST', redirect: 'manual' });
    expect(bare.status).toBe(303);
    expect((await t.call('GET', `/v1/leads/${first.leadId}`)).body.data.pipeline_stage).toBe('closed_lost');
    const types = await typesOf(t.companyId);
    expect(types.filter((e) => e === 'quote.declined')).toHaveLength(2);
    expect(types.at(-1)).toBe('quote.declined');
    expect(types.at(-2)).toBe('lead.updated');

    const won = await sentQuote(t, { leadBody: { name: 'Already won' } });
    await t.call('PATCH', `/v1/leads/${won.leadId}`, { pipeline_stage: 'closed_won' });
    expect((await post(`${won.path}/decline`)).status).toBe(303);
    expect((await t.call('GET', `/v1/leads/${won.leadId}`)).body.data.pipeline_stage).toBe('closed_won');
  });

  it("expires at the end of valid_until in the company's timezone: reads expired everywhere and cannot be answered", async () => {
    const t = await server.tenant();
    await createCompanies({ db: server.database.db, clock: server.clock }).change(t.companyId, { timezone: 'Pacific/Auckland' });
    clock.set(Date.parse('2026-04-01T02:00:00Z')); // 1 April, 3 pm in Auckland
    const open = await sentQuote(t, { body: { valid_until: '2026-04-01' } });
    const later = await sentQuote(t, { body: { valid_until: '2026-04-02' } });
    const timeless = await sentQuote(t);
    await page(later.path); // viewed

    clock.set(Date.parse('2026-04-01T10:59:59.999Z')); // 23:59:59.999 on 1 April in Auckland (NZDT ended 5 April)
    expect((await t.call('GET', `/v1/quotes/${open.q.id}`)).body.data.status).toBe('sent');
    clock.set(Date.parse('2026-04-01T11:00:00Z')); // midnight
    expect((await t.call('GET', `/v1/quotes/${open.q.id}`)).body.data.status).toBe('expired');
    expect((await t.call('GET', `/v1/quotes/${later.q.id}`)).body.data.status).toBe('viewed');

    const expired = await t.call('GET', '/v1/quotes?status=expired');
    expect(expired.body.data.map((q: { id: string }) => q.id)).toEqual([open.q.id]);
    expect(expired.body.meta.total).toBe(1);
    expect((await t.call('GET', '/v1/quotes?status=sent')).body.data.map((q: { id: string }) => q.id)).toEqual([timeless.q.id]);
    expect((await t.call('GET', '/v1/quotes?status=sent')).body.meta.total).toBe(1);
    expect((await t.call('GET', '/v1/quotes?status=viewed')).body.meta.total).toBe(1);

    const html = (await page(open.path)).text;
    expect(html).toContain('This quote expired at the end of 1 April 2026');
    expect(html).not.toContain('<form');
    const refused = await post(`${open.path}/accept`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('This quote has expired');
    expect((await t.call('GET', `/v1/quotes/${open.q.id}`)).body.data.status).toBe('expired');

    clock.set(Date.parse('2026-04-03T00:00:00Z'));
    expect((await t.call('GET', '/v1/quotes?status=expired')).body.meta.total).toBe(2);
    expect((await t.call('GET', '/v1/quotes?status=viewed')).body.meta.total).toBe(0);
    expect((await t.call('GET', '/v1/quotes')).body.meta.total).toBe(3);
    clock.set(Date.parse('2026-04-01T02:00:00Z'));
  });

  it('refuses to send a draft whose valid_until has passed', async () => {
    const t = await server.tenant();
    const lead = (await t.call('POST', '/v1/leads', { name: 'Late' })).body.data;
    const draft = (await t.call('POST', '/v1/quotes', { lead_id: lead.id, valid_until: '2026-04-01', line_items: [{ description: 'x', quantity: 1, unit_price: 1 }] })).body.data;
    clock.set(Date.parse('2026-04-05T00:00:00Z'));
    try {
      expect((await t.call('GET', `/v1/quotes/${draft.id}`)).body.data.status).toBe('draft');
      const res = await t.call('POST', `/v1/quotes/${draft.id}/send`);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("'valid_until' has passed: change it before sending the quote");
    } finally {
      clock.set(Date.parse('2026-04-01T02:00:00Z'));
    }
  });
});

describe.runIf(onPostgres)('concurrency (PostgreSQL)', () => {
  it('two simultaneous accepts give one acceptance and one set of events', async () => {
    const t = await server.tenant();
    const { path } = await sentQuote(t);
    const before = (await server.events(t.companyId)).length;
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(`${path}/accept`)));
    expect(answers.map((a) => a.status).sort()).toEqual([303, 409, 409, 409, 409, 409, 409, 409]);
    const added = (await server.events(t.companyId)).slice(before).map((e) => e.eventType);
    expect(added).toEqual(['lead.updated', 'quote.accepted', 'sale.completed']);
  });

  it('an accept and a decline at once: exactly one wins', async () => {
    const t = await server.tenant();
    const { q, path } = await sentQuote(t);
    const [a, d] = await Promise.all([post(`${path}/accept`), post(`${path}/decline`)]);
    expect([a.status, d.status].sort()).toEqual([303, 409]);
    const status = (await t.call('GET', `/v1/quotes/${q.id}`)).body.data.status;
    expect(status).toBe(a.status === 303 ? 'accepted' : 'declined');
  });
});
