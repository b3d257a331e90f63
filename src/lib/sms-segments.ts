// B4: credits are counted per SMS segment, as carriers bill them.

// The GSM 03.38 default alphabet (one septet each) and its extension table (escape + septet: two).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const LIMITS = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
} as const;

export type SmsEncoding = keyof typeof LIMITS;
export type SegmentCount = { encoding: SmsEncoding; units: number; segments: number };

/**
 * How many segments `text` is sent in. GSM-7 when every character is in the GSM alphabet (160 in one
 * segment, 153 per part when split; extension characters take two), otherwise UCS-2 (70, or 67 per
 * part; a character outside the BMP is a surrogate pair and takes two). A two-unit character is never
 * split across parts (phones would garble it), so a part can hold one unit less than its limit.
 */
export function countSegments(text: string): SegmentCount {
  const chars = [...text];
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const sizes = chars.map((c) => (gsm ? (GSM_EXTENSION.has(c) ? 2 : 1) : c.length));
  const units = sizes.reduce((a, b) => a + b, 0);
  const { single, part } = LIMITS[encoding];
  if (units === 0) return { encoding, units, segments: 0 };
  if (units <= single) return { encoding, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > part) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding, units, segments };
}
