import { describe, expect, it } from 'vitest';
import { countSegments } from './sms-segments.js';

describe('countSegments (B4)', () => {
  it.each([
    ['160 GSM characters: one segment', 'a'.repeat(160), 'GSM-7', 160, 1],
    ['161 GSM characters: two segments of 153', 'a'.repeat(161), 'GSM-7', 161, 2],
    ['306 = 2 × 153: two segments', 'a'.repeat(306), 'GSM-7', 306, 2],
    ['307: three segments', 'a'.repeat(307), 'GSM-7', 307, 3],
    ['€ counts two: 159 + € = 161 units', 'a'.repeat(159) + '€', 'GSM-7', 161, 2],
    ['[ counts two: 158 + [ = 160 units', 'a'.repeat(158) + '[', 'GSM-7', 160, 1],
    ['every extension character counts two', '^{}\\[~]|€\f', 'GSM-7', 20, 1],
    ['GSM accents stay GSM-7', 'Çà é ñ ü Ø Δ £ ¥ §', 'GSM-7', 18, 1],
    ['70 UCS-2 characters: one segment', 'ą'.repeat(70), 'UCS-2', 70, 1],
    ['71 UCS-2 characters: two segments of 67', 'ą'.repeat(71), 'UCS-2', 71, 2],
    ['134 = 2 × 67: two segments', 'ą'.repeat(134), 'UCS-2', 134, 2],
    ['135: three segments', 'ą'.repeat(135), 'UCS-2', 135, 3],
    ['one emoji turns 159 GSM characters into UCS-2 (3 segments)', 'a'.repeat(159) + '😀', 'UCS-2', 161, 3],
    ['an emoji counts two: 68 + 😀 = 70', 'a'.repeat(68) + '😀', 'UCS-2', 70, 1],
    ['69 + 😀 = 71: two segments', 'a'.repeat(69) + '😀', 'UCS-2', 71, 2],
  ])('%s', (_name, text, encoding, units, segments) => {
    expect(countSegments(text)).toEqual({ encoding, units, segments });
  });

  it('does not split a two-unit character across segments', () => {
    // 152 + € would put the escape in part one and the € in part two: it moves whole to part two.
    expect(countSegments('a'.repeat(152) + '€' + 'a'.repeat(152)).segments).toBe(3);
    expect(countSegments('a'.repeat(153) + '€' + 'a'.repeat(151)).segments).toBe(2);
    // 66 + 😀: the pair does not fit in the first part's last unit.
    expect(countSegments('ą'.repeat(66) + '😀' + 'ą'.repeat(66)).segments).toBe(3);
  });
});
