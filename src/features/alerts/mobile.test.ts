import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { companies, smsMessages, users } from '../../db/schema/index.js';
import { manualClock } from '../../../test/clock.js';
import { randomAuMobile, smsTenant, startServerWithFakeTwilio, type FakeTwilio } from '../../../test/fake-twilio.js';
import type { DashboardUser, TestServer } from '../../../test/helpers.js';
import { createCompanies } from '../companies/companies.service.js';

// A user's own mobile for SMS alerts (issue 17), through HTTP on both engines: the code is texted to
// the fake Twilio from the company's number, typed back, and the limits hold on a clock the test moves.
const clock = manualClock(Date.now());
let fake: FakeTwilio;
let server: TestServer;
let close: () => Promise<void>;
beforeAll(async () => ({ fake, server, close } = await startServerWithFakeTwilio({}, { clock })));
afterAll(() => close?.());

/** A user of a new company with a Twilio number and `credits`. */
async function member(credits = 10): Promise<DashboardUser & { number: string }> {
  const t = await smsTenant(server, credits);
  const u = await server.user({ role: 'member', companyId: t.companyId });
  return { ...u, number: t.number };
}
const national = (e164: string) => `0${e164.slice(3, 6)} ${e164.slice(6, 9)} ${e164.slice(9)}`;
const codeTo = (mobile: string) => {
  const text = fake.sent.filter((m) => m.to === mobile).at(-1);
  return text ? /\b(\d{6})\b/.exec(text.body)![1] : undefined;
};
const credits = async (companyId: string) =>
  (await server.database.db.select({ c: companies.smsCredits }).from(companies).where(eq(companies.id, companyId)))[0].c;
