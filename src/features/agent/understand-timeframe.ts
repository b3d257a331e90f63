import { normalise, numberWordsToDigits, wordTable } from './understand-words.js';

// When the lead wants the job done, as one of a few buckets the score can weigh. Months and
// Christmas need the company's today to mean anything, so the caller passes it.

// asap: today or tomorrow, urgent · this_week: within 7 days (a weekday named alone) · next_week ·
// this_month: two to four weeks · one_to_three_months · later: beyond, or "no rush" · unsure.
export const TIMEFRAMES = ['asap', 'this_week', 'next_week', 'this_month', 'one_to_three_months', 'later', 'unsure'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export const TIMEFRAME_LABELS: Record<Timeframe, string> = {
  asap: 'ASAP',
  this_week: 'this week',
  next_week: 'next week',
  this_month: 'within a month',
  one_to_three_months: 'in 1–3 months',
  later: 'later, no rush',
  unsure: 'not sure yet',
};

const TYPOS = wordTable({
  asp: 'asap', aspa: 'asap', asao: 'asap', 'a.s.a.p': 'asap', 'a.s.a.p.': 'asap',
  nxt: 'next', nex: 'next', enxt: 'next', netx: 'next',
  wk: 'week', wks: 'weeks', wek: 'week', weke: 'week', wkend: 'weekend', wkd: 'weekend',
  mnth: 'month', mth: 'month', mths: 'months', mnths: 'months', mnt: 'month', monht: 'month',
  tmrw: 'tomorrow', tmr: 'tomorrow', tmoz: 'tomorrow', tomoz: 'tomorrow', tomorow: 'tomorrow', tommorow: 'tomorrow',
  tommorrow: 'tomorrow', '2moro': 'tomorrow', '2morrow': 'tomorrow', tomoro: 'tomorrow',
  tdy: 'today', '2day': 'today', '2nite': 'tonight', tonite: 'tonight',
  urgant: 'urgent', urgnt: 'urgent', urget: 'urgent', emergancy: 'emergency', emergancey: 'emergency',
  christmas: 'xmas', chrissy: 'xmas', chrissie: 'xmas', crimbo: 'xmas', 'x-mas': 'xmas',
  thsi: 'this', tis: 'this', dunno: 'unsure', dno: 'unsure', donno: 'unsure', idk: 'unsure', yr: 'year', yrs: 'years',
});

const MONTHS: [RegExp, number][] = [
  [/\bjan(uary)?\b/, 1], [/\bfeb(ruary)?\b/, 2], [/\bmarch\b/, 3], [/\bapr(il)?\b/, 4],
  // "may" is also a verb ("may be next week"): a month only after a preposition.
  [/\b(in|by|early|mid|late|end of|start of|until|till) may\b|^may$/, 5],
  [/\bjune?\b/, 6], [/\bjuly?\b/, 7], [/\baug(ust)?\b/, 8], [/\bsept?(ember)?\b/, 9], [/\boct(ober)?\b/, 10],
  [/\bnov(ember)?\b/, 11], [/\bdec(ember)?\b/, 12],
];

// "Not urgent", "no rush": said to mean later, and masked so that "urgent" inside is not read as ASAP.
const RELAXED = /\b(not (that |too |super |really )?(urgent|urgently|in a (rush|hurry)|a priority|asap|right now|now|yet|for a while|soon)|no (rush|hurry|urgency|massive rush|big rush)|(there'?s )?no time ?frame|(there'?s )?no deadline|in no (rush|hurry)|not fussed)\b/;
// A negated near time ("not this week") says nothing about when, so it is dropped.
const RELAXED_ALL = new RegExp(RELAXED.source, 'g');
const NEGATED_NEAR = /\b(not|cant do|can't do|can't|cant) (this week|today|tomorrow|this month|next week)\b/g;

const ASAP =
  /\b(asap|urgent|urgently|emergency|immediately|right away|straight away|straightaway|right now|today|tonight|tomorrow|this (arvo|afternoon|morning|evening)|yesterday|as soon as|soon as|quick as|pronto|soon|sooner the better|the sooner|quickly|now)\b/;

const FULL_DAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';
const SHORT_DAYS = 'mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun';

const PHRASES: [RegExp, Timeframe][] = [
  [/\bthis ?week\b|\bend of (the )?week\b|\bthis weekend\b|(?<!next )\bweekend\b|\blater this week\b|\bby (the )?(friday|fri|weekend)\b/, 'this_week'],
  // A day's short name only where it reads as a day ("sat morning", "on sat"), not in "i sat down";
  // "next monday" and "monday next week" are next week's.
  [new RegExp(String.raw`(?<!next )\b(${FULL_DAYS})\b(?! next week)|(?:^|\b(?:on|this|by|til|till|until|or|and|coming)\s)(${SHORT_DAYS})\b(?! next week)`), 'this_week'],
  [/\bsoonish\b/, 'this_week'],
  [/\bweek after next\b|\bthis month\b|\bend of (the |this )?month\b|\blater (this|in the) month\b|\bwithin (the|a) month\b|\b(within|in|over) the next month\b|\bfortnight\b/, 'this_month'],
  [/\bnext ?week(end)?\b|\bearly next week\b|\bnext (mon|monday|tue|tues|tuesday|wed|wednesday|thu|thurs|thursday|fri|friday)\b/, 'next_week'],
  [/\bnext month\b|\bmonth or (2|so)\b/, 'one_to_three_months'],
];

const LATER = /\b(next year|later|eventually|down the track|long way off|a while|sometime|some time|in the future|future|just (getting|looking|planning|pricing)|planning (ahead|stage)|not for (a while|ages)|no plans yet)\b/;
const UNSURE =
  /\b(unsure|not sure|not certain|don'?t know|do not know|no idea|depends|it depends|not decided|haven'?t decided|undecided|tbc|tbd|flexible|whenever|when ever|any ?time|no preference|up to you|whatever suits|whatever works)\b/;

const UNIT_DAYS: Record<string, number> = { day: 1, week: 7, month: 30, year: 365 };
const DURATION =
  /\b(within|inside|under|less than|in|about|around|next|in the next)?\s*(\d+(?:\.\d+)?|a|an|few|several)\s*(?:(?:-|to|or)\s*(\d+(?:\.\d+)?)\s*)?(?:of\s+)?(?:more\s+)?(?:the\s+)?(day|week|month|year)s?\b/g;

function bucketOfDays(days: number): Timeframe {
  if (days <= 1) return 'asap';
  if (days < 7) return 'this_week';
  if (days < 14) return 'next_week';
  if (days <= 31) return 'this_month';
  if (days <= 92) return 'one_to_three_months';
  return 'later';
}

function bucketOfMonth(month: number, today: string | undefined, sameMonthMeansNextYear: boolean): Timeframe | undefined {
  if (!today || !/^\d{4}-(0[1-9]|1[0-2])-\d{2}$/.test(today)) return undefined;
  const current = Number(today.slice(5, 7));
  let ahead = (month - current + 12) % 12;
  if (ahead === 0 && sameMonthMeansNextYear) ahead = 12;
  if (ahead === 0) return 'this_month';
  return ahead <= 3 ? 'one_to_three_months' : 'later';
}

function canonical(text: string): string {
  const tokens = numberWordsToDigits(normalise(text).replace(/[!,;:?]+/g, ' ').replace(/\bx[- ]?mas\b/g, 'xmas').replace(/(\d)([a-z])/g, '$1 $2')).split(' ');
  return tokens
    .map((t) => t.replace(/\.+$/, ''))
    .map((t) => TYPOS[t] ?? t)
    .join(' ');
}

const earliest = (found: Timeframe[]) => found.sort((a, b) => TIMEFRAMES.indexOf(a) - TIMEFRAMES.indexOf(b))[0];

/** When the lead wants the job, or undefined when the answer does not say. */
export function readTimeframe(text: string, today?: string): Timeframe | undefined {
  let t = canonical(text);
  const relaxed = RELAXED.test(t);
  t = t.replace(RELAXED_ALL, ' ').replace(NEGATED_NEAR, ' ').replace(/\bnot (until|till|before)\b/g, ' ').replace(/\bfor now\b/g, ' ');
  if (ASAP.test(t)) return 'asap';

  const found: Timeframe[] = [];
  for (const [pattern, bucket] of PHRASES) if (pattern.test(t)) found.push(bucket);
  for (const m of t.matchAll(DURATION)) {
    const [, lead, from, , unit] = m;
    const count = from === 'a' || from === 'an' ? 1 : from === 'few' || from === 'several' ? 3 : Number(from);
    const days = count * UNIT_DAYS[unit] - (lead && /within|inside|under|less than/.test(lead) ? 1 : 0);
    if (days > 0) found.push(bucketOfDays(days));
  }
  if (/\b(after|post) xmas\b|\b(new year|early next year|start of next year|beginning of next year)\b/.test(t)) {
    const bucket = bucketOfMonth(1, today, false);
    if (bucket) found.push(bucket);
  } else if (/\bxmas\b|\bend of (the )?year\b/.test(t)) {
    const bucket = bucketOfMonth(12, today, false);
    if (bucket) found.push(bucket);
  }
  for (const [pattern, month] of MONTHS) {
    if (!pattern.test(t)) continue;
    const bucket = bucketOfMonth(month, today, /next year/.test(t));
    if (bucket) found.push(bucket);
  }
  if (found.length) return earliest(found);
  if (LATER.test(t) || relaxed) return 'later';
  if (UNSURE.test(t)) return 'unsure';
  return undefined;
}
