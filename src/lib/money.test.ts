import { describe, expect, it } from 'vitest';
import { centsToNumber, divRoundHalfUp, formatMoney, lineSubtotal, quoteTotals, rateFromDecimal, rateToDecimal, toScaled } from './money.js';

describe('toScaled', () => {
  it.each([
    [12.34, 2, 1234n],
    [0.1, 2, 10n],
    [2.5, 3, 2500n],
    [0.005, 3, 5n],
    [1e21, 2, 1000000000000000000000n * 100n],
    [1e-7, 2, null],
    [10.555, 2, null],
    [0.1 + 0.2, 2, null],
    [-3.2, 2, -320n],
  ])('%d with %d decimals is %s', (n, d, expected) => {
    expect(toScaled(n, d)).toBe(expected);
  });
});

describe('rounding', () => {
  it('rounds half up', () => {
    expect(divRoundHalfUp(5n, 10n)).toBe(1n);
    expect(divRoundHalfUp(4n, 10n)).toBe(0n);
    expect(divRoundHalfUp(15n, 10n)).toBe(2n);
  });

  it('rounds a line of half a cent up: 0.5 × $0.01 = $0.005 → $0.01', () => {
    expect(lineSubtotal(500n, 1n)).toBe(1n);
    // 1.005 × $1.00 = $1.005 → $1.01 (a float would give 1.00: 1.005 is 1.00499… in binary)
    expect(lineSubtotal(1005n, 100n)).toBe(101n);
    expect(lineSubtotal(2500n, 1999n)).toBe(4998n); // 2.5 × 19.99 = 49.975 → 49.98
  });

  it('rounds each line before summing: 300 lines of 0.333 × $0.05', () => {
    const lines = Array.from({ length: 300 }, () => lineSubtotal(333n, 5n)); // 0.01665 → 0.02 each
    expect(quoteTotals(lines, 10_000n, 'exclusive')).toEqual({ subtotal: 600n, tax: 60n, total: 660n });
  });

  it('carves inclusive tax out of a total that does not divide evenly', () => {
    // $100.00 incl. 10%: tax = 100/11 = 9.0909… → 9.09, subtotal 90.91
    expect(quoteTotals([10_000n], 10_000n, 'inclusive')).toEqual({ subtotal: 9091n, tax: 909n, total: 10_000n });
    // $0.11 incl. 10%: tax = 0.01, subtotal 0.10; $0.05: tax 0.0045… → 0.00
    expect(quoteTotals([11n], 10_000n, 'inclusive')).toEqual({ subtotal: 10n, tax: 1n, total: 11n });
    expect(quoteTotals([5n], 10_000n, 'inclusive')).toEqual({ subtotal: 5n, tax: 0n, total: 5n });
  });

  it('keeps subtotal + tax = total for every total and several rates', () => {
    for (const rate of [0n, 10_000n, 15_000n, 7_500n, 33_333n, 100_000n]) {
      for (let cents = 0n; cents < 3000n; cents++) {
        for (const mode of ['exclusive', 'inclusive'] as const) {
          const t = quoteTotals([cents], rate, mode);
          expect(t.subtotal + t.tax).toBe(t.total);
          expect(t.tax >= 0n && t.subtotal >= 0n).toBe(true);
        }
      }
    }
  });

  it('adds exclusive tax half-up: $0.05 at 10% → $0.01 (0.005)', () => {
    expect(quoteTotals([5n], 10_000n, 'exclusive')).toEqual({ subtotal: 5n, tax: 1n, total: 6n });
    expect(quoteTotals([4n], 10_000n, 'exclusive')).toEqual({ subtotal: 4n, tax: 0n, total: 4n });
  });
});

describe('conversions', () => {
  it('prints cents exactly', () => {
    expect(centsToNumber(1034050n)).toBe(10340.5);
    expect(centsToNumber(101n)).toBe(1.01);
    expect(centsToNumber(99_999_999_999_999n)).toBe(999999999999.99);
  });
  it('reads and writes numeric rates', () => {
    expect(rateFromDecimal('0.10000')).toBe(10_000n);
    expect(rateFromDecimal('0.1')).toBe(10_000n);
    expect(rateFromDecimal('1.00000')).toBe(100_000n);
    expect(rateToDecimal(12_345n)).toBe('0.12345');
  });
  it('formats in the currency', () => {
    expect(formatMoney(1034050n, 'AUD')).toBe('$10,340.50');
    expect(formatMoney(5n, 'NZD')).toMatch(/^NZ.*0\.05$/);
  });
});
