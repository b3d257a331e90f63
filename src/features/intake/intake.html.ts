import { esc, publicPage } from '../../lib/html.js';

// What a browser sees after posting a form without JavaScript: a thank-you page, or what to fix.
// Plain HTML, no script, readable on a phone.

const CSS = `body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1c2430;background:#f3f5f8}
main{max-width:560px;margin:0 auto;padding:24px 16px}.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:0 0 8px}p{margin:0 0 12px}a{color:#1d4ed8}`;

const layout = (title: string, body: string) => publicPage(title, CSS, `<div class="card">\n${body}\n</div>`);

export function renderThanksPage(back: string | undefined): string {
  return layout(
    'Thank you',
    `<h1>Thank you</h1><p>We have your details and will be in touch shortly.</p>${back ? `<p><a href="${esc(back)}">Back to the site</a></p>` : ''}`,
  );
}

export function renderProblemPage(message: string, back: string | undefined): string {
  return layout(
    'Please check the form',
    `<h1>Please check the form</h1><p>${esc(message)}</p>${back ? `<p><a href="${esc(back)}">Back to the form</a></p>` : '<p>Go back to the form, fix this and send it again.</p>'}`,
  );
}
