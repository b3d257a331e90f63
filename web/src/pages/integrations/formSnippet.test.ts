import { describe, expect, it } from 'vitest';
import { HONEYPOT_FIELD as SERVER_HONEYPOT, STARTED_FIELD as SERVER_STARTED } from '../../../../src/features/intake/intake.service';
import { CAPTCHA_FIELDS } from '../../../../src/features/intake/captcha';
import { FORM_SCRIPT, formHtml, HONEYPOT_FIELD, STARTED_FIELD } from './formSnippet';

// The snippet as text; test/e2e/lead-forms.test.ts posts it from a real page in a real browser.
const form = { id: '3f1c2a9e-0000-4000-8000-000000000000', post_url: 'https://leads.example.com/intake/qlf_abcdefghijklmnopqrstuvwx', captcha: null };

describe('the lead form snippet', () => {
  it('uses the field names the server reads', () => {
    expect(HONEYPOT_FIELD).toBe(SERVER_HONEYPOT);
    expect(STARTED_FIELD).toBe(SERVER_STARTED);
    expect(FORM_SCRIPT).toContain(`'${SERVER_STARTED}'`);
  });

  it('is a plain form posting to the form, with labelled fields and a honeypot people never reach', () => {
    const html = formHtml(form);
    expect(html).toMatch(/^<form method="post" action="https:\/\/leads\.example\.com\/intake\/qlf_abcdefghijklmnopqrstuvwx" data-quoteleads>/);
    for (const name of ['name', 'phone', 'email', 'postcode']) {
      expect(html).toContain(`<label for="ql-3f1c2a9e-${name}">`);
      expect(html).toContain(`<input id="ql-3f1c2a9e-${name}" name="${name}" `);
    }
    expect(html).toContain('name="phone" type="tel"');
    expect(html).toContain('<textarea id="ql-3f1c2a9e-message" name="message"');
    expect(html).toMatch(/<div aria-hidden="true" style="position:absolute;left:-10000px[^"]*">\s*<label for="ql-3f1c2a9e-hp">[^<]+<\/label>\s*<input id="ql-3f1c2a9e-hp" name="_ql_hp" type="text" tabindex="-1" autocomplete="off">/);
    expect(html).toContain('<button type="submit">');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/cf-turnstile|h-captcha/);
  });

  it.each([
    ['turnstile', '<div class="cf-turnstile" data-sitekey="0x4AAA&quot;&gt;&lt;b&gt;"></div>', '<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>'],
    ['hcaptcha', '<div class="h-captcha" data-sitekey="0x4AAA&quot;&gt;&lt;b&gt;"></div>', '<script src="https://js.hcaptcha.com/1/api.js" async defer></script>'],
  ] as const)('holds the %s widget, its site key escaped', (provider, widget, script) => {
    const html = formHtml({ ...form, captcha: { provider, site_key: '0x4AAA"><b>' } });
    expect(html).toContain(widget);
    expect(html).toContain(script);
    // Inside the form, before the button, so the widget's token field is posted with it.
    expect(html.indexOf(widget)).toBeLessThan(html.indexOf('<button'));
    expect(CAPTCHA_FIELDS[provider]).toMatch(/-response$/);
  });

  it('escapes the address it posts to', () => {
    const html = formHtml({ ...form, post_url: 'https://x.example/intake/a"onmouseover="alert(1)&b<c>' });
    expect(html).toContain('action="https://x.example/intake/a&quot;onmouseover=&quot;alert(1)&amp;b&lt;c&gt;"');
  });

  it('gives two forms on one page ids of their own', () => {
    const other = formHtml({ ...form, id: '9a8b7c6d-0000-4000-8000-000000000000' });
    expect(other).toContain('id="ql-9a8b7c6d-email"');
    expect(other).not.toContain('ql-3f1c2a9e');
  });

  it('is a script that parses, posts with fetch as JSON and says the answer in a status', () => {
    const body = FORM_SCRIPT.replace(/^<script>\n/, '').replace(/<\/script>\n$/, '');
    expect(() => new Function(body)).not.toThrow();
    expect(body).toContain("fetch(form.getAttribute('action'), { method: 'POST', body: new FormData(form), headers: { Accept: 'application/json' } })");
    expect(body).toContain("setAttribute('role', 'status')");
    expect(body).toContain("hidden(form, 'referrer', document.referrer)");
    expect(body).toContain("hidden(form, 'landing_page', location.href)");
    expect(body).toContain('if (!window.fetch || !window.FormData) return;');
    // ASCII only: it is pasted into pages of any encoding.
    expect(/^[\x09\x0a\x20-\x7e]*$/.test(FORM_SCRIPT + formHtml(form))).toBe(true);
  });
});
