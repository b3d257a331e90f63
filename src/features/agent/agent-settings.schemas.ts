import { z } from 'zod';
import { calendarDate, minutesOfDay, timeOfDay, timestamp } from '../../http/schema-fields.js';

// The lead agent's settings (issue 14): one schema for PATCH /v1/agent, `quoteleads agent update`
// and the answer, and the defaults a company has before its first change.

export const AGENT_ENGINES = ['rules', 'llm'] as const;
export const AGENT_GOALS = ['callback', 'onsite', 'quote'] as const;
export const QUESTION_KINDS = ['postcode', 'timeframe', 'yes_no', 'choice', 'number', 'text'] as const;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const MAX_INSTRUCTIONS = 4000;
const MAX_QUESTIONS = 20;
const MAX_POSTCODES = 1000;

/** A list without repeats, in first-seen order (compared by `keyOf`). */
const unique = <T>(keyOf: (v: T) => string = String) => (list: T[]) => {
  const seen = new Set<string>();
  return list.filter((v) => !seen.has(keyOf(v)) && seen.add(keyOf(v)));
};

const question = z.object({
  key: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must have keys of lower-case letters, digits and _ (up to 40), starting with a letter')
    .meta({ example: 'postcode' }),
  ask: z.string().trim().min(1, 'must have a non-empty ask for every question').max(320, 'must have asks of at most 320 characters'),
  kind: z.enum(QUESTION_KINDS, `must have kinds among: ${QUESTION_KINDS.join(', ')}`),
  choices: z
    .array(z.string().trim().min(1, 'must have non-empty choices').max(100, 'must have choices of at most 100 characters'))
    .min(2, 'must give at least 2 choices to a choice question')
    .max(10, 'must give at most 10 choices to a question')
    .optional()
    .meta({ description: 'The answers a `choice` question accepts (2 to 10); only for kind choice' }),
});
export type AgentQuestion = z.output<typeof question>;

const rules = z
  .object(
    {
      questions: z
        .array(question)
        .min(1, 'must have at least 1 question')
        .max(MAX_QUESTIONS, `must have at most ${MAX_QUESTIONS} questions`),
      weights: z
        .record(z.string(), z.number().int('must have whole-number weights').min(0, 'must have weights from 0 to 100').max(100, 'must have weights from 0 to 100'))
        .default({})
        .meta({ description: 'Points (0–100) a favourable answer to the question of that key adds to the score; the score is capped at 100' }),
    },
    'must be {"questions": [...], "weights": {...}}',
  )
  .superRefine((r, ctx) => {
    const keys = new Set<string>();
    r.questions.forEach((q, i) => {
      if (keys.has(q.key)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'key'], message: `must not repeat the question key '${q.key}'` });
      keys.add(q.key);
      if (q.kind === 'choice' && !q.choices) {
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'choices'], message: `must give choices to the choice question '${q.key}'` });
      }
      if (q.kind !== 'choice' && q.choices) {
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'choices'], message: `must give choices only to choice questions ('${q.key}' is ${q.kind})` });
      }
    });
    for (const key of Object.keys(r.weights)) {
      if (!keys.has(key)) ctx.addIssue({ code: 'custom', path: ['weights', key], message: `must weigh only keys of its questions ('${key}' is none)` });
    }
  })
  .meta({ description: 'The script the rules engine asks in order, and the weights of the score' });
export type AgentRules = z.output<typeof rules>;

// "2000" or "2000-2234": digits, a range's ends of one length and in order.
const POSTCODE_ENTRY = /^(\d{3,10})(?:-(\d{3,10}))?$/;
const postcodeEntry = z
  .string()
  .trim()
  .refine((v) => {
    const m = POSTCODE_ENTRY.exec(v);
    return !!m && (!m[2] || (m[1].length === m[2].length && m[1] <= m[2]));
  }, 'must list postcodes ("2560") or ranges of one length, low to high ("2000-2234")');

const interval = z
  .tuple([timeOfDay, timeOfDay], 'must give each span as ["HH:MM", "HH:MM"]')
  // Written as "not after" so that a time already refused (NaN) adds no second complaint.
  .refine(([start, end]) => !(minutesOfDay(start) >= minutesOfDay(end)), 'must give each span an end after its start');
const dayHours = z
  .array(interval, 'must give each day a list of ["HH:MM", "HH:MM"] spans ([] when closed)')
  .max(4, 'must give at most 4 spans a day')
  .transform((spans) => [...spans].sort((a, b) => minutesOfDay(a[0]) - minutesOfDay(b[0])))
  .refine((spans) => spans.every((s, i) => i === 0 || !(minutesOfDay(spans[i - 1][1]) > minutesOfDay(s[0]))), 'must not overlap the spans of one day');

const weekdayShape = <T extends z.ZodType>(day: T) => Object.fromEntries(WEEKDAYS.map((d) => [d, day])) as Record<Weekday, T>;

const minutes = (min: number, max: number) =>
  z.number().int('must be a whole number of minutes').min(min, `must be from ${min} to ${max} minutes`).max(max, `must be from ${min} to ${max} minutes`);

