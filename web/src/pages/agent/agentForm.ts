// The Agent page's form: the settings as the inputs hold them (strings, lists with local ids), and
// back to the PATCH body of only what changed. The server checks every value: a number left empty is
// sent as null so that its 400 names the field, rather than the page guessing a value.
import type { AgentSettingsPatch, AgentSettingsView, Weekday } from '../../../../src/features/agent/agent-settings.schemas';

export type Settings = AgentSettingsView;
export type Goal = Settings['goals'][number];
export type Kind = Settings['rules']['questions'][number]['kind'];
export type Engine = Settings['engine'];
export type SlotType = keyof Settings['slot_minutes'];

// Runtime lists stay here (the server's schema module imports zod); `every` fails to compile if one
// misses a value of the server's type or has one it lacks.
type Every<T> = <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : { missing: Exclude<T, L[number]> })) => L;
const every = <T>(): Every<T> => (list) => list;

export const WEEKDAYS = every<Weekday>()(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export const DAY_NAMES: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
export const GOALS = every<Goal>()(['callback', 'onsite', 'quote']);
export const GOAL_NAMES: Record<Goal, string> = { callback: 'Book a callback', onsite: 'Book an on-site visit', quote: 'Draft a quote' };
export const KINDS = every<Kind>()(['postcode', 'timeframe', 'yes_no', 'choice', 'number', 'text']);
export const KIND_NAMES: Record<Kind, string> = { postcode: 'Postcode', timeframe: 'Timeframe', yes_no: 'Yes or no', choice: 'Choice', number: 'Number', text: 'Free text' };
export const SLOT_TYPES = every<SlotType>()(['callback', 'onsite']);
export const MAX_INSTRUCTIONS = 4000; // agent-settings.schemas.ts: MAX_INSTRUCTIONS

let nextId = 0;
/** A key for React that survives reordering (question keys and times can be edited, so they cannot be it). */
export const localId = () => `row-${++nextId}`;

export type QuestionRow = { id: string; key: string; ask: string; kind: Kind; choices: string; weight: string };
export type Span = { id: string; start: string; end: string };
export type DateRow = { id: string; date: string };

export type AgentForm = {
  enabled: boolean;
  engine: Engine;
  instructions: string;
  goals: Goal[];
  questions: QuestionRow[];
  service_postcodes: string;
  max_agent_messages_per_lead: string;
  handoff_keywords: string;
  business_hours: Record<Weekday, Span[]>;
  slot_minutes: Record<SlotType, string>;
  min_notice_minutes: string;
  days_ahead: string;
  closed_dates: DateRow[];
};

export function toForm(s: Settings): AgentForm {
  return {
    enabled: s.enabled,
    engine: s.engine,
    instructions: s.instructions,
    goals: [...s.goals],
    questions: s.rules.questions.map((q) => ({
      id: localId(),
      key: q.key,
      ask: q.ask,
      kind: q.kind,
      choices: (q.choices ?? []).join(', '),
      weight: s.rules.weights[q.key] === undefined ? '' : String(s.rules.weights[q.key]),
    })),
    service_postcodes: s.service_postcodes.join(', '),
    max_agent_messages_per_lead: String(s.max_agent_messages_per_lead),
    handoff_keywords: s.handoff_keywords.join(', '),
    business_hours: Object.fromEntries(
      WEEKDAYS.map((d) => [d, s.business_hours[d].map(([start, end]) => ({ id: localId(), start, end }))]),
    ) as Record<Weekday, Span[]>,
    slot_minutes: { callback: String(s.slot_minutes.callback), onsite: String(s.slot_minutes.onsite) },
    min_notice_minutes: String(s.min_notice_minutes),
    days_ahead: String(s.days_ahead),
    closed_dates: s.closed_dates.map((date) => ({ id: localId(), date })),
  };
}

/** "2000-2234, 2560" → ["2000-2234", "2560"]: entries are split on commas only, each trimmed. */
export const listOf = (text: string) =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

const numberOf = (text: string): number => (text.trim() === '' ? (null as unknown as number) : Number(text));

function rulesOf(f: AgentForm): Settings['rules'] {
  const weights: Record<string, number> = {};
  for (const q of f.questions) if (q.weight.trim() !== '') weights[q.key] = numberOf(q.weight);
  return {
    questions: f.questions.map((q) => ({
      key: q.key.trim(),
      ask: q.ask,
      kind: q.kind,
      ...(q.kind === 'choice' ? { choices: listOf(q.choices) } : {}),
    })),
    weights,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sortedWeights = (w: Record<string, number>) => Object.fromEntries(Object.entries(w).sort(([a], [b]) => a.localeCompare(b)));

/** The PATCH /v1/agent body of what the form changed from `s`; empty when nothing did. */
export function patchOf(f: AgentForm, s: Settings): AgentSettingsPatch {
  const patch: Record<string, unknown> = {};
  const put = (field: keyof AgentSettingsPatch, value: unknown, was: unknown) => {
    if (!same(value, was)) patch[field] = value;
  };
  put('enabled', f.enabled, s.enabled);
  put('engine', f.engine, s.engine);
  put('instructions', f.instructions, s.instructions);
  put('goals', GOALS.filter((g) => f.goals.includes(g)), GOALS.filter((g) => s.goals.includes(g)));
  const rules = rulesOf(f);
  if (!same(rules.questions, s.rules.questions) || !same(sortedWeights(rules.weights), sortedWeights(s.rules.weights))) patch.rules = rules;
  put('service_postcodes', listOf(f.service_postcodes), s.service_postcodes);
  put('max_agent_messages_per_lead', numberOf(f.max_agent_messages_per_lead), s.max_agent_messages_per_lead);
  put('handoff_keywords', listOf(f.handoff_keywords), s.handoff_keywords);
  // The server replaces only the days and the slot types sent, so only changed ones go.
  const hours: Record<string, [string, string][]> = {};
  for (const d of WEEKDAYS) {
    const spans = f.business_hours[d].map((sp): [string, string] => [sp.start, sp.end]);
    if (!same(spans, s.business_hours[d])) hours[d] = spans;
  }
  if (Object.keys(hours).length) patch.business_hours = hours;
  const slots: Record<string, number> = {};
  for (const t of SLOT_TYPES) if (!same(numberOf(f.slot_minutes[t]), s.slot_minutes[t])) slots[t] = numberOf(f.slot_minutes[t]);
  if (Object.keys(slots).length) patch.slot_minutes = slots;
  put('min_notice_minutes', numberOf(f.min_notice_minutes), s.min_notice_minutes);
  put('days_ahead', numberOf(f.days_ahead), s.days_ahead);
  put('closed_dates', f.closed_dates.map((d) => d.date).filter((d) => d !== ''), s.closed_dates);
  return patch as AgentSettingsPatch;
}
