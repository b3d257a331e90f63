import { z } from 'zod';
import { BOOKABLE_TYPES, type Slot } from './slots.js';
import type { AnswerKind } from './understand.js';

/**
 * The agent's only ways to act (issue 14), the same for both engines: the `rules` engine decides
 * them itself, the `llm` engine's model calls them as functions (their JSON Schema parameters come
 * from these Zod schemas). The turn runner validates and carries out each call; a refusal goes back
 * to the engine as the tool's result.
 */
export const TOOL_NAMES = ['send_reply', 'set_score', 'book_appointment', 'draft_quote', 'hand_off'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export const AI_STATUSES = ['hot', 'warm', 'cold'] as const;

export const toolArguments = {
  send_reply: z.strictObject({
    text: z.string().min(1).describe('The SMS to send to the lead: at most 2 segments, no link or phone number but the company’s own'),
  }),
  set_score: z.strictObject({
    score: z.number().int().min(0).max(100).describe('How likely the lead is to become a job, 0–100'),
    status: z.enum(AI_STATUSES).describe('hot (ready to book or buy), warm (interested), cold (unlikely)'),
    reason: z.string().min(1).max(500).describe('Why, in one sentence, for the business'),
    summary: z.string().max(1000).optional().describe('What the job is, in a few lines, for the business'),
  }),
  book_appointment: z.strictObject({
    type: z.enum(BOOKABLE_TYPES).describe('callback (a phone call) or onsite (a visit to the property)'),
    start_time: z.string().describe('ISO 8601 start: exactly one of the free slots listed in the prompt'),
  }),
  draft_quote: z.strictObject({
    items: z
      .array(z.strictObject({ price_book_item_id: z.string(), quantity: z.number().positive().max(100_000) }))
      .min(1)
      .max(50)
      .describe('Lines from the price book; the server prices them'),
    notes: z.string().max(2000).optional(),
  }),
  hand_off: z.strictObject({
    reason: z.string().min(1).max(500).describe('Why a person should take over'),
  }),
} satisfies Record<ToolName, z.ZodType>;

export type ToolCall = { [K in ToolName]: { tool: K; args: z.output<(typeof toolArguments)[K]> } }[ToolName];

/** What carrying out a call gave: `ok: false` is a refusal the engine is told about, in words. */
export type ToolResult = { ok: true; result: string } | { ok: false; error: string };

/** Carries out one call (validated by the turn runner, with its side effects keyed so a retried turn repeats none). */
export type ToolRunner = (call: ToolCall) => Promise<ToolResult>;

/** A question of the company's script (`rules.questions`). */
export type ScriptQuestion = { key: string; ask: string; kind: AnswerKind; choices?: string[] };

/** What an engine is given for one turn: everything it may know, nothing it may change directly. */
export type TurnContext = {
  company: { name: string; timezone: string; phone: string | null };
  settings: {
    instructions: string;
    goals: ('callback' | 'onsite' | 'quote')[];
    questions: ScriptQuestion[];
    weights: Record<string, number>;
    servicePostcodes: string[];
    handoffKeywords: string[];
  };
  lead: {
    id: string;
    name: string | null;
    firstName: string | null;
    phone: string | null;
    postcode: string | null;
    serviceType: string | null;
    notes: string | null;
    qualification: Record<string, unknown>;
  };
  /** The latest messages of the thread (the most recent 30), oldest first. */
  thread: { direction: 'inbound' | 'outbound'; body: string; at: Date; sender: string }[];
  /** The new inbound texts this turn answers (empty for the greeting of a new lead). */
  inbound: string[];
  /** The free slots of the coming days, per appointment type. */
  freeSlots: Record<(typeof BOOKABLE_TYPES)[number], Slot[]>;
  /** The price book, for draft_quote. */
  priceBook: { id: string; name: string; unit: string; unitPrice: number }[];
  now: Date;
};
