import { z } from 'zod';
import { countSegments } from '../../lib/sms-segments.js';
import { addDays, dateIn, wallTimeAt } from '../../lib/zoned-time.js';
import { BOOKABLE_TYPES, formatSlot, formatSlotList, type BookableType, type Slot } from './slots.js';
import { AI_STATUSES, type ScriptQuestion, type ToolCall, type ToolRunner, type TurnContext } from './tools.js';
import { TIMEFRAME_LABELS, understand, type Timeframe } from './understand.js';
import { normalise, words } from './understand-words.js';

// The `rules` engine (issue 14): the company's script asked in order, answers read by understand(),
// a score from the answers, free slots offered and the chosen one booked, and a hand-off for anything
// else. Deterministic and database-free: it acts only through the ToolRunner, and what it must
// remember between turns is the lead's `qualification`, which it returns updated.
//
// The qualification (JSON, snake_case as the API shows it):
//   engine: 'rules'
//   stage: 'asking' | 'offering' | 'booked' | 'handed_off'   (absent: not greeted yet)
//   answers: { [question key]: string | number | boolean }   understood answers (timeframe: a TIMEFRAMES bucket)
//   unclear: { [question key]: string }                       the raw text of an answer not understood twice
//   pending: question key | null                              the question last asked
//   reasked: question keys                                    asked a second time already
//   offered: [{ n, type, start }]                             the slots last offered (start: ISO, exact)
//   offer_rounds: number                                      offers made (a taken slot earns one more)
//   offer_misses: number                                      picks not understood since the last offer
//   score?: { score, status }   booked?: { type, start }   handoff_reason?: string
//
// A turn sends at most one reply, whatever the number of texts it answers: the latest text that
// understand() reads answers the pending question (a `text` question takes all of them), and a turn
// of texts none of which reads is one miss, not several. Postcodes and timeframes are also picked up
// where they are said ahead of their question ("2150, need it asap"), and a lead's own postcode
// (from its form) answers the postcode question before it is asked.
//
// Decisions: an answer not understood twice is kept raw (unclear) and the script moves on, since a
// person reads it later and the lead is not stuck (a suburb for a postcode, say); a postcode out of
// the service area ends the script at once with a polite reply, score 0 (cold) and a hand-off, so a
// person can still decide; a hand-off keyword (the company's, or the built-in ones below) hands off
// at any stage; no free slot, "none of those work", a pick not understood twice or a second taken
// slot hand off; after a booking, a bare "thanks" gets nothing and anything else a note that the team
// will see it and a hand-off (it may be a change of plans); a reply the runner refuses hands off. A
// handed-off lead gets nothing more from this engine (handing back is for whoever clears the stage).
//
// Slots: onsite when 'onsite' is a goal; callback when 'onsite' is not a goal, or when 'callback' is
// one too and no onsite slot is free. Up to 3, at least 3 hours apart where the free slots allow.
// Replies: within 2 SMS segments (each reply has shorter wordings to fall back on, then is cut), with
// typographic punctuation made plain so a company's "What’s" does not make it UCS-2; no link and no
// phone number (nor the company's: the business calls the lead, not the other way round).
//
// Score: each question's weight (settings.weights, keyed by question key as PATCH /v1/agent
// validates them) is added when its answer is favourable: postcode in the service area (an empty
// area holds every postcode); timeframe asap or this_week in full, next_week or this_month half;
// yes_no yes; choice, number and text understood at all. No weight for any question: each weighs an
// equal share of 100. Clamped 0–100; hot ≥ 75, warm ≥ 40, else cold.

const STAGES = ['asking', 'offering', 'booked', 'handed_off'] as const;
const SMS_MAX_SEGMENTS = 2;
const MAX_OFFERED = 3;
// Offered times at least this far apart, so three choices are not one morning's back-to-back slots.
const OFFER_SPREAD_MS = 3 * 60 * 60_000;
const BUILT_IN_HANDOFF = ['speak to someone', 'talk to someone', 'speak to a person', 'talk to a person', 'call me', 'ring me', 'human', 'real person', 'complaint', 'manager'];

const answerValue = z.union([z.string(), z.number(), z.boolean()]);
/** A record of which entries that are not `value` are dropped, the others kept. */
const keepValid = <T extends z.ZodType>(value: T) =>
  z
    .record(z.string(), z.unknown())
    .catch(() => ({}))
    .transform((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => value.safeParse(v).success)) as Record<string, z.output<T>>);
