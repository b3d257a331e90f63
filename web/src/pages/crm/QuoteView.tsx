// A quote that has left the draft stage: read-only, with its status, history and public link.
import { useRef, useState } from 'react';
import { Link } from 'react-router';
import { UNIT_LABELS, type Quote } from './types';
import { LeadLink, PageHead, StatusBadge, ZoneNote, money } from './ui';
import { rateToPercent } from './quote-math';
import { formatDateTime, formatDay } from '../../components/dates';
import { useCompanyZone } from '../../api';

export function QuoteView({ quote }: { quote: Quote }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const zone = useCompanyZone();
  const linkRef = useRef<HTMLInputElement>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(quote.public_url);
      setCopied('yes');
    } catch {
      // No clipboard permission (plain http, some browsers): select it so Ctrl+C does it.
      linkRef.current?.select();
      setCopied(document.execCommand?.('copy') ? 'yes' : 'failed');
    }
  }

  const history: [string, string | null][] = [
    ['Created', quote.created_at],
    ['Sent', quote.sent_at],
    ['Viewed', quote.viewed_at],
    ['Accepted', quote.accepted_at],
    ['Declined', quote.declined_at],
  ];
  const c = quote.currency;

  return (
    <div className="crm-page">
      <PageHead
        back={<Link to="/quotes">Quotes</Link>}
        title={`Quote ${quote.quote_number}`}
        subtitle={
          <>
            Status: <StatusBadge status={quote.status} /> · for <LeadLink id={quote.lead_id} />
          </>
        }
      />

      <div className="crm-stack">
        <section className="crm-card" aria-labelledby="public-link-heading">
          <h2 id="public-link-heading">Customer link</h2>
          <p className="crm-muted">The customer opens this page to view the quote and accept or decline it.</p>
          <div className="crm-link-box">
            <label className="crm-visually-hidden" htmlFor="public-url">
              Public link
            </label>
            <input id="public-url" ref={linkRef} type="text" readOnly value={quote.public_url} onFocus={(e) => e.target.select()} />
            <button type="button" className="crm-btn" onClick={copy}>
              Copy link
            </button>
            <a className="crm-btn" href={quote.public_url} target="_blank" rel="noopener noreferrer">
              Open quote page<span className="crm-visually-hidden"> (opens in a new tab)</span>
            </a>
          </div>
          <p role="status" className="crm-hint" style={{ marginTop: '0.4rem' }}>
            {copied === 'yes' ? 'Link copied.' : copied === 'failed' ? 'Could not copy: select the link and copy it.' : ''}
          </p>
        </section>

        <section className="crm-card" aria-labelledby="lines-heading">
          <h2 id="lines-heading">Line items</h2>
          {/* A long line can still be wider than a phone: the table scrolls in its own box, by keyboard too. */}
          <div className="crm-table-wrap" role="region" aria-labelledby="lines-heading" tabIndex={0}>
            <table className="crm-table crm-quote-lines">
              <thead>
                <tr>
                  <th scope="col">Description</th>
                  <th scope="col" className="num">
                    Quantity
                  </th>
                  <th scope="col" className="num">
                    Unit price
                  </th>
                  <th scope="col" className="num">
                    Subtotal
                  </th>
                </tr>
              </thead>
              <tbody>
                {quote.line_items.map((l, i) => (
                  <tr key={i}>
                    <td>{l.description}</td>
                    <td className="num">
                      {l.quantity}
                      {l.unit && ` ${UNIT_LABELS[l.unit]}`}
                    </td>
                    <td className="num">{money(l.unit_price, c)}</td>
                    <td className="num">{money(l.subtotal, c)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <table className="crm-totals" style={{ marginTop: '0.75rem' }}>
            <tbody>
              <tr>
                <th scope="row">Subtotal</th>
                <td data-total="subtotal">{money(quote.subtotal, c)}</td>
              </tr>
              <tr>
                <th scope="row">
                  Tax {rateToPercent(quote.tax_rate)}% ({quote.tax_mode === 'inclusive' ? 'included' : 'added'})
                </th>
                <td data-total="tax">{money(quote.tax, c)}</td>
              </tr>
              <tr className="crm-grand">
                <th scope="row">Total</th>
                <td data-total="total">{money(quote.total, c)}</td>
              </tr>
            </tbody>
          </table>
        </section>

        <div className="crm-grid crm-grid-2">
          <section className="crm-card" aria-labelledby="history-heading">
            <h2 id="history-heading">History</h2>
            <p>
              <ZoneNote zone={zone} />
            </p>
            <dl className="crm-dl">
              {history
                .filter(([, at]) => at)
                .map(([k, at]) => (
                  <div key={k} style={{ display: 'contents' }}>
                    <dt>{k}</dt>
                    <dd>{formatDateTime(at, zone)}</dd>
                  </div>
                ))}
              <dt>Valid until</dt>
              <dd>{formatDay(quote.valid_until)}</dd>
            </dl>
          </section>
          <section className="crm-card" aria-labelledby="notes-heading">
            <h2 id="notes-heading">Notes</h2>
            <p style={{ whiteSpace: 'pre-wrap' }}>{quote.notes || 'No notes.'}</p>
          </section>
        </div>
      </div>
    </div>
  );
}