const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('PUT /app/api/me/mobile and POST /app/api/me/mobile/verify', () => {
  it('texts a code from the company’s number, spends its credit, keeps it out of every thread; the right code verifies', async () => {
    const u = await member(10);
    const mobile = randomAuMobile();
    const put = await u.call('PUT', '/app/api/me/mobile', { mobile: national(mobile) });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toEqual({ mobile, mobile_verified: false, code_expires_at: new Date(clock.now() + 600_000).toISOString() });
    const text = fake.sent.filter((m) => m.to === mobile);
    expect(text).toHaveLength(1);
    expect(text[0].from).toBe(u.number);
    expect(text[0].body).toMatch(/^\d{6} is your QuoteLeads code to get Test Roofing alerts on this mobile\. It expires in 10 minutes\.$/);
    expect(await credits(u.companyId)).toBe(9);
    expect(await server.database.db.select().from(smsMessages).where(eq(smsMessages.companyId, u.companyId))).toEqual([]);
    // Hashed, not kept as typed.
    const [row] = await server.database.db.select().from(users).where(eq(users.id, u.userId));
    expect(row.mobileCodeHash).not.toContain(codeTo(mobile));

    const prefs = await u.call('GET', '/app/api/me/notifications');
    expect(prefs.body.channels.sms).toMatchObject({ available: false, mobile, mobile_verified: false });

    const wrong = await u.call('POST', '/app/api/me/mobile/verify', { code: wrongCode(codeTo(mobile)!) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('Wrong code');
    const right = await u.call('POST', '/app/api/me/mobile/verify', { code: codeTo(mobile) });
    expect(right.status, right.text).toBe(200);
    expect(right.body).toEqual({ mobile, mobile_verified: true });
    expect((await u.call('GET', '/app/api/me/notifications')).body.channels.sms).toMatchObject({ available: true, reason: null, mobile, mobile_verified: true });
  });

  it('refuses a number that cannot exist, naming the field, and a code that is not six digits', async () => {
    const u = await member();
    const bad = await u.call('PUT', '/app/api/me/mobile', { mobile: '12' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('mobile');
    expect((await u.call('PUT', '/app/api/me/mobile', {})).status).toBe(400);
    const notDigits = await u.call('POST', '/app/api/me/mobile/verify', { code: 'abc' });
    expect(notDigits.status).toBe(400);
    expect(notDigits.text).toContain('code');
    expect(fake.sent.filter((m) => m.from === u.number)).toEqual([]);
  });

  it('sends one code a minute at most, and a new code replaces the old one', async () => {
    const u = await member();
    const mobile = randomAuMobile();
    expect((await u.call('PUT', '/app/api/me/mobile', { mobile })).status).toBe(200);
    const first = codeTo(mobile)!;
    clock.advance(30_000);
    const again = await u.call('PUT', '/app/api/me/mobile', { mobile });
    expect(again.status).toBe(429);
    expect(again.body.error).toBe('A code was sent less than a minute ago; ask for a new one in 30 seconds');
    expect(again.headers.get('retry-after')).toBe('30');
    expect(fake.sent.filter((m) => m.to === mobile)).toHaveLength(1);
    clock.advance(31_000);
    expect((await u.call('PUT', '/app/api/me/mobile', { mobile })).status).toBe(200);
    const second = codeTo(mobile)!;
    if (second !== first) expect((await u.call('POST', '/app/api/me/mobile/verify', { code: first })).body.error).toBe('Wrong code');
    expect((await u.call('POST', '/app/api/me/mobile/verify', { code: second })).status).toBe(200);
  });

  it('an expired code is refused, saying so', async () => {
    const u = await member();
    const mobile = randomAuMobile();
    await u.call('PUT', '/app/api/me/mobile', { mobile });
    clock.advance(600_000);
    const late = await u.call('POST', '/app/api/me/mobile/verify', { code: codeTo(mobile) });
    expect(late.status).toBe(400);
    expect(late.body.error).toBe('The code has expired: ask for a new one');
  });

  it('five wrong guesses, even sent at once, kill the code; a new one works', async () => {
    const u = await member();
    const mobile = randomAuMobile();
    await u.call('PUT', '/app/api/me/mobile', { mobile });
    const code = codeTo(mobile)!;
    const guesses = await Promise.all(Array.from({ length: 5 }, () => u.call('POST', '/app/api/me/mobile/verify', { code: wrongCode(code) })));
    expect(guesses.map((g) => g.status)).toEqual([400, 400, 400, 400, 400]);
    expect(guesses.map((g) => g.body.error).sort()).toEqual([...Array(4).fill('Wrong code'), 'Wrong code: that was the last try; ask for a new one'].sort());
    const dead = await u.call('POST', '/app/api/me/mobile/verify', { code });
    expect(dead.status).toBe(429);
    expect(dead.body.error).toBe('Too many wrong codes: this code no longer works; ask for a new one');
    clock.advance(60_000);
    await u.call('PUT', '/app/api/me/mobile', { mobile });
    expect((await u.call('POST', '/app/api/me/mobile/verify', { code: codeTo(mobile) })).status).toBe(200);
  });

  it('a mobile verified by one user of a company cannot be another’s there (409), but can in another company', async () => {
    const u = await member();
    const mobile = randomAuMobile();
    await u.call('PUT', '/app/api/me/mobile', { mobile });
    await u.call('POST', '/app/api/me/mobile/verify', { code: codeTo(mobile) });
    const colleague = await server.user({ role: 'admin', companyId: u.companyId });
    const taken = await colleague.call('PUT', '/app/api/me/mobile', { mobile });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toBe('Another member of your team has verified this mobile');
    const elsewhere = await member();
    expect((await elsewhere.call('PUT', '/app/api/me/mobile', { mobile })).status).toBe(200);
  });

  it('changing the mobile unverifies it; DELETE removes it (204)', async () => {
    const u = await member();
    const mobile = randomAuMobile();
    await u.call('PUT', '/app/api/me/mobile', { mobile });
    await u.call('POST', '/app/api/me/mobile/verify', { code: codeTo(mobile) });
    clock.advance(60_000);
    const other = randomAuMobile();
    expect((await u.call('PUT', '/app/api/me/mobile', { mobile: other })).body).toMatchObject({ mobile: other, mobile_verified: false });
    expect((await u.call('GET', '/app/api/me/notifications')).body.channels.sms).toMatchObject({ mobile: other, mobile_verified: false });
    const gone = await u.call('DELETE', '/app/api/me/mobile');
    expect(gone.status).toBe(204);
    expect((await u.call('GET', '/app/api/me/notifications')).body.channels.sms).toMatchObject({ mobile: null, mobile_verified: false });
    expect((await u.call('POST', '/app/api/me/mobile/verify', { code: codeTo(other) })).body.error).toBe('No mobile to verify: add one first');
  });

  it('a code Twilio refuses is not charged, and another may be asked for at once', async () => {
    const u = await member(5);
    const mobile = randomAuMobile();
    fake.failNext(1);
    const failed = await u.call('PUT', '/app/api/me/mobile', { mobile });
    expect(failed.status).toBe(500);
    expect(failed.body.error).toBe('Failed to send SMS');
    expect(await credits(u.companyId)).toBe(5);
    expect((await u.call('PUT', '/app/api/me/mobile', { mobile })).status).toBe(200);
    expect(await credits(u.companyId)).toBe(4);

    const unreal = randomAuMobile();
    fake.invalidNumbers.add(unreal);
    clock.advance(60_000);
    const refused = await u.call('PUT', '/app/api/me/mobile', { mobile: unreal });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('mobile');
    expect(await credits(u.companyId)).toBe(4);
  });

  it('answers as the lead send path does without a number, while paused, and out of credits', async () => {
    const noNumber = await server.user();
    const none = await noNumber.call('PUT', '/app/api/me/mobile', { mobile: randomAuMobile() });
    expect(none.status).toBe(500);
    expect(none.body.error).toBe('No Twilio number configured');

    const broke = await member(0);
    const short = await broke.call('PUT', '/app/api/me/mobile', { mobile: randomAuMobile() });
    expect(short.status).toBe(402);
    expect(short.body.error).toBe('Insufficient SMS credits');

    const paused = await member(5);
    await createCompanies({ db: server.database.db, clock }).change(paused.companyId, { smsPaused: true });
    const off = await paused.call('PUT', '/app/api/me/mobile', { mobile: randomAuMobile() });
    expect(off.status).toBe(409);
    expect(off.body.error).toBe('SMS is paused for this company');
    expect(fake.sent.filter((m) => [broke.number, paused.number].includes(m.from))).toEqual([]);
  });

  it('needs a session, and our own Origin', async () => {
    expect((await server.fetch('PUT', '/app/api/me/mobile', { body: { mobile: '0412345678' } })).status).toBe(401);
    expect((await server.fetch('POST', '/app/api/me/mobile/verify', { body: { code: '123456' } })).status).toBe(401);
    expect((await server.fetch('DELETE', '/app/api/me/mobile')).status).toBe(401);
    // A session's write from another site's page is refused (CSRF), and sends nothing.
    const u = await member();
    const forged = await u.call('PUT', '/app/api/me/mobile', { mobile: randomAuMobile() }, { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect(fake.sent.filter((m) => m.from === u.number)).toEqual([]);
  });
});