const offeredSlot = z.object({ n: z.number().int(), type: z.enum(BOOKABLE_TYPES), start: z.string() });

// Lenient: another engine's qualification (the llm engine falls back to this one) keeps what fits.
const stateSchema = z.object({
  engine: z.literal('rules').catch('rules'),
  stage: z.enum(STAGES).optional().catch(undefined),
  // Defaults as functions: the engine changes the state in place, so no two parses may share one.
  answers: keepValid(answerValue),
  unclear: keepValid(z.string()),
  pending: z.string().nullable().catch(null),
  reasked: z.array(z.string()).catch(() => []),
  offered: z.array(offeredSlot).catch(() => []),
  offer_rounds: z.number().int().catch(0),
  offer_misses: z.number().int().catch(0),
  score: z.object({ score: z.number(), status: z.enum(AI_STATUSES) }).optional().catch(undefined),
  booked: z.object({ type: z.enum(BOOKABLE_TYPES), start: z.string() }).optional().catch(undefined),
  handoff_reason: z.string().optional().catch(undefined),
});
export type RulesState = z.output<typeof stateSchema>;

export function readRulesState(qualification: unknown): RulesState {
  return stateSchema.parse(qualification && typeof qualification === 'object' ? qualification : {});
}

export type RulesTurnResult = { outcome: 'done' | 'handed_off'; qualification: RulesState };

type Turn = { ctx: TurnContext; run: ToolRunner; state: RulesState; texts: string[] };

export async function runRulesTurn(ctx: TurnContext, run: ToolRunner): Promise<RulesTurnResult> {
  const turn: Turn = { ctx, run, state: readRulesState(ctx.lead.qualification), texts: ctx.inbound.map((t) => t.trim()).filter(Boolean) };
  const { state, texts } = turn;
  if (state.stage === 'handed_off') return { outcome: 'handed_off', qualification: state };
  const asked = texts.find((t) => handoffKeyword(t, ctx.settings.handoffKeywords));
  if (asked !== undefined) return handOff(turn, `The lead asked for a person: "${excerpt(asked)}"`, holdingReply(ctx));
  if (state.stage === 'offering') return offering(turn);
  if (state.stage === 'booked') return afterBooking(turn);
  return asking(turn);
}

// ---------------------------------------------------------------------------------------------------
// Asking the script.

async function asking(turn: Turn): Promise<RulesTurnResult> {
  const { ctx, state, texts } = turn;
  const questions = ctx.settings.questions;
  let prefix: string[];
  if (state.stage === undefined) {
    state.stage = 'asking';
    const postcodeQuestion = questions.find((q) => q.kind === 'postcode');
    if (postcodeQuestion && ctx.lead.postcode) record(turn, postcodeQuestion, ctx.lead.postcode);
    pickUpAhead(turn, texts);
    // A thread with an outbound text was greeted already (by a person, or before a fallback).
    prefix = ctx.thread.some((m) => m.direction === 'outbound') ? ['Thanks.'] : greetings(ctx);
  } else {
    if (!texts.length) return done(state);
    const q = currentQuestion(turn);
    const joined = texts.join(' ');
    // The latest text first: "2150", then "sorry, I meant 2151".
    const understood = !q || q.kind === 'text' ? joined : [...texts].reverse().concat(joined).find((t) => understand(q.kind, t, readOptions(ctx, q)).ok);
    if (!q) {
      prefix = ['Thanks.']; // the script changed under a conversation: nothing left to ask
    } else if (understood !== undefined) {
      record(turn, q, understood);
      pickUpAhead(turn, texts);
      prefix = ['Thanks.'];
    } else if (!state.reasked.includes(q.key)) {
      state.reasked.push(q.key);
      pickUpAhead(turn, texts);
      return reply(turn, rephrase(q));
    } else {
      state.unclear[q.key] = [...joined].slice(0, 500).join('');
      prefix = ["Thanks, I'll pass that on."];
    }
  }
  const outside = postcodeOutsideArea(ctx, state);
  if (outside) return outOfArea(turn, outside, prefix);
  const next = currentQuestion(turn);
  if (next) {
    state.pending = next.key;
    return reply(turn, prefix.map((p) => `${p} ${gsm(next.ask)}`).concat(gsm(next.ask)));
  }
  state.pending = null;
  await setScore(turn);
  return offer(turn, [...prefix.map((p) => (p === 'Thanks.' ? "Thanks, that's everything I need." : p)), 'Thanks.']);
}

