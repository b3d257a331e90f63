import { readTimeframe, TIMEFRAME_LABELS, type Timeframe } from './understand-timeframe.js';
import { editDistance, normalise, numberWordsToDigits, squeeze, wordTable, words } from './understand-words.js';

// The rules engine's understanding of a free-text SMS answer to one scripted question. Deterministic
// and strict: an answer it cannot read with confidence is { ok: false }, and the engine asks again,
// which costs one text; a wrong reading costs a wrong score or a wrong booking.

export { TIMEFRAMES, TIMEFRAME_LABELS, type Timeframe } from './understand-timeframe.js';

export const ANSWER_KINDS = ['postcode', 'timeframe', 'yes_no', 'choice', 'number', 'text'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

export type AnswerValue<K extends AnswerKind> = {
  postcode: string;
  timeframe: Timeframe;
  yes_no: boolean;
  choice: string;
  number: number;
  text: string;
}[K];

export type Understood<K extends AnswerKind> = { ok: true; value: AnswerValue<K>; display: string } | { ok: false };

export type UnderstandOptions = {
  /** For `choice`: the answers offered, as the script writes them. */
  choices?: readonly string[];
  /** For `timeframe`: today (YYYY-MM-DD) in the company's timezone, so "after xmas" and "March" mean something. */
  today?: string;
};

/** A text answer is kept up to this many characters (an SMS answer, not an essay). */
export const TEXT_ANSWER_MAX = 500;

const NOT_UNDERSTOOD = { ok: false } as const;

export function understand<K extends AnswerKind>(kind: K, text: string, options: UnderstandOptions = {}): Understood<K> {
  // The kind comes from a company's script: one that is not a kind understands nothing.
  if (!Object.hasOwn(readers, kind) || typeof text !== 'string') return NOT_UNDERSTOOD;
  const result = readers[kind](text, options);
  return (result ?? NOT_UNDERSTOOD) as Understood<K>;
}

type Reader = (text: string, options: UnderstandOptions) => { ok: true; value: unknown; display: string } | undefined;

const readers: Record<AnswerKind, Reader> = {
  postcode: (text) => {
    const value = readPostcode(text);
    return value === undefined ? undefined : { ok: true, value, display: value };
  },
  timeframe: (text, { today }) => {
    const value = readTimeframe(text, today);
    return value === undefined ? undefined : { ok: true, value, display: TIMEFRAME_LABELS[value] };
  },
  yes_no: (text) => {
    const value = readYesNo(text);
    return value === undefined ? undefined : { ok: true, value, display: value ? 'yes' : 'no' };
  },
  choice: (text, { choices = [] }) => {
    const value = readChoice(text, choices);
    return value === undefined ? undefined : { ok: true, value, display: value };
  },
  number: (text) => {
    const value = readNumber(text);
    return value === undefined ? undefined : { ok: true, value, display: String(value) };
  },
  text: (text) => {
    const value = [...text.replace(/\s+/g, ' ').trim()].slice(0, TEXT_ANSWER_MAX).join('');
    return value ? { ok: true, value, display: value } : undefined;
  },
};

// ---------------------------------------------------------------------------------------------------
// postcode: an Australian postcode is four digits: 0200–0299 and 0800–0999 (ACT, NT), 1000–9999.

const POSTCODE = /^(02\d\d|0[89]\d\d|[1-9]\d{3})$/;

function readPostcode(text: string): string | undefined {
  const t = normalise(text);
  // Four digits not inside a longer number, a phone number or a decimal ("0412 345 678", "21.50").
  const groups = [...t.matchAll(/(?<![\d.,$])\d{4}(?![\d]|[.,]\d)/g)].map((m) => m[0]);
  if (groups.length) {
    const distinct = [...new Set(groups)];
    // "2150 or 2151", "9876 5432": two is a question back, not an answer. A street number is fine.
    if (distinct.length !== 1) return undefined;
    return POSTCODE.test(distinct[0]) ? distinct[0] : undefined;
  }
  // "2 1 5 0", typed with spaces: only when those are the only digits.
  const spaced = t.match(/(?<!\d)\d(?:[ -]\d){3}(?![ -]?\d)/);
  if (spaced && (t.match(/\d/g) ?? []).length === 4) {
    const code = spaced[0].replace(/\D/g, '');
    return POSTCODE.test(code) ? code : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// yes_no. Australian compounds read by their last word: "yeah nah" is no, "nah yeah" is yes.

const YES = new Set(
  [
    'yes', 'yep', 'yup', 'yeah', 'yea', 'yeh', 'yeap', 'yeahp', 'yesh', 'yessir', 'ya', 'yah', 'ye', 'yh', 'yip', 'yus', 'yas',
    'y', 'aye', 'sure', 'definitely', 'definately', 'defo', 'deffo', 'def', 'absolutely', 'certainly', 'indeed', 'totally',
    'ok', 'okay', 'okey', 'k', 'kk', 'righto', 'right', 'correct', 'true', 'affirmative', 'please', 'yesplease',
    // Australian for yes, as an answer on its own.
    'sweet', 'cool', 'perfect', 'awesome', 'beauty', 'bewdy', 'lovely', 'legend',
  ].map(squeeze),
);
const NO = new Set(['no', 'nah', 'na', 'nope', 'nup', 'nop', 'n', 'not', 'never', 'negative', 'nay', 'noway', 'false'].map(squeeze));
// Words around a yes or no that do not change it ("oh yeah mate", "sorry no").
const FILLER = new Set(
  [
    'oh', 'um', 'umm', 'uh', 'er', 'well', 'mate', 'bro', 'love', 'sir', 'dude', 'man', 'thanks', 'thank', 'you', 'ta', 'cheers',
    'thx', 'ty', 'pls', 'plz', 'lol', 'haha', 'and', 'but', 'so', 'sorry', 'hi', 'hey', 'hello', 'yo', 'that', 'thats', 'is',
    'would', 'be', 'great', 'good', 'just', 'actually', 'really', 'very', 'much', 'i', 'we', 'am', 'are', 'do', 'does', 'it',
  ].map(squeeze),
);
const YES_PHRASES =
  /\b(no (worries|problem|probs|dramas|drama|prob)|(yes )?(i|we) (do|am|are|have|own it)|it is|(i|we) will|too right|of course|for sure|you bet|sounds good|go ahead|i think so|why not|all good|that works|works for me|go for it|yes please|bring it on|sure thing|that'?s (right|correct)|sweet as)\b|^ (that'?s |that sounds |sounds )?(good|great|fine)( thanks| mate)? $/g;
const NO_PHRASES =
  /\b((i|we) (don'?t|do not|am not|are not|aren'?t|haven'?t|won'?t)|i'?m not|we'?re not|it'?s not|it isn'?t|no thanks|no thank you|no ta|not really|not at all|(i )?(don'?t|do not) think so|no way|not interested|not now|not today|i'?m good|im good|nah thanks|pass|not for me|no chance|not a chance|absolutely not|definitely not|of course not)\b/g;
const UNSURE_PHRASES =
  /\b(not sure|unsure|maybe|perhaps|possibly|might|dunno|idk|don'?t know|no idea|depends|probably|i guess|not certain|yes and no|kind of|kinda|sort of|sorta)\b/g;

function readYesNo(text: string): boolean | undefined {
  let t = normalise(text)
    .replace(/👍|👌|✅|🙌|💯|✔️?|☑️?/gu, ' yes ')
    .replace(/👎|❌|🙅(\u200d[♀♂]\ufe0f?)?|🚫/gu, ' no ');
  t = ` ${words(t).join(' ')} `;
  t = t.replace(UNSURE_PHRASES, ' ? ').replace(NO_PHRASES, ' no ').replace(YES_PHRASES, ' yes ');
  const tokens = t.split(' ').filter(Boolean);
  if (tokens.includes('?')) return undefined;
  const polar: { yes: boolean; please: boolean }[] = [];
  for (const word of tokens) {
    const w = squeeze(word);
    if (YES.has(w) || NO.has(w)) polar.push({ yes: YES.has(w), please: PLEASE.has(w) });
    else if (FILLER.has(w)) continue;
    else break; // the answer is the words before the first that is not part of it ("yes but only mornings")
  }
  if (!polar.length) return yesNoAnywhere(tokens);
  // "please" alone is yes, but "no please" is no.
  const decisive = polar.some((p) => !p.please) ? polar.filter((p) => !p.please) : polar;
  return decisive.at(-1)!.yes;
}

const PLEASE = new Set(['please', 'pls', 'plz']);
// Words too common in other sentences to count outside the answer's first words.
const WEAK = new Set(['right', 'true', 'false', 'sweet', 'cool', 'perfect', 'awesome', 'beauty', 'lovely', 'legend', 'not', 'n', 'y', 'k', 'kk', 'ok', 'okay', 'please', 'pls', 'plz', 'na', 'ya', 'ye', 'def']);

/** A short answer whose yes or no comes after other words ("we own it, yes", "i'll pass"). */
function yesNoAnywhere(tokens: string[]): boolean | undefined {
  if (tokens.length > 6) return undefined;
  const found = new Set(
    tokens.map(squeeze).filter((w) => !WEAK.has(w) && (YES.has(w) || NO.has(w))).map((w) => YES.has(w)),
  );
  return found.size === 1 ? [...found][0] : undefined;
}

// ---------------------------------------------------------------------------------------------------
// choice: by number ("2"), by name, by a plural, a prefix or a typo; never when two choices match.

const ORDINALS = wordTable({ first: 1, '1st': 1, second: 2, '2nd': 2, third: 3, '3rd': 3, fourth: 4, '4th': 4, fifth: 5, '5th': 5 });

function compact(s: string): string {
  return words(normalise(s)).join('');
}

function singular(word: string): string {
  if (/(ss|us)$/.test(word)) return word;
  if (/(ches|shes|xes|sses)$/.test(word)) return word.slice(0, -2);
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`;
  return word.endsWith('s') && word.length > 3 ? word.slice(0, -1) : word;
}

function readChoice(text: string, choices: readonly string[]): string | undefined {
  if (!choices.length) return undefined;
  const whole = compact(text);
  if (!whole) return undefined;
  const exact = choices.find((c) => compact(c) === whole);
  if (exact !== undefined) return exact;

  const t = numberWordsToDigits(normalise(text));
  const tokens = words(t).slice(0, 60); // an answer, not a letter: the first 60 words say it
  const byNumber = t.match(/^(?:option|number|no\.?|num|#)?\s*#?\s*(\d{1,2})\s*[.)]?(?:\s*(?:please|pls|thanks|ta))?$/);
  const ordinal = tokens.length <= 3 ? tokens.map((w) => ORDINALS[w]).find(Boolean) : undefined;
  const index = byNumber ? Number(byNumber[1]) : ordinal;
  if (index !== undefined) return choices[index - 1];

  // A choice's words, matched against consecutive words of the answer, joined ("town house").
  const wanted = choices.map((c) => ({ choice: c, key: singular(compact(c)) }));
  const hits = new Map<string, { start: number; end: number }>();
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j <= Math.min(tokens.length, i + 4); j++) {
      const joined = singular(tokens.slice(i, j).join(''));
      for (const w of wanted) if (w.key === joined && !hits.has(w.choice)) hits.set(w.choice, { start: i, end: j });
    }
  }
  // "townhouse" also holds "house": a match inside a longer one does not count.
  const spans = [...hits.entries()];
  const kept = spans.filter(([, s]) => !spans.some(([, o]) => o !== s && o.start <= s.start && o.end >= s.end));
  const distinct = [...new Set(kept.map(([c]) => c))];
  if (distinct.length === 1) return distinct[0];
  if (distinct.length > 1) return undefined;

  // Typos and prefixes, word by word: "hosue", "comercial", "town", "comm"; or the whole ("air con").
  const fuzzy = new Set<string>();
  if (whole.length >= 4) for (const w of wanted) if (w.key.startsWith(whole)) fuzzy.add(w.choice);
  for (const word of tokens.map(singular)) {
    if (word.length < 3 || word.length > 40) continue; // no choice is a 40-letter word
    for (const w of wanted) {
      const limit = w.key.length >= 8 ? 2 : w.key.length >= 4 ? 1 : 0;
      if (editDistance(word, w.key) <= limit || (word.length >= 3 && w.key.startsWith(word) && word.length >= Math.min(4, w.key.length - 1))) {
        fuzzy.add(w.choice);
      }
    }
  }
  return fuzzy.size === 1 ? [...fuzzy][0] : undefined;
}

// ---------------------------------------------------------------------------------------------------
// number: one number, in digits or words; a range ("20-30", "between 2 and 3") is its middle.

const NUMBER = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+`;

function readNumber(text: string): number | undefined {
  let t = numberWordsToDigits(normalise(text).replace(/[~≈]/g, ' '));
  if (/\b(hundred|thousand|grand|dozen)\b/.test(t)) return undefined; // "a couple of hundred": a guess, not a number
  t = t
    .replace(/(\d)\s*(m2|m²|m\^2|sqm|sq ?m|sq ?ft|ft2)\b/g, '$1 ')
    .replace(/(\d(?:[\d.,]*\d)?)\s*k\b/g, (_m, n: string) => String(toNumber(n)! * 1000))
    .replace(/\$/g, ' ');
  // An ordinal ("3rd") or a negative number is not a quantity.
  if (/\d(st|nd|rd|th)\b/.test(t) || /^-\s*\d/.test(t)) return undefined;
  const range =
    t.match(new RegExp(String.raw`between\s+(${NUMBER})\s*(?:and|-|to)\s*(${NUMBER})`)) ??
    t.match(new RegExp(String.raw`(${NUMBER})\s*(?:-|to|or)\s*(${NUMBER})`));
  const all = [...t.matchAll(new RegExp(NUMBER, 'g'))].map((m) => m[0]);
  if (range && all.length === 2) {
    const [a, b] = [toNumber(range[1]), toNumber(range[2])];
    if (a === undefined || b === undefined || b < a) return undefined;
    return Math.round(((a + b) / 2) * 1000) / 1000;
  }
  if (all.length !== 1) return undefined;
  if (/^0\d/.test(all[0])) return undefined; // "0412345678" is a phone number
  // "2,5" is a European decimal or a typo: ask rather than guess.
  if (/\d,\d(?!\d\d)/.test(t)) return undefined;
  return toNumber(all[0]);
}

function toNumber(s: string): number | undefined {
  const n = Number(s.replace(/,/g, ''));
  return Number.isFinite(n) ? n : undefined;
}
