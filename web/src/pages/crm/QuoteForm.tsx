// The draft quote editor: lines, tax and live totals; save as a draft, or save and send.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, fieldErrors, SETTINGS_KEY } from '../../api';
import { draftTotals, fmt, lineCents, percentToRateE5, quantityMilli, rateE5ToFraction, rateToPercent, unitPriceCents, type LineDraft } from './quote-math';
import { UNIT_LABELS, UNITS, type One, type Quote, type Settings, type TaxMode, type Unit } from './types';
import { ErrorBanner, Field, LeadLink, LeadPicker, PageHead, StatusBadge } from './ui';
import { PriceBookPicker, usePriceBook, type PriceBookItem } from './PriceBookPicker';
import { dayIn } from '../../components/zoned-time';

let nextKey = 1;
const newLine = (l: Partial<LineDraft> = {}): LineDraft => ({ key: nextKey++, description: '', quantity: '1', unit_price: '', unit: null, price_book_item_id: null, ...l });
const isBlank = (l: LineDraft) => l.description.trim() === '' && l.unit_price.trim() === '' && l.quantity.trim() === '1' && !l.price_book_item_id;

export function QuoteForm({ quote, settings, initialLeadId }: { quote?: Quote; settings: Settings; initialLeadId: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const currency = quote?.currency ?? settings.currency;
  // After a first save the draft exists: later saves and the send go to it, never to a second one.
  const [savedId, setSavedId] = useState<string | undefined>(quote?.id);
  const [savedNumber, setSavedNumber] = useState<string | undefined>(quote?.quote_number);
  const [leadId, setLeadId] = useState(quote?.lead_id ?? initialLeadId);
  const [lines, setLines] = useState<LineDraft[]>(() =>
    quote?.line_items.length
      ? quote.line_items.map((l) =>
          newLine({ description: l.description, quantity: String(l.quantity), unit_price: String(l.unit_price), unit: l.unit, price_book_item_id: l.price_book_item_id }),
        )
      : [newLine()],
  );
  const [taxMode, setTaxMode] = useState<TaxMode>(quote?.tax_mode ?? settings.tax_mode);
  const [taxPct, setTaxPct] = useState(rateToPercent(quote?.tax_rate ?? settings.tax_rate));
  const [notes, setNotes] = useState(quote?.notes ?? '');
  const [validUntil, setValidUntil] = useState(quote?.valid_until ?? '');
  const [alsoSms, setAlsoSms] = useState(false);
  const [saved, setSaved] = useState(false);
  const [noLead, setNoLead] = useState(false);
  const [tried, setTried] = useState(false);
  const priceBook = usePriceBook();
  // The line just taken from the price book: its quantity gets the focus, the only thing left to type.
  const [picked, setPicked] = useState<{ key: number; name: string } | null>(null);
  useEffect(() => {
    if (picked) document.getElementById(`line-${picked.key}-quantity`)?.focus();
  }, [picked]);

  const totals = draftTotals(lines, taxPct, taxMode);
  const rateE5 = percentToRateE5(taxPct);

  // A draft's line may name an item deleted since, which the server refuses: that link is dropped
  // (the line keeps its own name and price). Until the book has loaded, every link is sent.
  const linkOf = (l: LineDraft) =>
    l.price_book_item_id && (!priceBook.data || priceBook.data.some((item) => item.id === l.price_book_item_id)) ? l.price_book_item_id : undefined;

  function body() {
    return {
      line_items: lines.map((l) => {
        const link = linkOf(l);
        return {
          description: l.description,
          quantity: l.quantity.trim() === '' ? null : Number(l.quantity),
          unit_price: l.unit_price.trim() === '' ? null : Number(l.unit_price),
          unit: l.unit,
          ...(link && { price_book_item_id: link }),
        };
      }),
      tax_mode: taxMode,
      // A percentage on screen, a fraction on the wire (10 % → 0.1); the API names a bad value.
      tax_rate: rateE5 === null ? (taxPct.trim() === '' ? null : Number(taxPct) / 100) : rateE5ToFraction(rateE5),
      notes: notes.trim() === '' ? null : notes,
      valid_until: validUntil || null,
    };
  }

  async function saveDraft(): Promise<Quote> {
    if (savedId) return (await api<One<Quote>>(`/v1/quotes/${savedId}`, { method: 'PATCH', body: body() })).data;
    const { notes: n, valid_until: v, ...rest } = body();
    const created = (await api<One<Quote>>('/v1/quotes', { method: 'POST', body: { lead_id: leadId, ...rest, ...(n && { notes: n }), ...(v && { valid_until: v }) } })).data;
    setSavedId(created.id);
    setSavedNumber(created.quote_number);
    return created;
  }

  function refresh(q: Quote) {
    queryClient.setQueryData(['quote', q.id], q);
    for (const key of ['quotes', 'leads', 'board', 'pipeline', 'overview']) void queryClient.invalidateQueries({ queryKey: [key] });
  }

  const save = useMutation({
    mutationFn: saveDraft,
    onSuccess: (q) => {
      refresh(q);
      setSaved(true);
      if (!quote) navigate(`/quotes/${q.id}`, { replace: true });
    },
  });

  const send = useMutation({
    mutationFn: async () => {
      const draft = await saveDraft();
      refresh(draft);
      return (await api<One<Quote>>(`/v1/quotes/${draft.id}/send`, { method: 'POST', body: alsoSms ? { sms: true } : {} })).data;
    },
    onSuccess: (q) => {
      refresh(q);
      queryClient.invalidateQueries({ queryKey: ['messages', q.lead_id] });
      queryClient.invalidateQueries({ queryKey: SETTINGS_KEY });
      navigate(`/quotes/${q.id}`, { replace: true });
    },
  });

  const error = send.error ?? save.error;
  const errors = fieldErrors(error);
  const busy = save.isPending || send.isPending;

  function act(e: FormEvent, what: 'save' | 'send') {
    e.preventDefault();
    setSaved(false);
    setTried(true);
    setNoLead(!leadId);
    if (!leadId) return;
    if (what === 'save') save.mutate();
    else send.mutate();
  }

  const setLine = <F extends keyof Omit<LineDraft, 'key'>>(key: number, field: F, value: LineDraft[F]) =>
    setLines((ls) => ls.map((l) => (l.key === key ? { ...l, [field]: value } : l)));

  function addFromPriceBook(item: PriceBookItem) {
    const line = newLine({ description: item.name, unit_price: String(item.unit_price), unit: item.unit, price_book_item_id: item.id });
    // A new quote starts with one empty line: the item takes its place rather than leaving it to fill.
    setLines((ls) => [...(ls.length > 0 && isBlank(ls[ls.length - 1]) ? ls.slice(0, -1) : ls), line]);
    setPicked({ key: line.key, name: item.name });
  }

  return (
    <div className="crm-page">
      <PageHead
        back={<Link to="/quotes">Quotes</Link>}
        title={savedNumber ? `Quote ${savedNumber}` : 'New quote'}
        subtitle={
          savedNumber && (
            <>
              <StatusBadge status="draft" /> Drafts can be changed until they are sent.
            </>
          )
        }
      />

      <form className="crm-stack" onSubmit={(e) => act(e, 'save')} noValidate>
        <ErrorBanner error={error} />
        {saved && !busy && !error && (
          <p className="crm-alert crm-alert-success" role="status">
            Draft saved.
          </p>
        )}

        <section className="crm-card" aria-labelledby="quote-lead-heading">
          <h2 id="quote-lead-heading">Customer</h2>
          {savedId ? (
            <p>
              For <LeadLink id={leadId} /> <span className="crm-hint">(a saved quote stays with its lead)</span>
            </p>
          ) : (
            <LeadPicker value={leadId} onChange={setLeadId} error={noLead ? 'Choose the lead this quote is for' : errors.lead_id} />
          )}
        </section>

        <section className="crm-card" aria-labelledby="quote-lines-heading">
          <h2 id="quote-lines-heading">Line items</h2>
          <table className="crm-lines">
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col" className="col-qty">
                  Quantity
                </th>
                <th scope="col" className="col-price">
                  Price ({currency})
                </th>
                <th scope="col" className="col-sub num">
                  Subtotal
                </th>
                <th scope="col" className="col-remove">
                  <span className="crm-visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l, i) => {
                const badQty = l.quantity.trim() !== '' && quantityMilli(l.quantity) === null;
                const badPrice = l.unit_price.trim() !== '' && unitPriceCents(l.unit_price) === null;
                // The API names only `line_items`, not the line: say here which one lacks a description.
                const noDescription = tried && l.description.trim() === '';
                const n = i + 1;
                return (
                  <tr key={l.key} data-line={n} data-price-book-item={l.price_book_item_id ?? undefined}>
                    <td className="cell-description">
                      <label className="crm-line-label" htmlFor={`line-${l.key}-description`}>
                        Description
                      </label>
                      <input
                        id={`line-${l.key}-description`}
                        type="text"
                        value={l.description}
                        placeholder={`Item ${n}`}
                        aria-invalid={noDescription}
                        aria-describedby={noDescription ? `line-${l.key}-description-error` : undefined}
                        onChange={(e) => setLine(l.key, 'description', e.target.value)}
                      />
                      {noDescription && (
                        <p className="crm-field-error" id={`line-${l.key}-description-error`}>
                          Describe the work or item
                        </p>
                      )}
                      {l.price_book_item_id && <p className="crm-hint">From the price book</p>}
                    </td>
                    <td className="cell-qty">
                      <div className="crm-qty">
                        <div>
                          <label className="crm-line-label" htmlFor={`line-${l.key}-quantity`}>
                            Quantity
                          </label>
                          <input
                            id={`line-${l.key}-quantity`}
                            type="text"
                            inputMode="decimal"
                            value={l.quantity}
                            aria-invalid={badQty}
                            aria-describedby={badQty ? `line-${l.key}-quantity-error` : undefined}
                            onChange={(e) => setLine(l.key, 'quantity', e.target.value)}
                          />
                        </div>
                        <div>
                          <label className="crm-line-label" htmlFor={`line-${l.key}-unit`}>
                            Unit
                          </label>
                          <select
                            id={`line-${l.key}-unit`}
                            value={l.unit ?? ''}
                            onChange={(e) => setLine(l.key, 'unit', e.target.value === '' ? null : (e.target.value as Unit))}
                          >
                            <option value="">no unit</option>
                            {UNITS.map((u) => (
                              <option key={u} value={u}>
                                {UNIT_LABELS[u]}
                              </option>
                            ))}
                          </select>
                        </div>
                      </div>
                      {badQty && (
                        <p className="crm-field-error" id={`line-${l.key}-quantity-error`}>
                          More than 0, up to 3 decimals
                        </p>
                      )}
                    </td>
                    <td className="cell-price">
                      <label className="crm-line-label" htmlFor={`line-${l.key}-price`}>
                        Unit price
                      </label>
                      <input
                        id={`line-${l.key}-price`}
                        type="text"
                        inputMode="decimal"
                        value={l.unit_price}
                        placeholder="0.00"
                        aria-invalid={badPrice}
                        aria-describedby={badPrice ? `line-${l.key}-price-error` : undefined}
                        onChange={(e) => setLine(l.key, 'unit_price', e.target.value)}
                      />
                      {badPrice && (
                        <p className="crm-field-error" id={`line-${l.key}-price-error`}>
                          0 or more, up to 2 decimals
                        </p>
                      )}
                    </td>
                    <td className="num cell-sub" data-subtotal>
                      <span className="crm-line-label" aria-hidden="true">
                        Subtotal{' '}
                      </span>
                      {fmt(lineCents(l), currency)}
                    </td>
                    <td className="cell-remove">
                      <button
                        type="button"
                        className="crm-btn crm-btn-small"
                        disabled={lines.length === 1}
                        onClick={() => setLines((ls) => ls.filter((x) => x.key !== l.key))}
                        aria-label={`Remove line ${n}`}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {errors.line_items && (
            <p className="crm-field-error" role="alert">
              Line items: {errors.line_items}
            </p>
          )}
          <div className="crm-form-actions crm-line-actions">
            <button type="button" className="crm-btn" onClick={() => setLines((ls) => [...ls, newLine()])}>
              Add line item
            </button>
            <PriceBookPicker items={priceBook.data} error={priceBook.error} onPick={addFromPriceBook} />
          </div>
          <p className="crm-visually-hidden" role="status">
            {picked ? `Added ${picked.name} as line ${lines.findIndex((l) => l.key === picked.key) + 1}.` : ''}
          </p>
        </section>

        <div className="crm-grid crm-grid-2">
          <section className="crm-card crm-form" aria-labelledby="quote-terms-heading">
            <h2 id="quote-terms-heading">Tax and terms</h2>
            <div className="crm-form-grid">
              <Field label="Tax mode" error={errors.tax_mode}>
                {(attrs) => (
                  <select {...attrs} value={taxMode} onChange={(e) => setTaxMode(e.target.value as TaxMode)}>
                    <option value="exclusive">Exclusive (tax added)</option>
                    <option value="inclusive">Inclusive (tax included)</option>
                  </select>
                )}
              </Field>
              <Field label="Tax rate (%)" error={errors.tax_rate ?? (rateE5 === null ? 'A percentage from 0 to 100, up to 3 decimals' : undefined)}>
                {(attrs) => <input {...attrs} type="text" inputMode="decimal" value={taxPct} onChange={(e) => setTaxPct(e.target.value)} />}
              </Field>
              <Field label="Valid until" error={errors.valid_until} hint={`The offer's last day in ${settings.timezone}`}>
                {(attrs) => (
                  <input {...attrs} type="date" min={dayIn(Date.now(), settings.timezone)} value={validUntil} onChange={(e) => setValidUntil(e.target.value)} />
                )}
              </Field>
            </div>
            <Field label="Notes" error={errors.notes} hint="Shown to the customer on the quote">
              {(attrs) => <textarea {...attrs} rows={4} value={notes} onChange={(e) => setNotes(e.target.value)} />}
            </Field>
          </section>

          <section className="crm-card" aria-labelledby="quote-totals-heading">
            <h2 id="quote-totals-heading">Totals</h2>
            <table className="crm-totals" aria-live="polite">
              <tbody>
                <tr>
                  <th scope="row">Subtotal{taxMode === 'inclusive' ? ' (before tax)' : ''}</th>
                  <td data-total="subtotal">{fmt(totals?.subtotal ?? null, currency)}</td>
                </tr>
                <tr>
                  <th scope="row">
                    Tax {rateE5 !== null ? `${taxPct}%` : ''}
                    {taxMode === 'inclusive' ? ' (included)' : ''}
                  </th>
                  <td data-total="tax">{fmt(totals?.tax ?? null, currency)}</td>
                </tr>
                <tr className="crm-grand">
                  <th scope="row">Total</th>
                  <td data-total="total">{fmt(totals?.total ?? null, currency)}</td>
                </tr>
              </tbody>
            </table>
            <div className="crm-stack" style={{ marginTop: '1.25rem' }}>
              <div className="crm-form-actions">
                <button type="submit" className="crm-btn" disabled={busy}>
                  Save draft
                </button>
              </div>
              <div className="crm-checkbox">
                <input id="quote-sms" type="checkbox" checked={alsoSms} onChange={(e) => setAlsoSms(e.target.checked)} />
                <label htmlFor="quote-sms">Also text the link to the lead</label>
              </div>
              <div className="crm-form-actions">
                <button type="button" className="crm-btn crm-btn-primary" disabled={busy} onClick={(e) => act(e, 'send')}>
                  Send quote
                </button>
                <span className="crm-hint">Saves the draft, then sends it: it can no longer be changed.</span>
              </div>
            </div>
          </section>
        </div>
      </form>
    </div>
  );
}