/** The question to put next: the one pending if still unanswered, else the script's first unanswered. */
function currentQuestion({ ctx, state }: Turn): ScriptQuestion | undefined {
  const open = (q: ScriptQuestion) => !Object.hasOwn(state.answers, q.key) && !Object.hasOwn(state.unclear, q.key);
  const pending = ctx.settings.questions.find((q) => q.key === state.pending);
  return pending && open(pending) ? pending : ctx.settings.questions.find(open);
}

function readOptions(ctx: TurnContext, q: ScriptQuestion) {
  return { choices: q.choices, today: dateIn(ctx.now.getTime(), ctx.company.timezone) };
}

function record(turn: Turn, q: ScriptQuestion, text: string): boolean {
  const read = understand(q.kind, text, readOptions(turn.ctx, q));
  if (read.ok) turn.state.answers[q.key] = read.value;
  return read.ok;
}

// "Dunno" to another question is about that question; "later" may be when they will reply.
const VAGUE_AHEAD = new Set(['unsure', 'later']);

// Postcodes and timeframes read unambiguously wherever they are said ("2150, need it asap"), so the
// script does not ask what the lead has already told; other kinds would read too much into a text.
function pickUpAhead(turn: Turn, texts: string[]): void {
  for (const kind of ['postcode', 'timeframe'] as const) {
    const q = turn.ctx.settings.questions.find((x) => x.kind === kind && !Object.hasOwn(turn.state.answers, x.key) && !Object.hasOwn(turn.state.unclear, x.key));
    if (!q) continue;
    const values = new Set(
      texts
        .map((t) => understand(kind, t, readOptions(turn.ctx, q)))
        .flatMap((r) => (r.ok && !VAGUE_AHEAD.has(String(r.value)) ? [String(r.value)] : [])),
    );
    if (values.size === 1) record(turn, q, [...values][0]);
  }
}

function rephrase(q: ScriptQuestion): string[] {
  const sorry = "Sorry, I didn't catch that.";
  const ask = gsm(q.ask);
  switch (q.kind) {
    case 'postcode':
      return [`${sorry} What's the postcode of the property? Just the 4 digits, e.g. 2150`];
    case 'timeframe':
      return [`${sorry} Roughly when would you like the work done? e.g. ASAP, next week, in a couple of months`];
    case 'yes_no':
      return [`${sorry} Please reply yes or no: ${ask}`, `${sorry} Please reply yes or no.`];
    case 'choice': {
      const list = numbered((q.choices ?? []).map((c, i) => `${i + 1} for ${gsm(c)}`));
      return [`${sorry} ${ask} Reply ${list}`, `${sorry} Reply ${list}`, ask];
    }
    case 'number':
      return [`${sorry} Please reply with a number: ${ask}`, `${sorry} Please reply with a number.`];
    default:
      return [`${sorry} ${ask}`, ask];
  }
}

// ---------------------------------------------------------------------------------------------------
// The service area and the score.

/** Whether a postcode is in the service area: single postcodes ("2560") or ranges of one length ("2000-2234"). */
export function inServiceArea(postcode: string, servicePostcodes: readonly string[]): boolean {
  if (!servicePostcodes.length) return true;
  return servicePostcodes.some((entry) => {
    const [low, high = low] = entry.trim().split('-');
    return postcode.length === low.length && postcode >= low && postcode <= high;
  });
}

function postcodeOutsideArea(ctx: TurnContext, state: RulesState): string | undefined {
  for (const q of ctx.settings.questions) {
    const v = state.answers[q.key];
    if (q.kind === 'postcode' && typeof v === 'string' && !inServiceArea(v, ctx.settings.servicePostcodes)) return v;
  }
  return undefined;
}

export type RulesScore = { score: number; status: (typeof AI_STATUSES)[number]; counted: string[] };

