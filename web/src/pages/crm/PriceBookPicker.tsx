// "Add from price book" in the quote editor: a search over the company's items, each one button away
// from a line with its name, unit and price.
import { useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import type { PriceBookItem } from '../../../../src/features/price-book/price-book.schemas';
import { api } from '../../api';
import { UNIT_LABELS, type Paged } from './types';
import { money } from './ui';

export type { PriceBookItem };

// The list answers at most 100 a page and has no search: the editor reads the whole book (a trade's
// book is tens of items) and searches it here. Under the Price book page's key, so its changes show.
const PER_PAGE = 100;
const MAX_PAGES = 20;
export const PRICE_BOOK_ALL_KEY = ['price-book', 'all'];

async function fetchWholeBook(): Promise<PriceBookItem[]> {
  const items: PriceBookItem[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await api<Paged<PriceBookItem>>('/v1/price-book', { query: { page, per_page: PER_PAGE } });
    items.push(...answer.data);
    if (answer.data.length < PER_PAGE || items.length >= answer.meta.total) break;
  }
  return items;
}

export const usePriceBook = () => useQuery({ queryKey: PRICE_BOOK_ALL_KEY, queryFn: fetchWholeBook, staleTime: 60_000 });

// Enough to choose from on a phone without scrolling past the lines; typing narrows the rest.
const SHOWN = 8;

export function PriceBookPicker({ items, error, onPick }: { items: PriceBookItem[] | undefined; error: unknown; onPick: (item: PriceBookItem) => void }) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const toggle = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const searchId = useId();

  if (error) {
    return (
      <p className="crm-hint" role="alert">
        The price book could not be loaded; lines can still be typed in.
      </p>
    );
  }
  if (!items) return <p className="crm-hint">Loading the price book…</p>;
  if (items.length === 0) {
    return (
      <p className="crm-hint" data-testid="price-book-empty">
        Your price book is empty. Add the things you charge for on the <Link to="/price-book">Price book</Link> page to add
        them here in one tap.
      </p>
    );
  }

  const words = search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const matches = items.filter((item) => {
    const text = `${item.name} ${item.description ?? ''}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  const shown = matches.slice(0, SHOWN);

  // The new line takes the focus (its quantity), so the panel closes without taking it back.
  function pick(item: PriceBookItem) {
    setOpen(false);
    setSearch('');
    onPick(item);
  }

  function close() {
    setOpen(false);
    setSearch('');
    toggle.current?.focus();
  }

  return (
    <div className="crm-price-book">
      <button
        ref={toggle}
        type="button"
        className="crm-btn"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => (open ? close() : setOpen(true))}
      >
        Add from price book
      </button>
      {open && (
        <div
          id={panelId}
          className="crm-price-book-panel"
          role="group"
          aria-label="Price book"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              close();
            }
          }}
        >
          <label htmlFor={searchId}>Search the price book</label>
          <input
            id={searchId}
            type="search"
            autoFocus
            value={search}
            autoComplete="off"
            aria-describedby={`${searchId}-count`}
            onChange={(e) => setSearch(e.target.value)}
            onKeyDown={(e) => {
              // Enter picks the only match rather than saving the quote.
              if (e.key !== 'Enter') return;
              e.preventDefault();
              if (matches.length === 1) pick(matches[0]);
            }}
          />
          <p className="crm-hint" id={`${searchId}-count`} role="status">
            {matches.length === 0
              ? 'No item matches.'
              : matches.length > shown.length
                ? `${shown.length} of ${matches.length} items shown; type to narrow.`
                : `${matches.length} ${matches.length === 1 ? 'item' : 'items'}.`}
          </p>
          {shown.length > 0 && (
            <ul className="crm-price-book-items">
              {shown.map((item) => (
                <li key={item.id}>
                  <button type="button" className="crm-price-book-item" onClick={() => pick(item)} aria-label={`Add ${item.name}, ${money(item.unit_price, item.currency)} per ${UNIT_LABELS[item.unit]}`}>
                    <span className="crm-price-book-name">{item.name}</span>
                    <span className="crm-price-book-price">
                      {money(item.unit_price, item.currency)} / {UNIT_LABELS[item.unit]}
                    </span>
                    {item.description && <span className="crm-price-book-description">{item.description}</span>}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
