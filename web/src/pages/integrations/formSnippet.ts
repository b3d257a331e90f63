// What a company pastes into its own site to post leads to a form: a plain HTML form that works
// without JavaScript, and an optional script that sends it in place. Both are made from the form's
// values, each escaped for HTML (the server's own `esc`).
import { esc } from '../../../../src/lib/html';
import type { IntakeForm } from './intakeTypes';

export type SnippetForm = Pick<IntakeForm, 'id' | 'post_url' | 'captcha'>;

// The names src/features/intake/intake.service.ts reads (formSnippet.test.ts holds them to it).
export const HONEYPOT_FIELD = '_ql_hp';
export const STARTED_FIELD = '_ql_started';

const CAPTCHA_WIDGETS: Record<NonNullable<IntakeForm['captcha']>['provider'], { className: string; script: string }> = {
  turnstile: { className: 'cf-turnstile', script: 'https://challenges.cloudflare.com/turnstile/v0/api.js' },
  hcaptcha: { className: 'h-captcha', script: 'https://js.hcaptcha.com/1/api.js' },
};

/** The form's HTML: name, phone, email, postcode and message, the honeypot, the captcha widget if any. */
export function formHtml(form: SnippetForm): string {
  // Ids of their own, so two forms can share a page and every label still finds its input.
  const id = (name: string) => `ql-${esc(form.id.slice(0, 8))}-${name}`;
  const field = (name: string, label: string, attrs: string) =>
    `  <p>\n    <label for="${id(name)}">${label}</label><br>\n    <input id="${id(name)}" name="${name}" ${attrs}>\n  </p>\n`;
  const captcha = form.captcha ? CAPTCHA_WIDGETS[form.captcha.provider] : undefined;
  return (
    `<form method="post" action="${esc(form.post_url)}" data-quoteleads>\n` +
    field('name', 'Name', 'type="text" autocomplete="name" required') +
    field('phone', 'Phone', 'type="tel" autocomplete="tel" required') +
    field('email', 'Email', 'type="email" autocomplete="email"') +
    field('postcode', 'Postcode', 'type="text" autocomplete="postal-code"') +
    `  <p>\n    <label for="${id('message')}">How can we help?</label><br>\n    <textarea id="${id('message')}" name="message" rows="4"></textarea>\n  </p>\n` +
    '  <!-- Leave this field as it is: people never see it, robots fill it in, and their posts are dropped. -->\n' +
    '  <div aria-hidden="true" style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden">\n' +
    `    <label for="${id('hp')}">Leave this empty</label>\n` +
    `    <input id="${id('hp')}" name="${HONEYPOT_FIELD}" type="text" tabindex="-1" autocomplete="off">\n` +
    '  </div>\n' +
    (captcha && form.captcha
      ? `  <div class="${captcha.className}" data-sitekey="${esc(form.captcha.site_key)}"></div>\n` +
        `  <script src="${captcha.script}" async defer></script>\n`
      : '') +
    '  <p><button type="submit">Send</button></p>\n' +
    '</form>\n'
  );
}

/**
 * The optional script, the same for every form (it finds them by `data-quoteleads`): it tells the
 * server when the page was loaded (the minimum fill time) and where the visitor came from, and sends
 * the form with fetch, showing the answer in place. Without fetch the browser posts the form itself.
 */
export const FORM_SCRIPT = `<script>
(function () {
  var forms = document.querySelectorAll('form[data-quoteleads]');
  for (var i = 0; i < forms.length; i++) setUp(forms[i]);

  function hidden(form, name, value) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      form.appendChild(input);
    }
    input.value = value.slice(0, 2000);
  }

  function setUp(form) {
    hidden(form, '${STARTED_FIELD}', String(Date.now()));
    hidden(form, 'referrer', document.referrer);
    hidden(form, 'landing_page', location.href);
    var status = document.createElement('p');
    status.setAttribute('role', 'status');
    form.appendChild(status);
    if (!window.fetch || !window.FormData) return;

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = form.querySelector('[type="submit"]');
      if (button) button.disabled = true;
      status.textContent = 'Sending...';
      function done(message) {
        status.textContent = message || 'Sorry, the form could not be sent. Please try again.';
        if (button) button.disabled = false;
        // A captcha answer counts once: the next send needs a new one.
        if (window.turnstile) window.turnstile.reset();
        if (window.hcaptcha) window.hcaptcha.reset();
      }
      fetch(form.getAttribute('action'), { method: 'POST', body: new FormData(form), headers: { Accept: 'application/json' } })
        .then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (body) {
            if (res.ok) form.reset();
            done(res.ok ? body.message || 'Thank you.' : body.error);
          });
        }, function () { done(); });
    });
  }
})();
</script>
`;