/** The score of a set of answers (see the file's head for what counts). */
export function scoreAnswers(settings: Pick<TurnContext['settings'], 'questions' | 'weights' | 'servicePostcodes'>, answers: RulesState['answers']): RulesScore {
  const { questions } = settings;
  const weighed = questions.some((q) => Object.hasOwn(settings.weights, q.key));
  const share = Math.floor(100 / Math.max(questions.length, 1));
  const extra = 100 - share * questions.length; // the first questions take the rest, so all of them make 100
  let total = 0;
  const counted: string[] = [];
  questions.forEach((q, i) => {
    const weight = weighed ? (Object.hasOwn(settings.weights, q.key) ? settings.weights[q.key] : 0) : share + (i < extra ? 1 : 0);
    const value = answers[q.key];
    if (value === undefined || !weight) return;
    let part = 0;
    if (q.kind === 'postcode') part = typeof value === 'string' && inServiceArea(value, settings.servicePostcodes) ? 1 : 0;
    else if (q.kind === 'timeframe') part = ['asap', 'this_week'].includes(String(value)) ? 1 : ['next_week', 'this_month'].includes(String(value)) ? 0.5 : 0;
    else if (q.kind === 'yes_no') part = value === true ? 1 : 0;
    else part = 1;
    const points = Math.round(Math.max(0, weight) * part);
    if (points) {
      total += points;
      const what = q.kind === 'postcode' ? `${value} in the area` : q.kind === 'text' ? 'given' : display(q, value);
      counted.push(`${label(q.key)} ${what} +${points}`);
    }
  });
  const score = Math.max(0, Math.min(100, total));
  return { score, status: statusOf(score), counted };
}

export function statusOf(score: number): RulesScore['status'] {
  return score >= 75 ? 'hot' : score >= 40 ? 'warm' : 'cold';
}

function summaryOf(ctx: TurnContext, state: RulesState): string {
  const lines = ctx.settings.questions.map((q) => {
    if (Object.hasOwn(state.answers, q.key)) return `${label(q.key)}: ${display(q, state.answers[q.key])}`;
    if (Object.hasOwn(state.unclear, q.key)) return `${label(q.key)}: "${state.unclear[q.key]}" (not understood)`;
    return `${label(q.key)}: not asked`;
  });
  return clip(lines.join('; '), 1000);
}

async function setScore(turn: Turn, outside?: string): Promise<void> {
  const { ctx, state } = turn;
  const scored = outside
    ? { score: 0, status: 'cold' as const, reason: `Postcode ${outside} is outside the service area.` }
    : (() => {
        const s = scoreAnswers(ctx.settings, state.answers);
        return { ...s, reason: s.counted.length ? `Counted: ${s.counted.join(', ')}.` : 'No answer counted towards the score.' };
      })();
  state.score = { score: scored.score, status: scored.status };
  // A refused score changes nothing the lead sees; the turn goes on.
  await turn.run({ tool: 'set_score', args: { score: scored.score, status: scored.status, reason: clip(scored.reason, 500), summary: summaryOf(ctx, state) } });
}

async function outOfArea(turn: Turn, postcode: string, prefix: string[]): Promise<RulesTurnResult> {
  await setScore(turn, postcode);
  const name = gsm(turn.ctx.company.name);
  const thanks = firstName(turn.ctx) ? `Thanks ${firstName(turn.ctx)}.` : 'Thanks.';
  // A greeting stays a greeting ("Hi Sam, thanks for contacting …"); an acknowledgement becomes a thank-you.
  const openings = [...new Set([...prefix.filter((p) => p.startsWith('Hi')), thanks, 'Thanks.'])];
  const rest = (area: string) => `Unfortunately ${postcode} is outside ${area}, so we can't book you in, but someone from the team will let you know if they can help.`;
  return handOff(
    turn,
    `Postcode ${postcode} is outside the service area`,
    openings.flatMap((o) => [`${o} ${rest(`the area ${name} services`)}`, `${o} ${rest('our service area')}`]),
  );
}

// ---------------------------------------------------------------------------------------------------
// Offering slots and booking one.

const TYPE_WORDS: Record<BookableType, string> = { onsite: 'a visit', callback: 'a call back' };

function offerSlots(ctx: TurnContext, exclude: readonly string[]): { type: BookableType; slots: Slot[] } | undefined {
  const types: BookableType[] = ctx.settings.goals.includes('onsite') ? ['onsite'] : [];
  if (ctx.settings.goals.includes('callback') || !types.length) types.push('callback');
  for (const type of types) {
    const free = (ctx.freeSlots[type] ?? []).filter((s) => s.start.getTime() > ctx.now.getTime() && !exclude.includes(s.start.toISOString()));
    if (!free.length) continue;
    return { type, slots: slotsToOffer(free) };
  }
  return undefined;
}

