import { esc, publicPage } from '../../lib/html.js';
import { localeOfCountry, taxNameOf } from '../../lib/locale.js';
import { formatMoney } from '../../lib/money.js';
import type { Quote } from './quotes.schemas.js';

// The public quote page: plain HTML that works on any phone without JavaScript. Every value from the
// database goes through `esc`, so a description or a company name can never become markup.

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1c2430;background:#f3f5f8}
main{max-width:640px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin-bottom:16px}
h1{font-size:1.35rem;margin:0 0 4px}.muted{color:#5b6675;font-size:.92rem;margin:0}
table{width:100%;border-collapse:collapse;margin-top:12px}td,th{padding:8px 0;text-align:left;vertical-align:top;border-bottom:1px solid #e7eaee}
th{font-size:.8rem;text-transform:uppercase;color:#5b6675;font-weight:600}.num{text-align:right;white-space:nowrap;padding-left:12px}
.qty{display:block;color:#5b6675;font-size:.88rem}
.totals td{border:0;padding:4px 0}.grand td{font-size:1.2rem;font-weight:700;border-top:2px solid #1c2430;padding-top:10px}
.notes{white-space:pre-wrap}
.actions{display:flex;flex-direction:column;gap:10px}form{margin:0}
button{width:100%;font:inherit;font-weight:600;padding:14px;border-radius:10px;border:0;cursor:pointer}
.accept{background:#137a3f;color:#fff}.decline{background:#fff;color:#9b1c1c;border:1px solid #d9b3b3}
.banner{padding:14px 16px;border-radius:10px;margin-bottom:16px;font-weight:600}
.ok{background:#e3f4ea;color:#0d5c2e}.no{background:#fbe9e9;color:#8a1c1c}.info{background:#eef2f7;color:#2a3a4f}
@media (min-width:560px){.actions{flex-direction:row}}
`;

const layout = (title: string, body: string) => publicPage(title, CSS, body);

const DATE: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'long', year: 'numeric' };

const cents = (n: number) => BigInt(Math.round(n * 100));

export type PageQuote = { quote: Quote; companyName: string; leadName: string | null; timezone: string; country: string; token: string };

export function renderQuotePage(p: PageQuote, notice?: { kind: 'ok' | 'no' | 'info'; text: string }): string {
  const { quote: q } = p;
  // Dates and numbers as the company's country writes them, dates in its timezone.
  const locale = localeOfCountry(p.country);
  const dateIn = (iso: string) => new Intl.DateTimeFormat(locale, { ...DATE, timeZone: p.timezone }).format(new Date(iso));
  // A YYYY-MM-DD date is already the company's: no timezone shift.
  const calendarDate = (date: string) => new Intl.DateTimeFormat(locale, { ...DATE, timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
  const money = (n: number) => esc(formatMoney(cents(n), q.currency, locale));
  const rate = `${(q.tax_rate * 100).toLocaleString(locale, { maximumFractionDigits: 3 })}%`;
  const rows = q.line_items
    .map(
      (l) => `<tr><td>${esc(l.description)}<span class="qty">${esc(String(l.quantity))} × ${money(l.unit_price)}</span></td><td class="num">${money(l.subtotal)}</td></tr>`,
    )
    .join('\n');
  // "GST" where that is its name and the customer expects to read it (an Australian tax invoice);
  // elsewhere, or with no tax, a plain "Tax" with its rate.
  const taxName = taxNameOf(p.country);
  const named = taxName !== 'Tax' && q.tax_rate > 0;
  const taxRow =
    q.tax_mode === 'inclusive'
      ? `<tr><td>Includes ${named ? taxName : `tax (${rate})`}</td><td class="num">${money(q.tax)}</td></tr>`
      : `<tr><td>${named ? taxName : `Tax (${rate})`}</td><td class="num">${money(q.tax)}</td></tr>`;

  let state = '';
  if (q.status === 'accepted') state = `<div class="banner ok">You accepted this quote on ${esc(dateIn(q.accepted_at!))}. Thank you! ${esc(p.companyName)} will be in touch.</div>`;
  else if (q.status === 'declined') state = `<div class="banner no">You declined this quote on ${esc(dateIn(q.declined_at!))}.</div>`;
  else if (q.status === 'expired') state = `<div class="banner info">This quote expired at the end of ${esc(calendarDate(q.valid_until!))}. Contact ${esc(p.companyName)} for a new one.</div>`;

  const open = q.status === 'sent' || q.status === 'viewed';
  const actions = open
    ? `<div class="card actions">
<form method="post" action="/q/${esc(p.token)}/accept"><button class="accept" type="submit">Accept quote</button></form>
<form method="post" action="/q/${esc(p.token)}/decline"><button class="decline" type="submit">Decline</button></form>
</div>`
    : '';

  return layout(
    `${p.companyName}: quote ${q.quote_number}`,
    `${notice ? `<div class="banner ${notice.kind}">${esc(notice.text)}</div>` : ''}${state}
<div class="card">
<h1>${esc(p.companyName)}</h1>
<p class="muted">Quote ${esc(q.quote_number)}${p.leadName ? ` for ${esc(p.leadName)}` : ''}</p>
<p class="muted">Dated ${esc(dateIn(q.sent_at ?? q.created_at))}${q.valid_until ? ` · valid until ${esc(calendarDate(q.valid_until))}` : ''}</p>
<table>
<thead><tr><th>Item</th><th class="num">Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<table class="totals">
<tr><td>Subtotal</td><td class="num">${money(q.subtotal)}</td></tr>
${taxRow}
<tr class="grand"><td>Total (${esc(q.currency)})</td><td class="num">${money(q.total)}</td></tr>
</table>
</div>
${q.notes ? `<div class="card"><h2 class="muted">Notes</h2><p class="notes">${esc(q.notes)}</p></div>` : ''}
${actions}`,
  );
}

export function renderNotFoundPage(): string {
  return layout(
    'Quote not found',
    `<div class="card"><h1>Quote not found</h1><p class="muted">This link is not valid. Check the link you were sent, or contact the business that sent it.</p></div>`,
  );
}
