// Text helpers the rules engine's understanding shares: one normal form for an SMS, number words
// turned into digits, and an edit distance for typos.

/** Lower case, one kind of apostrophe and dash, single spaces, no leading or trailing space. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/[–—−]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** "yesss" → "yes", "nahhh" → "nah": letters held down on a phone keyboard. */
export function squeeze(word: string): string {
  return word.replace(/(\p{L})\1+/gu, '$1');
}

/** Words and digit groups only: punctuation and emoji become spaces. */
export function words(text: string): string[] {
  return text
    .replace(/[^\p{L}\p{N}'.]+/gu, ' ')
    .replace(/(^|\s)'+|'+(\s|$)/g, ' ')
    .replace(/\.(?!\d)/g, ' ')
    .split(' ')
    .filter(Boolean);
}

/** A word table without Object's prototype, so that "constructor" or "toString" is not a word in it. */
export function wordTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

const UNITS = wordTable({
  zero: 0, nil: 0, none: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9,
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
  eighteen: 18, nineteen: 19,
});
const TENS = wordTable({
  twenty: 20, thirty: 30, forty: 40, fourty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
});
const SCALES = wordTable({ hundred: 100, thousand: 1000, grand: 1000 });
const COUNTS = wordTable({ couple: 2, coupla: 2, cpl: 2, dozen: 12 });

/**
 * Number words as digits: "twenty five" → "25", "a couple of" → "2 of", "one and a half" → "1.5",
 * "2 and a half" → "2.5", "a hundred" → "100". Other words are kept as they are.
 */
export function numberWordsToDigits(text: string): string {
  // "twenty-five" is two words; "20-30" stays a range.
  const tokens = text.replace(/(\p{L})-(\p{L})/gu, '$1 $2').split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    const next = tokens[i + 1];
    if ((t === 'a' || t === 'an') && next && (next in SCALES || next in COUNTS)) {
      // "a hundred" is one hundred; "a couple", "a dozen" are the count alone.
      if (next in SCALES) tokens[i] = 'one';
      else i += 1;
      continue;
    }
    if (t in COUNTS) {
      out.push(String(COUNTS[t]));
      i += 1;
      continue;
    }
    const parsed = readNumberWords(tokens, i);
    if (parsed) {
      out.push(String(parsed.value));
      i = parsed.end;
      continue;
    }
    out.push(t);
    i += 1;
  }
  // "2 and a half", "1 and a half"
  return out
    .join(' ')
    .replace(/(\d+) and a half\b/g, (_m, n: string) => String(Number(n) + 0.5))
    .replace(/\b(?:a )?half\b/g, '0.5');
}

function readNumberWords(tokens: string[], start: number): { value: number; end: number } | undefined {
  let total = 0;
  let current = 0;
  let last: 'unit' | 'ten' | 'scale' | undefined;
  let i = start;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    const digits = /^\d+$/.test(t) && last === undefined && SCALES[tokens[i + 1]] ? Number(t) : undefined;
    if (digits !== undefined) {
      current = digits; // "2 hundred", "5 grand"
      last = 'unit';
    } else if (t in UNITS) {
      if (last === 'unit' || (last === 'ten' && UNITS[t] >= 10)) break; // "two three" is two numbers
      current += UNITS[t];
      last = 'unit';
    } else if (t in TENS) {
      if (last === 'unit' || last === 'ten') break;
      current += TENS[t];
      last = 'ten';
    } else if (t in SCALES && last !== undefined) {
      if (SCALES[t] === 100) current = (current || 1) * 100;
      else {
        total += (current || 1) * SCALES[t];
        current = 0;
      }
      last = 'scale';
    } else if (t === 'and' && last === 'scale' && (tokens[i + 1] in UNITS || tokens[i + 1] in TENS)) {
      continue; // "one hundred and fifty"
    } else break;
  }
  if (last === undefined) return undefined;
  return { value: total + current, end: i };
}

/** Damerau–Levenshtein distance (adjacent swaps count one), for typos like "hosue" or "comercial". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