/** Up to 3 of the free slots (in order), at least 3 hours apart where they allow: what an offer lists. */
export function slotsToOffer(free: readonly Slot[]): Slot[] {
  if (!free.length) return [];
  const chosen: Slot[] = [free[0]];
  for (const s of free) {
    if (chosen.length >= MAX_OFFERED) break;
    if (s.start.getTime() - chosen.at(-1)!.start.getTime() >= OFFER_SPREAD_MS) chosen.push(s);
  }
  // Too few spread out: the earliest of the others fill in.
  for (const s of free) if (chosen.length < MAX_OFFERED && !chosen.includes(s)) chosen.push(s);
  return chosen.sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** The "Reply 1 for …, 2 for …" of an offer, on the company's wall clock. */
export function offerListText(starts: readonly Date[], timeZone: string): string {
  const labels = formatSlotList(starts.map((start) => ({ start })), timeZone);
  return `Reply ${numbered(labels.map((l, i) => `${i + 1} for ${l}`))}`;
}

function offerList(ctx: TurnContext, state: RulesState): string {
  return offerListText(
    state.offered.map((o) => new Date(o.start)),
    ctx.company.timezone,
  );
}

async function offer(turn: Turn, prefix: string[], exclude: string[] = []): Promise<RulesTurnResult> {
  const { ctx, state } = turn;
  const found = offerSlots(ctx, exclude);
  if (!found) {
    return handOff(turn, 'No free slot to offer', [
      `${prefix[0]} Someone from ${gsm(ctx.company.name)} will be in touch shortly to find a time that suits.`,
      `${prefix[0]} Someone from the team will be in touch shortly to find a time that suits.`,
    ]);
  }
  state.stage = 'offering';
  state.offered = found.slots.map((s, i) => ({ n: i + 1, type: found.type, start: s.start.toISOString() }));
  state.offer_rounds += 1;
  state.offer_misses = 0;
  const list = offerList(ctx, state);
  const when = `When suits for ${TYPE_WORDS[found.type]}? ${list}`;
  return reply(turn, [...prefix.map((p) => `${p} ${when}`), when, list]);
}

async function offering(turn: Turn): Promise<RulesTurnResult> {
  const { ctx, state, texts } = turn;
  if (!texts.length) return done(state);
  if (!state.offered.length) return offer(turn, ['Thanks.']);
  let pick: OfferedSlot | 'none' | undefined;
  for (const t of [...texts].reverse()) {
    pick = readPick(t, state.offered, ctx);
    if (pick) break;
  }
  if (pick === 'none') return handOff(turn, 'None of the offered times suit the lead', noTimeReply(ctx, 'No worries.'));
  if (!pick) {
    if (state.offer_misses >= 1) return handOff(turn, 'Could not tell which offered time the lead chose', noTimeReply(ctx, 'Sorry, I still didn\'t catch that.'));
    state.offer_misses += 1;
    const list = offerList(ctx, state);
    return reply(turn, [`Sorry, I didn't catch that. ${list}`, list]);
  }
  const booking = await turn.run({ tool: 'book_appointment', args: { type: pick.type, start_time: pick.start } });
  if (!booking.ok) {
    if (state.offer_rounds >= 2) return handOff(turn, `The offered times were taken (${booking.error})`, noTimeReply(ctx, 'Sorry, that time has just been taken.'));
    return offer(turn, ['Sorry, that time has just been taken.'], [pick.start]);
  }
  state.stage = 'booked';
  state.booked = { type: pick.type, start: pick.start };
  state.offered = [];
  const [day, time] = splitAt(formatSlot(new Date(pick.start), ctx.company.timezone, { withDate: true }));
  const booked = `You're booked in for ${TYPE_WORDS[pick.type]} on ${day} at ${time}.`;
  const thanks = firstName(ctx) ? `Thanks ${firstName(ctx)}` : 'Thanks';
  const company = gsm(ctx.company.name);
  const [they, we] = pick.type === 'onsite' ? [`${company} will see you then`, 'see you then'] : [`${company} will call you then`, "we'll call you then"];
  return reply(turn, [`${booked} ${thanks}, ${they}.`, `${booked} ${thanks}, ${we}.`, `${booked} Thanks, ${we}.`]);
}

function noTimeReply(ctx: TurnContext, opening: string): string[] {
  return [
    `${opening} Someone from ${gsm(ctx.company.name)} will be in touch to find a time that suits.`,
    `${opening} Someone from the team will be in touch to find a time that suits.`,
  ];
}

type OfferedSlot = RulesState['offered'][number];

const NONE = /\b(none|neither|no good|(can'?t|cannot|can not|couldn'?t|won'?t) (do|make) (any|those|them|either|that|it|these)|(don'?t|doesn'?t|won'?t|wont|dont|doesnt) (work|suit)|not (good|suitable|great)|(other|another|different) (times?|days?|options?)|anything (else|later|earlier))\b|^(no|nope|nah|nup)( (thanks|thank you|sorry|mate|ta))*$/;
const PICK_FILLER = new Set([
  'please', 'pls', 'plz', 'thanks', 'thank', 'you', 'ta', 'cheers', 'mate', 'ok', 'okay', 'yes', 'yeah', 'yep', 'yup', 'sure',
  'the', 'one', 'option', 'number', 'num', 'slot', 'time', 'take', "i'll", 'ill', 'i', 'will', 'book', 'lets', "let's",
  'do', 'go', 'with', 'works', 'work', 'is', 'good', 'sounds', 'fine', 'suits', 'that', 'for', 'me', 'great', 'perfect', 'choose',
  'pick', "i'd", 'id', 'like', 'have', 'would', 'be', 'can', 'on',
]);
const ORDINAL: Record<string, number> = { first: 1, '1st': 1, second: 2, '2nd': 2, third: 3, '3rd': 3, fourth: 4, '4th': 4, two: 2, three: 3, four: 4 };
const DAYS: [RegExp, string][] = [
  [/\b(mon|monday)\b/, 'Mon'], [/\b(tue|tues|tuesday)\b/, 'Tue'], [/\b(wed|weds|wednesday)\b/, 'Wed'],
  [/\b(thu|thur|thurs|thursday)\b/, 'Thu'], [/\b(fri|friday)\b/, 'Fri'], [/\b(sat|saturday)\b/, 'Sat'], [/\b(sun|sunday)\b/, 'Sun'],
];
const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*';
// "the 9th", "9 Dec", "Dec 9": a day of the month, which is not a time.
const DAY_OF_MONTH = new RegExp(String.raw`\b(\d{1,2})(?:st|nd|rd|th)\b(?:\s+(?:of\s+)?${MONTH})?|\b(\d{1,2})\s+${MONTH}\b|\b${MONTH}\s+(\d{1,2})\b(?![:.]\d)`);
const CLOCK = /\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.?|p\.m\.?)?(?![\d:])/;

