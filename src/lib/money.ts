// Exact money: amounts are integer cents (bigint), quantities integer thousandths, tax rates integer
// hundred-thousandths (the precision of companies.tax_rate). No float ever holds an amount that is
// then rounded, so `subtotal + tax = total` holds to the cent by construction.

export const QUANTITY_SCALE = 1000n; // quantities take up to 3 decimals (2.5 m², 0.125 t)
export const RATE_SCALE = 100_000n; // tax rates take up to 5 decimals (numeric(6,5))

export type TaxMode = 'exclusive' | 'inclusive';

/**
 * A JSON number with at most `decimals` decimals as an integer of that scale (12.34, 2 → 1234n), or
 * null when it has more. Read from the number's shortest decimal form, so 0.1 + 0.2 style noise
 * (0.30000000000000004) counts as more decimals rather than being rounded silently.
 */
export function toScaled(n: number, decimals: number): bigint | null {
  if (!Number.isFinite(n)) return null;
  const [whole, frac = ''] = shortDecimal(Math.abs(n)).split('.');
  if (frac.length > decimals) return null;
  const scaled = BigInt(whole + frac.padEnd(decimals, '0'));
  return n < 0 ? -scaled : scaled;
}

/** The shortest decimal form of a non-negative number, without exponent. */
function shortDecimal(n: number): string {
  const s = String(n);
  if (!s.includes('e')) return s;
  const [mantissa, expText] = s.split('e');
  const exp = Number(expText);
  const [intPart, fracPart = ''] = mantissa.split('.');
  const digits = intPart + fracPart;
  const point = intPart.length + exp;
  if (point <= 0) return '0.' + '0'.repeat(-point) + digits;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return digits.slice(0, point) + '.' + digits.slice(point);
}

/** a / b rounded half-up, for a ≥ 0 and b > 0. */
export function divRoundHalfUp(a: bigint, b: bigint): bigint {
  if (a < 0n || b <= 0n) throw new RangeError('divRoundHalfUp takes a ≥ 0 and b > 0');
  return (2n * a + b) / (2n * b);
}

/** A line's subtotal in cents: quantity × unit price, rounded half-up to the cent. */
export function lineSubtotal(quantityMilli: bigint, unitPriceCents: bigint): bigint {
  return divRoundHalfUp(quantityMilli * unitPriceCents, QUANTITY_SCALE);
}

export type Totals = { subtotal: bigint; tax: bigint; total: bigint };

/**
 * The quote's totals from its line subtotals. Exclusive: tax is added to the lines' sum. Inclusive:
 * the lines' sum is the total and the tax inside it is total × rate / (1 + rate), rounded half-up;
 * the subtotal is what is left. Either way subtotal + tax = total exactly.
 */
export function quoteTotals(lineSubtotals: bigint[], rateE5: bigint, mode: TaxMode): Totals {
  const sum = lineSubtotals.reduce((a, b) => a + b, 0n);
  if (mode === 'exclusive') {
    const tax = divRoundHalfUp(sum * rateE5, RATE_SCALE);
    return { subtotal: sum, tax, total: sum + tax };
  }
  const tax = divRoundHalfUp(sum * rateE5, RATE_SCALE + rateE5);
  return { subtotal: sum - tax, tax, total: sum };
}

/** Cents as the JSON number the API answers (1034050n → 10340.5): an integer over 100 is exact in print. */
export const centsToNumber = (cents: bigint | number | string): number => Number(BigInt(cents)) / 100;

/** Thousandths as a JSON number (2500n → 2.5). */
export const milliToNumber = (milli: bigint | number | string): number => Number(BigInt(milli)) / 1000;

/** A numeric(…,5) rate from the database ('0.10000') as hundred-thousandths. */
export function rateFromDecimal(text: string): bigint {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole + frac.padEnd(5, '0').slice(0, 5));
}

/** Hundred-thousandths as the numeric text the database stores ('0.10000'), and as a JSON number. */
export const rateToDecimal = (rateE5: bigint) => `${rateE5 / RATE_SCALE}.${(rateE5 % RATE_SCALE).toString().padStart(5, '0')}`;
export const rateToNumber = (rateE5: bigint) => Number(rateE5) / 100_000;

/** Cents in a currency for people: 10340.5, AUD → "A$10,340.50" (en-AU). */
export function formatMoney(cents: bigint, currency: string, locale = 'en-AU'): string {
  const whole = cents / 100n;
  const frac = (cents < 0n ? -cents : cents) % 100n;
  // Intl takes a string operand exactly (no float on the way), in Node 20's ICU.
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(`${whole}.${frac.toString().padStart(2, '0')}` as unknown as number);
}
