import { ValidationError } from '../../lib/errors.js';
import { centsToNumber, lineSubtotal, quoteTotals, toScaled, type TaxMode } from '../../lib/money.js';
import type { LineItemInput } from './quotes.schemas.js';
import type { LineRow } from './quotes.repo.js';

// The largest total a quote may reach: cents stay exact as a JSON number (far below 2^53).
const MAX_TOTAL_CENTS = 99_999_999_999_999n;

/** A quote's lines as stored: exact quantities and prices, each line's subtotal rounded half-up. */
export function priced(items: LineItemInput[], quoteId: string): LineRow[] {
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