/**
 * Which offered slot a reply picks: by number or ordinal ("2", "the first one"), or by what it says
 * of the day and time ("tuesday 10", "2pm", "wed arvo", "tomorrow"), when that fits exactly one;
 * 'none' for "none of those work". A reply that both picks (or names a number) and refuses picks nothing: it is asked again.
 */
export function readPick(text: string, offered: readonly OfferedSlot[], ctx: Pick<TurnContext, 'company' | 'now'>): OfferedSlot | 'none' | undefined {
  if (!offered.length) return undefined;
  const t = normalise(text).replace(/#/g, ' ').replace(/\bno\.?\s*(?=\d)/g, 'number ');
  const none = NONE.test(words(t).join(' '));
  const pick = pickOf(t, offered, ctx);
  // "1 doesn't work" refuses one of them, not all: asked again, the lead can pick another.
  if (none) return pick || /\b\d/.test(t) ? undefined : 'none';
  return pick;
}

function pickOf(t: string, offered: readonly OfferedSlot[], ctx: Pick<TurnContext, 'company' | 'now'>): OfferedSlot | undefined {
  const tokens = words(t);
  const rest = tokens.filter((w) => !PICK_FILLER.has(w));
  if (rest.length <= 1) {
    const w = rest[0] ?? (tokens.includes('one') ? '1' : '');
    const n = /^\d$/.test(w) ? Number(w) : w === 'last' ? offered.length : ORDINAL[w];
    if (n && offered[n - 1]) return offered[n - 1];
  }
  if (offered.length === 1) {
    const yes = understand('yes_no', t);
    if (yes.ok && yes.value) return offered[0];
  }
  const tz = ctx.company.timezone;
  const day = DAYS.find(([re]) => re.test(t))?.[1];
  const relative = /\b(today|this (morning|arvo|afternoon))\b/.test(t) ? 0 : /\b(tomorrow|tmrw|tmr|tomoz)\b/.test(t) ? 1 : undefined;
  const date = relative === undefined ? undefined : addDays(dateIn(ctx.now.getTime(), tz), relative);
  const dom = DAY_OF_MONTH.exec(t);
  const dayOfMonth = dom ? Number(dom[1] ?? dom[2] ?? dom[3]) : undefined;
  const clock = CLOCK.exec(dom ? t.replace(dom[0], ' ') : t);
  let hour: number | undefined;
  let minute: number | undefined;
  // A bare number is a time only where it reads as one ("at 10", "tuesday 10"), not inside a sentence.
  if (clock && (day || date || dayOfMonth || clock[2] || clock[3] || rest.length <= 2)) {
    hour = Number(clock[1]);
    minute = clock[2] === undefined ? undefined : Number(clock[2]);
    const meridiem = clock[3]?.[0];
    if (meridiem === 'p' && hour < 12) hour += 12;
    else if (meridiem === 'a' && hour === 12) hour = 0;
    else if (!meridiem && hour >= 1 && hour <= 6) hour += 12; // nobody books a tradie at 3 am
    if (hour > 23 || (minute ?? 0) > 59) hour = undefined;
  }
  const part = /\b(morning)\b/.test(t) ? 'am' : /\b(afternoon|arvo)\b/.test(t) ? 'pm' : undefined;
  if (!day && !date && !dayOfMonth && hour === undefined && !part) return undefined;
  const matches = offered.filter((o) => {
    const at = new Date(o.start).getTime();
    const w = wallTimeAt(at, tz);
    if (day && formatSlot(at, tz).split(' ')[0] !== day) return false;
    if (date && dateIn(at, tz) !== date) return false;
    if (dayOfMonth && w.day !== dayOfMonth) return false;
    if (hour !== undefined && (w.hour !== hour || (minute !== undefined && w.minute !== minute))) return false;
    if (part && (part === 'am') !== w.hour < 12) return false;
    return true;
  });
  if (matches.length === 1) return matches[0];
  // "2pm" against 14:00 and 14:30: the hour itself.
  const onTheHour = minute === undefined && hour !== undefined ? matches.filter((o) => wallTimeAt(new Date(o.start).getTime(), tz).minute === 0) : [];
  return onTheHour.length === 1 ? onTheHour[0] : undefined;
}

// ---------------------------------------------------------------------------------------------------
// After a booking, hand-offs and replies.

// What a lead says to a confirmation that needs no answer.
const ACKNOWLEDGEMENTS = [
  'thank you', 'thank u', 'thanks', 'thx', 'ty', 'ta', 'cheers', 'ok', 'okay', 'k', 'kk', 'great', 'perfect', 'awesome', 'sweet as',
  'sweet', 'sounds good', 'see you then', 'see you', 'will do', 'no worries', 'all good', 'legend', 'cool', 'lovely', 'beauty',
  'mate', 'so much', 'heaps', 'again', 'guys', 'appreciate it', 'much appreciated', 'good', 'excellent', 'brilliant', 'got it',
  'yes', 'yep', 'yeah', 'sure', 'nice', 'too easy', 'champion', 'then',
].sort((a, b) => b.length - a.length);

function isAcknowledgement(text: string): boolean {
  let rest = ` ${words(normalise(text.replace(/👍|🙏|😊|🙂|👌|❤️?/gu, ' thanks '))).join(' ')} `;
  for (const phrase of ACKNOWLEDGEMENTS) while (rest.includes(` ${phrase} `)) rest = rest.replace(` ${phrase} `, ' ');
  return !rest.trim();
}

async function afterBooking(turn: Turn): Promise<RulesTurnResult> {
  const { ctx, state, texts } = turn;
  const acknowledgements = texts.filter(isAcknowledgement);
  if (acknowledgements.length === texts.length) return done(state);
  const name = firstName(ctx);
  return handOff(turn, `A message after the booking: "${excerpt(texts.join(' '))}"`, [
    `Thanks${name ? ` ${name}` : ''}, the team at ${gsm(ctx.company.name)} will see your message and get back to you.`,
    `Thanks${name ? ` ${name}` : ''}, the team will see your message and get back to you.`,
    'Thanks, the team will see your message and get back to you.',
  ]);
}

export function handoffKeyword(text: string, keywords: readonly string[]): string | undefined {
  const t = ` ${words(normalise(text)).join(' ')} `;
  return [...keywords, ...BUILT_IN_HANDOFF].find((k) => {
    const key = words(normalise(k)).join(' ');
    return key && t.includes(` ${key} `);
  });
}

function holdingReply(ctx: TurnContext): string[] {
  const name = firstName(ctx);
  const thanks = `Thanks${name ? ` ${name}` : ''}`;
  return [`${thanks}, someone from ${gsm(ctx.company.name)} will be in touch shortly.`, `${thanks}, someone from the team will be in touch shortly.`, 'Thanks, someone from the team will be in touch shortly.'];
}

/** The turn's one reply, then the hand-off (the reply first: once handed off, the agent is paused). */
async function handOff(turn: Turn, reason: string, text: string[]): Promise<RulesTurnResult> {
  const sent = await send(turn, text);
  return pause(turn, sent ? reason : `${reason}; the reply was refused`);
}

/** The turn's one reply; a refused one (out of credits, opted out) means a person has to take over. */
async function reply(turn: Turn, text: string[]): Promise<RulesTurnResult> {
  return (await send(turn, text)) ? done(turn.state) : pause(turn, 'The agent could not send its reply');
}

async function pause(turn: Turn, reason: string): Promise<RulesTurnResult> {
  turn.state.stage = 'handed_off';
  turn.state.handoff_reason = clip(reason, 500);
  await turn.run({ tool: 'hand_off', args: { reason: turn.state.handoff_reason } });
  return { outcome: 'handed_off', qualification: turn.state };
}

async function send(turn: Turn, candidates: string[]): Promise<boolean> {
  const call: ToolCall = { tool: 'send_reply', args: { text: fitSms(candidates) } };
  return (await turn.run(call)).ok;
}

function done(state: RulesState): RulesTurnResult {
  return { outcome: 'done', qualification: state };
}

// ---------------------------------------------------------------------------------------------------
// Wording helpers.

function greetings(ctx: TurnContext): string[] {
  const name = firstName(ctx);
  const hi = name ? `Hi ${name}` : 'Hi';
  return [`${hi}, thanks for contacting ${gsm(ctx.company.name)}.`, `${hi}, thanks for getting in touch.`, 'Hi, thanks for getting in touch.'];
}

function firstName(ctx: TurnContext): string {
  const name = gsm(ctx.lead.firstName ?? '').trim();
  return name.length <= 20 && !/[\d@/:]/.test(name) ? name : '';
}

/** "1 for a, 2 for b or 3 for c". */
function numbered(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function splitAt(formatted: string): [string, string] {
  const i = formatted.lastIndexOf(' ');
  return [formatted.slice(0, i), formatted.slice(i + 1)];
}

function label(key: string): string {
  const s = key.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function display(q: ScriptQuestion, value: string | number | boolean): string {
  if (q.kind === 'timeframe' && Object.hasOwn(TIMEFRAME_LABELS, String(value))) return TIMEFRAME_LABELS[value as Timeframe];
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

function excerpt(text: string): string {
  return clip(text.replace(/\s+/g, ' '), 200);
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 3).join('')}...`;
}

// Typographic punctuation would switch the whole SMS to UCS-2 (70 characters a segment, not 160).
function gsm(text: string): string {
  return text
    .replace(/[’‘`´]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[–—−]/g, '-')
    .replace(/…/g, '...')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The first candidate within 2 segments; failing all, the last cut at a word until it fits. */
export function fitSms(candidates: string[]): string {
  const texts = candidates.map(gsm).filter(Boolean);
  const fitting = texts.find((t) => countSegments(t).segments <= SMS_MAX_SEGMENTS);
  if (fitting) return fitting;
  let words = (texts.at(-1) ?? '').split(' ');
  while (words.length > 1 && countSegments(`${words.join(' ')}...`).segments > SMS_MAX_SEGMENTS) words = words.slice(0, -1);
  let cut = `${words.join(' ')}...`;
  while (countSegments(cut).segments > SMS_MAX_SEGMENTS) cut = `${[...cut].slice(0, -4).join('')}...`;
  return cut;
}
