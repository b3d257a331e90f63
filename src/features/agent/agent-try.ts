import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { isUuid } from '../../lib/ids.js';
import { NotFoundError } from '../../lib/errors.js';
import { findCompany } from '../companies/companies.repo.js';
import { findPriceBookItem } from '../price-book/price-book.repo.js';
import type { AgentSettingsService } from './agent-settings.service.js';
import { replyProblem } from './agent-tools.js';
import { engineSettingsOf, scheduleOf, whatTheAgentOffers } from './agent-turn.js';
import type { LlmEngine } from './llm-engine.js';
import { runRulesTurn } from './rules-engine.js';
import { checkSlot, type Slot } from './slots.js';
import { toolArguments, type ToolCall, type ToolResult, type TurnContext } from './tools.js';

const MAX_TEXT = 1600;

/** POST /v1/agent/try and `quoteleads agent try`: a customer's text, and the conversation so far. */
export const tryBody = z.object({
  text: z.string().min(1, 'must not be empty').max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`).meta({ description: 'What the customer texts' }),
  name: z.string().max(100).optional().meta({ description: "The pretend customer's name (default Sam Sample)" }),
  state: z
    .object({
      qualification: z.record(z.string(), z.unknown()).default({}),
      thread: z
        .array(z.object({ direction: z.enum(['inbound', 'outbound']), body: z.string().max(MAX_TEXT) }))
        .max(30)
        .default([]),
    })
    .optional()
    .meta({ description: 'The `state` of the previous answer, to go on with the same conversation' }),
});
export type TryInput = z.output<typeof tryBody>;

const tryAction = z.object({ tool: z.string(), args: z.unknown(), ok: z.boolean(), result: z.string() });
export const tryAnswer = z.object({
  data: z.object({
    engine: z.enum(['rules', 'llm']),
    replies: z.array(z.string()).meta({ description: 'What the agent would text back' }),
    actions: z.array(tryAction).meta({ description: 'Every tool call, with what the server would answer it' }),
    state: z.object({
      qualification: z.record(z.string(), z.unknown()),
      thread: z.array(z.object({ direction: z.enum(['inbound', 'outbound']), body: z.string() })),
    }),
  }),
});
export type TryAnswer = z.output<typeof tryAnswer>['data'];

/**
 * The agent's "try it" console: a text as a customer would send it, answered by the company's own
 * settings, engine, free slots and price book, with nothing sent, booked or stored. The same checks
 * as a real turn; what a tool would do is only described.
 */
export function createAgentTry(deps: { db: Db; clock: Clock; agentSettings: AgentSettingsService; llm: LlmEngine | null; publicUrl: string }) {
  const { db, clock } = deps;

  async function tryTurn(companyId: string, input: TryInput): Promise<TryAnswer> {
    const company = isUuid(companyId) ? await findCompany(db, companyId) : undefined;
    if (!company) throw new NotFoundError(`Company not found: ${companyId}`);
    const settings = await deps.agentSettings.get(companyId);
    const now = new Date(clock.now());
    const schedule = scheduleOf(settings);
    const offer = await whatTheAgentOffers(db, company, schedule, now);
    const name = input.name?.trim() || 'Sam Sample';
    const state = input.state ?? { qualification: {}, thread: [] };
    const ctx: TurnContext = {
      company: { name: company.name, timezone: company.timezone, phone: company.twilioNumber },
      settings: engineSettingsOf(settings),
      lead: { id: 'try', name, firstName: name.split(/\s+/)[0], phone: null, postcode: null, serviceType: null, notes: null, qualification: state.qualification },
      thread: state.thread.map((m) => ({ ...m, at: now, sender: m.direction === 'inbound' ? 'lead' : 'agent' })),
      inbound: [input.text],
      ...offer,
      now,
    };
    const replies: string[] = [];
    const actions: TryAnswer['actions'] = [];
    const slotsOf = (type: 'callback' | 'onsite'): Slot[] => offer.freeSlots[type];
    const run = async (call: ToolCall): Promise<ToolResult> => {
      const answer = await judge(call);
      actions.push({ tool: call.tool, args: call.args, ok: answer.ok, result: answer.ok ? answer.result : answer.error });
      return answer;
    };
    async function judge(call: ToolCall): Promise<ToolResult> {
      if (!Object.hasOwn(toolArguments, call.tool)) return { ok: false, error: `no such tool: ${String(call.tool)}` };
      const parsed = toolArguments[call.tool].safeParse(call.args);
      if (!parsed.success) return { ok: false, error: `invalid arguments: ${parsed.error.issues.map((i) => i.message).join('; ')}` };
      const c = { tool: call.tool, args: parsed.data } as ToolCall;
      switch (c.tool) {
        case 'send_reply': {
          if (replies.length > 0) return { ok: false, error: 'one reply a turn' };
          const problem = replyProblem(c.args.text, { ownNumbers: [company!.twilioNumber].filter((n): n is string => !!n), country: company!.country, quoteLinkPrefix: `${deps.publicUrl}/q/` });
          if (problem) return { ok: false, error: problem };
          replies.push(c.args.text.trim());
          return { ok: true, result: 'would send' };
        }
        case 'book_appointment': {
          const start = Date.parse(c.args.start_time);
          const free = slotsOf(c.args.type).some((s) => s.start.getTime() === start);
          if (!free) {
            const check = Number.isNaN(start) ? null : checkSlot({ timezone: company!.timezone, schedule, type: c.args.type, now: now.getTime(), busy: [] }, start);
            return { ok: false, error: `that time is not free${check && !check.ok ? ` (${check.reason})` : ''}` };
          }
          return { ok: true, result: `would book: ${c.args.type} at ${c.args.start_time}` };
        }
        case 'draft_quote': {
          for (const i of c.args.items) {
            if (!isUuid(i.price_book_item_id) || !(await findPriceBookItem(db, companyId, i.price_book_item_id))) {
              return { ok: false, error: `no price book item ${i.price_book_item_id}` };
            }
          }
          return { ok: true, result: 'would draft a quote for a person to check' };
        }
        case 'set_score':
          return { ok: true, result: `would score ${c.args.score} (${c.args.status})` };
        case 'hand_off':
          return { ok: true, result: 'would hand off to a person' };
      }
    }

    let qualification = state.qualification;
    const engine = settings.engine === 'llm' && deps.llm ? 'llm' : 'rules';
    if (engine === 'llm') await deps.llm!.runTurn(ctx, run);
    else qualification = (await runRulesTurn(ctx, run)).qualification as Record<string, unknown>;
    const thread = [...state.thread, { direction: 'inbound' as const, body: input.text }, ...replies.map((body) => ({ direction: 'outbound' as const, body }))].slice(-30);
    return { engine, replies, actions, state: { qualification, thread } };
  }

  return { tryTurn };
}

export type AgentTry = ReturnType<typeof createAgentTry>;
