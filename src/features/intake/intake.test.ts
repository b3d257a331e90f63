import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as fetchFrom } from 'undici';
import { sql } from 'drizzle-orm';
import { manualClock } from '../../../test/clock.js';
import { startFakeCaptcha, type FakeCaptcha } from '../../../test/fake-captcha.js';
import { startTestServer, type Tenant, type TestServer } from '../../../test/helpers.js';
import { rowsOf } from '../../db/client.js';

const SITE = 'https://www.example-roofing.com.au';
const clock = manualClock(Date.parse('2026-12-01T01:00:00Z'));
let server: TestServer;
let captcha: FakeCaptcha;
beforeAll(async () => {
  captcha = await startFakeCaptcha();
  server = await startTestServer({
    clock,
    env: {
      INTAKE_POSTS_PER_ADDRESS_PER_HOUR: '8',
      TURNSTILE_VERIFY_URL: `${captcha.url}/turnstile/v0/siteverify`,
      HCAPTCHA_VERIFY_URL: `${captcha.url}/siteverify`,
      CAPTCHA_TIMEOUT_MS: '2000',
    },
  });
});
afterAll(async () => {
  await server.close();
  await captcha.close();
});

type Form = { id: string; public_key: string; post_url: string };
async function formOf(t: Tenant, body: Record<string, unknown> = {}): Promise<Form> {
  const res = await t.call('POST', '/v1/intake-forms', { name: 'Quote request', allowed_origins: [SITE], min_fill_seconds: 0, ...body });
  expect(res.status).toBe(201);
  return res.body.data;
}

