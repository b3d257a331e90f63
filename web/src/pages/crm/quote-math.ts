// The editor's live totals, computed by the server's own money module so they match its rounding
// to the cent: quantities in thousandths, prices in cents, rates in hundred-thousandths, all bigint.
import { formatMoney, lineSubtotal, quoteTotals, toScaled, type Totals } from '../../../../src/lib/money';
import { companyLocale } from '../../components/dates';
import type { TaxMode, Unit } from './types';

export type LineDraft = {
  key: number;
  description: string;
  quantity: string;
  unit_price: string;
  unit: Unit | null;
  // The item the line was taken from. The line always sends its own name, unit and price (what the
  // screen shows); the id records where they came from.
  price_book_item_id: string | null;
};

/** A typed decimal as a scaled integer, or null when it is blank, not a number, or too precise. */
function scaled(text: string, decimals: number): bigint | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  if (!Number.isFinite(n)) return null;
  return toScaled(n, decimals);
}

export const quantityMilli = (text: string) => {
  const q = scaled(text, 3);
  return q !== null && q > 0n ? q : null;
};
export const unitPriceCents = (text: string) => {
  const p = scaled(text, 2);
  return p !== null && p >= 0n ? p : null;
};

/** The line's subtotal in cents, or null while its quantity or price cannot be priced. */
export function lineCents(line: LineDraft): bigint | null {
  const q = quantityMilli(line.quantity);
  const p = unitPriceCents(line.unit_price);
  return q === null || p === null ? null : lineSubtotal(q, p);
}

/** "10" (a percentage, up to 3 decimals) as hundred-thousandths of one (10000n), or null. */
export function percentToRateE5(pct: string): bigint | null {
  const r = scaled(pct, 3);
  return r !== null && r >= 0n && r <= 100_000n ? r : null;
}

/** A rate fraction from the API (0.1) as the percentage people type ("10"). */
export function rateToPercent(rate: number): string {
  const e5 = toScaled(rate, 5) ?? BigInt(Math.round(rate * 100_000));
  const whole = e5 / 1000n;
  const frac = (e5 % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Hundred-thousandths as the fraction the API takes (10000n → 0.1): exact in its shortest form. */
export const rateE5ToFraction = (e5: bigint) => Number(e5) / 100_000;

/** The quote totals over the lines that can be priced so far, or null while the rate is not valid. */
export function draftTotals(lines: LineDraft[], ratePct: string, mode: TaxMode): Totals | null {
  const rate = percentToRateE5(ratePct);
  if (rate === null) return null;
  const subs = lines.map(lineCents).filter((s): s is bigint => s !== null);
  return quoteTotals(subs, rate, mode);
}

export const fmt = (cents: bigint | null, currency: string) => (cents === null ? '—' : formatMoney(cents, currency, companyLocale()));