/** Every field a PATCH may send; only those sent change. */
export const agentSettingsPatch = z.object({
  enabled: z.boolean('must be true or false').meta({ description: 'Whether the agent answers leads (default false)' }),
  engine: z.enum(AGENT_ENGINES, 'must be rules or llm').meta({ description: '`rules` (built in), or `llm` when the platform has AI_BASE_URL' }),
  instructions: z
    .string('must be a string')
    .trim()
    .max(MAX_INSTRUCTIONS, `must be at most ${MAX_INSTRUCTIONS} characters`)
    .meta({ description: 'The business in its own words: services, area, prices it quotes by phone' }),
  goals: z
    .array(z.enum(AGENT_GOALS, `must list goals among: ${AGENT_GOALS.join(', ')}`), 'must be a list of goals')
    .max(10, 'must list each goal once')
    .transform(unique())
    .meta({ description: 'What the agent works towards: a callback, an onsite visit, a quote' }),
  rules,
  service_postcodes: z
    .array(postcodeEntry, 'must be a list of postcodes and ranges')
    .max(MAX_POSTCODES, `must have at most ${MAX_POSTCODES} entries`)
    .transform(unique())
    .meta({ description: 'The service area, e.g. ["2000-2234", "2560"]; empty: every postcode is in the area', example: ['2000-2234', '2560'] }),
  max_agent_messages_per_lead: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be from 1 to 200')
    .max(200, 'must be from 1 to 200')
    .meta({ description: 'Past this many agent texts to one lead, the agent hands off' }),
  handoff_keywords: z
    .array(z.string().trim().min(1, 'must not hold an empty keyword').max(100, 'must hold keywords of at most 100 characters'), 'must be a list of words')
    .max(50, 'must have at most 50 keywords')
    .transform(unique((k) => k.toLowerCase()))
    .meta({ description: 'A message containing one of these (any case) goes to a person' }),
  business_hours: z
    .object(weekdayShape(dayHours), 'must be {"mon": [["08:00", "17:00"]], …, "sun": []}')
    .partial()
    .meta({ description: "Open spans per weekday in the company's timezone; the days sent replace those days, the others stay" }),
  slot_minutes: z
    .object({ callback: minutes(5, 480), onsite: minutes(15, 720) }, 'must be {"callback": 15, "onsite": 60}')
    .partial()
    .meta({ description: 'The length of a slot per appointment type; the types sent change' }),
  min_notice_minutes: minutes(0, 10_080).meta({ description: 'No slot starts sooner than this from now' }),
  days_ahead: z.number().int('must be a whole number of days').min(1, 'must be from 1 to 60 days').max(60, 'must be from 1 to 60 days').meta({ description: 'How many days ahead slots are offered' }),
  closed_dates: z
    .array(calendarDate('must be a list of dates (YYYY-MM-DD)'), 'must be a list of dates (YYYY-MM-DD)')
    .max(366, 'must have at most 366 dates')
    .transform((dates) => unique<string>()(dates).sort())
    .meta({ description: "Days without slots (public holidays, leave), in the company's timezone", example: ['2026-12-25'] }),
}).partial();
export type AgentSettingsPatch = z.output<typeof agentSettingsPatch>;

const hours = z.array(z.tuple([z.string(), z.string()]));

/** The settings the agent reads (`get`), every field present. */
export const agentSettings = z
  .object({
    enabled: z.boolean(),
    engine: z.enum(AGENT_ENGINES),
    instructions: z.string(),
    goals: z.array(z.enum(AGENT_GOALS)),
    rules: z.object({
      questions: z.array(z.object({ key: z.string(), ask: z.string(), kind: z.enum(QUESTION_KINDS), choices: z.array(z.string()).optional() })),
      weights: z.record(z.string(), z.number()),
    }),
    service_postcodes: z.array(z.string()),
    max_agent_messages_per_lead: z.number().int(),
    handoff_keywords: z.array(z.string()),
    business_hours: z.object(weekdayShape(hours)),
    slot_minutes: z.object({ callback: z.number().int(), onsite: z.number().int() }),
    min_notice_minutes: z.number().int(),
    days_ahead: z.number().int(),
    closed_dates: z.array(z.string()),
  });
export type AgentSettings = z.output<typeof agentSettings>;

/** What GET and PATCH /v1/agent answer: the settings, and what the platform allows. */
export const agentSettingsView = agentSettings
  .extend({
    llm_available: z.boolean().meta({ description: 'Whether the platform has a model (AI_BASE_URL), so that `engine` may be `llm`' }),
    updated_at: timestamp.nullable().meta({ description: 'The last change; null: never changed, every field is the default' }),
  })
  .meta({ id: 'AgentSettings' });
export type AgentSettingsView = z.output<typeof agentSettingsView>;

const weekday: [string, string][] = [['08:00', '17:00']];

/** A company's settings before its first change: off, the rules engine, a five-question script. */
export const DEFAULT_AGENT_SETTINGS: AgentSettings = Object.freeze({
  enabled: false,
  engine: 'rules',
  instructions: '',
  goals: ['callback', 'onsite'],
  rules: {
    questions: [
      { key: 'postcode', ask: "What's the postcode where the job is?", kind: 'postcode' },
      { key: 'job', ask: 'What do you need done?', kind: 'text' },
      { key: 'timeframe', ask: 'When would you like it done? (e.g. ASAP, next week, in a couple of months)', kind: 'timeframe' },
      { key: 'property_type', ask: 'Is it a house, a unit or a commercial property?', kind: 'choice', choices: ['house', 'unit', 'commercial'] },
      { key: 'owner', ask: 'Do you own the property? (yes/no)', kind: 'yes_no' },
    ],
    weights: { postcode: 30, timeframe: 30, owner: 20, job: 10, property_type: 10 },
  },
  service_postcodes: [],
  max_agent_messages_per_lead: 20,
  handoff_keywords: ['human', 'real person', 'manager', 'complaint'],
  business_hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday, sat: [], sun: [] },
  slot_minutes: { callback: 15, onsite: 60 },
  min_notice_minutes: 60,
  days_ahead: 7,
  closed_dates: [],
}) as AgentSettings;
