import type { Db } from '../../db/client.js';
import type { PriceBookUnit } from '../../db/schema/index.js';
import { ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { centsToNumber, lineSubtotal, quoteTotals, toScaled, type TaxMode } from '../../lib/money.js';
import { findPriceBookItems } from '../price-book/price-book.repo.js';
import type { LineItemInput } from './quotes.schemas.js';
import type { LineRow } from './quotes.repo.js';

/** A line with everything it needs, once its price book item (if any) has filled the gaps. */
export type FullLine = {
  description: string;
  quantity: number;
  unit_price: number;
  unit: PriceBookUnit | null;
  price_book_item_id: string | null;
};

/**
 * The lines as the client sent them, completed from the company's price book: a line naming an item
 * takes its name, unit and price where it gives none of its own. An item the company does not have
 * (another company's included) is a 400: the client named it in the body.
 */
export async function withPriceBook(db: Db, companyId: string, items: LineItemInput[]): Promise<FullLine[]> {
  const ids = [...new Set(items.flatMap((i) => (i.price_book_item_id === undefined ? [] : [i.price_book_item_id])))];
  const unknown = ids.find((id) => !isUuid(id));
  const found = new Map((await findPriceBookItems(db, companyId, ids.filter(isUuid))).map((r) => [r.id, r]));
  const missing = unknown ?? ids.find((id) => !found.has(id));
  if (missing !== undefined) {
    const message = `must name price book items of the company (${missing.slice(0, 64)} is none)`;
    throw new ValidationError(`'line_items' ${message}`, [{ field: 'line_items', message }]);
  }
  return items.map((item) => {
    const from = item.price_book_item_id === undefined ? undefined : found.get(item.price_book_item_id)!;
    // The schema made description and unit_price required on a line without an item.
    return {
      description: item.description ?? from!.name,
      quantity: item.quantity,
      unit_price: item.unit_price ?? centsToNumber(from!.unitPriceCents),
      unit: item.unit !== undefined ? item.unit : (from?.unit ?? null),
      price_book_item_id: from?.id ?? null,
    };
  });
}

// The largest total a quote may reach: cents stay exact as a JSON number (far below 2^53).
const MAX_TOTAL_CENTS = 99_999_999_999_999n;

/** A quote's lines as stored: exact quantities and prices, each line's subtotal rounded half-up. */
export function priced(items: FullLine[], quoteId: string): LineRow[] {
  return items.map((item, i) => {
    // The schema allowed only these decimals, so toScaled cannot refuse here.
    const quantityMilli = toScaled(item.quantity, 3)!;
    const unitPriceCents = toScaled(item.unit_price, 2)!;
    return {
      quoteId,
      position: i + 1,
      description: item.description,
      quantityMilli,
      unitPriceCents,
      subtotalCents: lineSubtotal(quantityMilli, unitPriceCents),
      unit: item.unit,
      priceBookItemId: item.price_book_item_id,
    };
  });
}

/** The quote's columns of money from its lines' subtotals. */
export function totalsOf(lineSubtotals: bigint[], rateE5: bigint, mode: TaxMode) {
  const totals = quoteTotals(lineSubtotals, rateE5, mode);
  if (totals.total > MAX_TOTAL_CENTS) {
    throw new ValidationError(`'line_items' must total at most ${centsToNumber(MAX_TOTAL_CENTS)}`, [
      { field: 'line_items', message: 'total too large' },
    ]);
  }
  return { subtotalCents: totals.subtotal, taxCents: totals.tax, totalCents: totals.total };
}