type Post = { body: string | FormData; type?: string; origin?: string | null; referer?: string; accept?: string; from?: string };
async function post(form: Form, p: Post) {
  const headers: Record<string, string> = {};
  if (p.type) headers['content-type'] = p.type;
  if (p.origin !== null) headers.origin = p.origin ?? SITE;
  if (p.referer) headers.referer = p.referer;
  if (p.accept) headers.accept = p.accept;
  // A client at another address of the loopback network (Linux routes all of 127/8 to lo).
  const dispatcher = p.from ? new Agent({ localAddress: p.from }) : undefined;
  const url = `${server.url}/intake/${form.public_key}`;
  const init = { method: 'POST', headers, body: p.body, redirect: 'manual' as const };
  const res = dispatcher ? await fetchFrom(url, { ...init, body: p.body as string, dispatcher }) : await fetch(url, init);
  const text = await res.text();
  await dispatcher?.close();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
const urlencoded = (fields: Record<string, string>, o: Omit<Post, 'body'> = {}) => ({ body: new URLSearchParams(fields).toString(), type: 'application/x-www-form-urlencoded', ...o });
const json = (fields: Record<string, unknown>, o: Omit<Post, 'body'> = {}) => ({ body: JSON.stringify(fields), type: 'application/json', ...o });

const leadsOf = async (t: Tenant) => (await t.call('GET', '/v1/leads?per_page=100')).body.data as any[];
const jobsOf = async (companyId: string) =>
  rowsOf<{ kind: string; lead_id: string }>(await server.database.db.execute(sql`select kind, lead_id from jobs where company_id = ${companyId} order by created_at`));

describe('/v1/intake-forms', () => {
  it('creates, lists, changes, rotates and deletes forms; the captcha secret is never shown', async () => {
    const t = await server.tenant();
    const created = await t.call('POST', '/v1/intake-forms', {
      name: 'Website',
      allowed_origins: [`${SITE}/`, 'http://localhost:8080'],
      thank_you_url: `${SITE}/thanks`,
      field_mapping: { 'your-email': 'email' },
      captcha: { provider: 'turnstile', site_key: '0x4AAA', secret: 'top-secret' },
    });
    expect(created.status).toBe(201);
    const form = created.body.data;
    expect(form).toMatchObject({
      name: 'Website',
      source: 'web_form',
      allowed_origins: [SITE, 'http://localhost:8080'],
      allow_no_origin: false,
      captcha: { provider: 'turnstile', site_key: '0x4AAA' },
      texts_per_hour: 30,
      min_fill_seconds: 3,
      enabled: true,
    });
    expect(form.public_key).toMatch(/^qlf_[0-9A-Za-z]{24}$/);
    expect(form.post_url).toBe(`${server.config.publicUrl}/intake/${form.public_key}`);
    expect(created.text).not.toContain('top-secret');
    const stored = rowsOf<{ c: string }>(await server.database.db.execute(sql`select captcha_secret_ciphertext as c from intake_forms where id = ${form.id}`));
    expect(stored[0].c).not.toContain('top-secret');

    expect((await t.call('GET', '/v1/intake-forms')).body.data.map((f: Form) => f.id)).toEqual([form.id]);
    const rotated = await t.call('PATCH', `/v1/intake-forms/${form.id}`, { rotate_key: true, name: 'Website v2' });
    expect(rotated.body.data.name).toBe('Website v2');
    expect(rotated.body.data.public_key).not.toBe(form.public_key);
    // The old key stops at once.
    expect((await post(form, json({ name: 'Old key' }))).status).toBe(404);
    expect((await post(rotated.body.data, json({ name: 'New key', 'cf-turnstile-response': captcha.issue('top-secret') }))).status).toBe(200);

    expect((await (await server.tenant()).call('GET', `/v1/intake-forms/${form.id}`)).status).toBe(404);
    expect((await t.call('DELETE', `/v1/intake-forms/${form.id}`)).status).toBe(204);
    expect((await post(rotated.body.data, json({ name: 'Deleted' }))).status).toBe(404);
    // Its lead stays, with its submission.
    expect(await leadsOf(t)).toHaveLength(1);
  });

  it('refuses bad settings with a 400 naming the field', async () => {
    const t = await server.tenant();
    const badOrigin = await t.call('POST', '/v1/intake-forms', { name: 'x', allowed_origins: ['https://example.com/contact'] });
    expect(badOrigin.status).toBe(400);
    expect(badOrigin.body.error).toContain("'allowed_origins'");
    const badMap = await t.call('POST', '/v1/intake-forms', { name: 'x', field_mapping: { tel: 'telephone' } });
    expect(badMap.body.error).toContain("'field_mapping'");
    // A stranger's post may never carry the integration's own id: it would replace that lead's fields.
    const externalId = await t.call('POST', '/v1/intake-forms', { name: 'x', field_mapping: { ref: 'external_id' } });
    expect(externalId.status).toBe(400);
    const noName = await t.call('POST', '/v1/intake-forms', {});
    expect(noName.body.error).toBe("'name' is required");
  });

  it('is for owners and admins only', async () => {
    const member = await server.user({ role: 'member' });
    expect((await member.call('GET', '/v1/intake-forms')).status).toBe(403);
    const admin = await server.user({ role: 'admin' });
    expect((await admin.call('GET', '/v1/intake-forms')).status).toBe(200);
  });
});

describe('POST /intake/:key', () => {
  it('takes a plain HTML form post and redirects to the thank-you page with a 303', async () => {
    const t = await server.tenant();
    const form = await formOf(t, { thank_you_url: `${SITE}/thanks` });
    const res = await post(
      form,
      urlencoded(
        { name: 'Sarah Mitchell', phone: '0412 345 678', email: 'Sarah@Example.com', message: 'Leaking roof', suburb: 'Parramatta', roof_type: 'tile' },
        { referer: `${SITE}/roofing?utm_source=google&utm_campaign=winter&gclid=G1` },
      ),
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${SITE}/thanks`);
    const [lead] = await leadsOf(t);
    expect(lead).toMatchObject({
      name: 'Sarah Mitchell',
      phone: '+61412345678',
      email: 'sarah@example.com',
      notes: 'Leaking roof',
      address: 'Parramatta',
      source: 'web_form',
      custom_data: { roof_type: 'tile' },
      attribution: { utm_source: 'google', utm_campaign: 'winter', gclid: 'G1', landing_page: `${SITE}/roofing?utm_source=google&utm_campaign=winter&gclid=G1` },
    });
    const created = (await server.events(t.companyId)).find((e) => e.eventType === 'lead.created');
    expect(created?.actor).toEqual({ type: 'intake', id: form.id, name: 'Quote request' });
  });

  it('answers a plain thank-you page without a thank-you URL, and fetch with JSON (multipart FormData too)', async () => {
    const t = await server.tenant();
    const form = await formOf(t, { field_mapping: { 'your-email': 'email', tel: 'phone' } });
    const page = await post(form, urlencoded({ name: 'Page Person' }));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Thank you');

    const data = new FormData();
    data.set('name', 'Multipart Person');
    data.set('your-email', 'multi@example.com');
    data.set('tel', '0412 000 222');
    const multi = await post(form, { body: data, accept: 'application/json' });
    expect(multi.status).toBe(200);
    expect(multi.json).toMatchObject({ ok: true });
    const viaJson = await post(form, json({ 'First Name': 'Json', 'Last-Name': 'Person', postcode: 2150, external_id: 'crm-7', pipeline_stage: 'closed_won' }));
    expect(viaJson.json.ok).toBe(true);
    const leads = await leadsOf(t);
    expect(leads.find((l) => l.name === 'Multipart Person')).toMatchObject({ email: 'multi@example.com', phone: '+61412000222' });
    // Names read as the CSV import reads headers; what a stranger may not set stays in custom_data.
    expect(leads.find((l) => l.name === 'Json Person')).toMatchObject({
      postcode: '2150',
      external_id: null,
      pipeline_stage: 'new_lead',
      custom_data: { external_id: 'crm-7', pipeline_stage: 'closed_won' },
    });
  });

  it('names the field to fix: a page for a browser, JSON for fetch; nothing is stored', async () => {
    const t = await server.tenant();
    const form = await formOf(t, { field_mapping: { 'your-email': 'email' } });
    const page = await post(form, urlencoded({ name: 'Bad', 'your-email': 'not-an-email' }, { referer: `${SITE}/contact` }));
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('&#39;your-email&#39; must be a valid email address');
    expect(page.text).toContain(`href="${SITE}/contact"`);
    const api = await post(form, json({ phone: 'call me' }));
    expect(api.status).toBe(400);
    expect(api.json.error).toBe("'phone' is not a valid phone number: call me");
    const empty = await post(form, json({ source: 'x' }));
    expect(empty.json.error).toBe("At least a 'name' (or 'first_name'/'last_name') or a 'phone' is required");
    expect(await leadsOf(t)).toHaveLength(0);
    expect((await post({ ...form, public_key: 'qlf_000000000000000000000000' }, json({ name: 'x' }))).status).toBe(404);
  });

  it("allows CORS and posts only from the form's own sites", async () => {
    const t = await server.tenant();
    const form = await formOf(t);
    const preflight = await fetch(`${server.url}/intake/${form.public_key}`, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SITE);
    const foreign = await fetch(`${server.url}/intake/${form.public_key}`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const ok = await post(form, json({ name: 'Allowed' }));
    expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);
    // CORS does not stop a plain HTML form post from another site: the Origin check does.
    const evil = await post(form, urlencoded({ name: 'Evil' }, { origin: 'https://evil.example' }));
    expect(evil.status).toBe(403);
    const evilReferer = await post(form, urlencoded({ name: 'Evil' }, { origin: null, referer: 'https://evil.example/page' }));
    expect(evilReferer.status).toBe(403);
    const byReferer = await post(form, urlencoded({ name: 'By referer' }, { origin: null, referer: `${SITE}/contact` }));
    expect(byReferer.status).toBe(200);
    const bare = await post(form, json({ name: 'No origin' }, { origin: null }));
    expect(bare.status).toBe(403);
    expect(bare.json.error).toContain('neither Origin nor Referer');
    await t.call('PATCH', `/v1/intake-forms/${form.id}`, { allow_no_origin: true });
    expect((await post(form, json({ name: 'No origin' }, { origin: null }))).status).toBe(200);
    expect((await leadsOf(t)).map((l) => l.name).sort()).toEqual(['Allowed', 'By referer', 'No origin']);
  });

  it('answers a filled honeypot as a success and stores nothing; refuses a post faster than the fill time', async () => {
    const t = await server.tenant();
    const form = await formOf(t, { min_fill_seconds: 3 });
    const bot = await post(form, json({ name: 'Bot', _ql_hp: 'http://spam.example' }));
    expect(bot.status).toBe(200);
    expect(bot.json.ok).toBe(true);
    const fast = await post(form, json({ name: 'Fast', _ql_started: clock.now() - 1_000 }));
    expect(fast.status).toBe(400);
    expect(fast.json.error).toContain('too quickly');
    const human = await post(form, json({ name: 'Human', _ql_started: clock.now() - 8_000 }));
    expect(human.status).toBe(200);
    expect((await leadsOf(t)).map((l) => l.name)).toEqual(['Human']);
  });

  it('limits posts per address and form, with Retry-After; another address still posts', async () => {
    const t = await server.tenant();
    const form = await formOf(t);
    for (let i = 0; i < 8; i++) expect((await post(form, json({ name: `P${i}` }, { from: '127.0.0.7' }))).status).toBe(200);
    const limited = await post(form, json({ name: 'One too many' }, { from: '127.0.0.7' }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post(form, json({ name: 'Neighbour' }, { from: '127.0.0.8' }))).status).toBe(200);
  });

  it("caps the form's automatic texts per hour: later leads are kept, held for a person", async () => {
    const t = await server.tenant();
    await t.call('PATCH', '/v1/company', { instant_reply: 'Hi {first_name}, thanks for your enquiry!' });
    const form = await formOf(t, { texts_per_hour: 2 });
    for (const phone of ['0412 100 001', '0412 100 002', '0412 100 003']) expect((await post(form, json({ name: 'Capped', phone }))).status).toBe(200);
    const leads = await leadsOf(t);
    expect(leads.map((l) => l.auto_text_held).sort()).toEqual(['form_cap', null, null]);
    const jobs = await jobsOf(t.companyId);
    expect(jobs.filter((j) => j.kind === 'instant_reply')).toHaveLength(2);
    expect(jobs.map((j) => j.lead_id)).not.toContain(leads.find((l) => l.auto_text_held)!.id);
    // A post recorded on a lead already there texts nobody and takes nothing from the cap.
    clock.advance(3_600_000);
    expect((await post(form, json({ phone: '0412100001' }))).status).toBe(200);
    expect((await post(form, json({ name: 'Next hour', phone: '0412 100 004' }))).status).toBe(200);
    expect((await leadsOf(t)).find((l) => l.name === 'Next hour').auto_text_held).toBeNull();
  });

  it('checks the captcha server-side: passed, refused, missing, and kept unverified when the service is down', async () => {
    const t = await server.tenant();
    await t.call('PATCH', '/v1/company', { instant_reply: 'Hi {first_name}!' });
    const form = await formOf(t, { captcha: { provider: 'turnstile', site_key: 'site-1', secret: 'sec-1' } });
    const passed = await post(form, json({ name: 'Passed', phone: '0412 200 001', 'cf-turnstile-response': captcha.issue('sec-1') }));
    expect(passed.status).toBe(200);
    expect(captcha.checks.at(-1)).toMatchObject({ secret: 'sec-1', remoteip: '127.0.0.1' });
    const refused = await post(form, json({ name: 'Refused', phone: '0412 200 002', 'cf-turnstile-response': 'forged' }));
    expect(refused.status).toBe(400);
    expect(refused.json.error).toContain('captcha');
    expect((await post(form, json({ name: 'Missing', phone: '0412 200 003' }))).status).toBe(400);
    captcha.down(true);
    const unverified = await post(form, json({ name: 'Unverified', phone: '0412 200 004', 'cf-turnstile-response': 'anything' }));
    captcha.down(false);
    expect(unverified.status).toBe(200);
    const leads = await leadsOf(t);
    expect(leads.map((l) => l.name).sort()).toEqual(['Passed', 'Unverified']);
    const held = leads.find((l) => l.name === 'Unverified');
    expect(held.auto_text_held).toBe('unverified');
    const jobs = await jobsOf(t.companyId);
    expect(jobs.map((j) => j.lead_id)).toEqual([leads.find((l) => l.name === 'Passed').id]);

    const h = await formOf(t, { captcha: { provider: 'hcaptcha', site_key: 'site-h', secret: 'sec-h' } });
    expect((await post(h, json({ name: 'HCaptcha', 'h-captcha-response': captcha.issue('sec-h') }))).status).toBe(200);
    expect(captcha.checks.at(-1)).toMatchObject({ secret: 'sec-h', sitekey: 'site-h' });
  });

  it('makes one lead of the same form posted several times at once (a double click, a retrying script)', async () => {
    const t = await server.tenant();
    const form = await formOf(t);
    const posts = await Promise.all(Array.from({ length: 6 }, () => post(form, urlencoded({ name: 'Double Click', phone: '0412 400 001', email: 'dc@example.com' }))));
    expect(posts.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const leads = await leadsOf(t);
    expect(leads).toHaveLength(1);
    expect((await t.call('GET', `/v1/leads/${leads[0].id}/submissions`)).body.meta.total).toBe(6);
  });

  it('records a second post of one person on their lead, the first touch kept and the later on the submission', async () => {
    const t = await server.tenant();
    const form = await formOf(t);
    await post(form, json({ name: 'Repeat', phone: '0412 300 001', utm_source: 'google' }));
    clock.advance(1000);
    const again = await post(form, json({ name: 'Someone Else', phone: '+61 412 300 001', email: 'repeat@example.com', utm_source: 'facebook' }));
    // The public answer does not say whether the person was known: a stranger must not learn it.
    expect(again.json).toEqual({ ok: true, message: expect.any(String) });
    const leads = await leadsOf(t);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ name: 'Repeat', email: 'repeat@example.com', attribution: { utm_source: 'google' } });
    const subs = (await t.call('GET', `/v1/leads/${leads[0].id}/submissions`)).body.data;
    expect(subs.map((s: any) => [s.channel, s.matched_by, s.attribution?.utm_source])).toEqual([
      ['intake', 'phone', 'facebook'],
      ['intake', null, 'google'],
    ]);
  });
});
