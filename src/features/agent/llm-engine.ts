import type { Config } from '../../config.js';
import OpenAI from 'openai';
import { z } from 'zod';
import { systemPrompt, turnMessage } from './llm-prompt.js';
import { TOOL_NAMES, toolArguments, type ToolCall, type ToolName, type ToolRunner, type TurnContext } from './tools.js';

// The `llm` engine (issue 14): any OpenAI-compatible Chat Completions endpoint, acting only through
// the five tools. The model proposes calls; each is parsed and validated here and carried out by the
// runner, and whatever happens (a result, a refusal, malformed arguments) goes back to the model as
// the tool's result, until it answers without a tool call or a limit ends the turn.

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ModelToolCall = OpenAI.Chat.Completions.ChatCompletionMessageToolCall;

export type LlmUsage = { promptTokens: number; completionTokens: number; totalTokens: number };

export type LlmTurn = {
  /** `done`: the model ended the turn; otherwise the caller sends the holding reply. */
  outcome: 'done' | 'round_trip_limit' | 'time_limit' | 'model_failed';
  /** Summed over the turn's round trips (what the responses' `usage` said). */
  usage: LlmUsage;
  /** The messages sent and received, in order: the turn's record for the business (JSON). */
  transcript: Message[];
  /** How many tool calls were carried out by the runner (refused before it, not counted). */
  calls: number;
  error?: string;
};

export type LlmEngine = {
  /** Rejects with the signal's reason when `o.signal` aborts (a worker stopping), and with whatever the runner throws. */
  runTurn(ctx: TurnContext, run: ToolRunner, o?: { signal?: AbortSignal }): Promise<LlmTurn>;
};

export type LlmEngineOptions = {
  baseUrl: string;
  apiKey: string;
  model: string;
  /** One model request (AI_TIMEOUT_MS); a request that takes longer is a failure, and retried. */
  timeoutMs: number;
  /** The whole turn, model and tools: 20 s (issue 14). */
  turnTimeoutMs?: number;
  /** The wait before retry n (1…3) of a failed model request. */
  backoffMs?: (retry: number) => number;
};

/** Model round trips per turn (issue 14): a model that keeps calling tools is stopped, not paid for. */
export const MAX_ROUND_TRIPS = 4;
export const TURN_TIMEOUT_MS = 20_000;
/** Retries of one failed model request (timeout, 5xx, 429, connection refused) before the turn gives up. */
export const MAX_RETRIES = 3;

// Jittered, so workers that all failed at once do not all come back at once.
const defaultBackoff = (retry: number) => 250 * 2 ** (retry - 1) * (0.75 + Math.random() / 2);

const DESCRIPTIONS: Record<ToolName, string> = {
  send_reply: 'Send an SMS to the lead: plain text, at most 2 SMS segments, no link or phone number but the business’s own.',
  set_score: 'Record how likely the lead is to become a job, its status and why, for the business.',
  book_appointment: 'Book a callback or an on-site visit at one of the free slots listed in the prompt, with its start_time exactly as listed. One booking per turn.',
  draft_quote: 'Draft a quote from price book items, for a person at the business to check and send; the server prices it.',
  hand_off: 'Pause the agent for this lead and ask a person at the business to take over.',
};

function toolDefinitions(): OpenAI.Chat.Completions.ChatCompletionFunctionTool[] {
  return TOOL_NAMES.map((name) => {
    // `$schema` says nothing to a model, and some OpenAI-compatible servers refuse keys they do not know.
    const { $schema: _, ...parameters } = z.toJSONSchema(toolArguments[name], { io: 'input' });
    return { type: 'function', function: { name, description: DESCRIPTIONS[name], parameters } };
  });
}

const isToolName = (name: string): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name);

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'arguments'}: ${i.message}`).join('; ');
}

/** A model's tool call as the runner takes it, or the refusal to give the model instead. */
function parseCall(toolCall: ModelToolCall): { call: ToolCall } | { refusal: string } {
  const name = toolCall.type === 'function' ? toolCall.function?.name : toolCall.custom?.name;
  if (toolCall.type !== 'function' || typeof name !== 'string' || !isToolName(name)) {
    return { refusal: `Refused: there is no tool named ${JSON.stringify(name)}. The tools are ${TOOL_NAMES.join(', ')}.` };
  }
  const raw: unknown = toolCall.function.arguments;
  let args: unknown;
  try {
    // Some servers send "" for a call without arguments, or an object rather than its JSON; the schema judges either.
    args = typeof raw !== 'string' ? raw : raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (e) {
    return { refusal: `Refused: the arguments were not valid JSON (${(e as Error).message}). Call ${name} again with its arguments as one JSON object.` };
  }
  const parsed = toolArguments[name].safeParse(args);
  if (!parsed.success) return { refusal: `Refused: invalid arguments for ${name}: ${describeIssues(parsed.error)}.` };
  return { call: { tool: name, args: parsed.data } as ToolCall };
}

type Failure = { kind: 'failed' | 'aborted'; error: string };

function describeFailure(e: unknown): { retry: boolean; error: string } {
  if (e instanceof OpenAI.APIConnectionTimeoutError) return { retry: true, error: 'the model did not answer in time' };
  if (e instanceof OpenAI.APIConnectionError) return { retry: true, error: `could not reach the model: ${e.message}` };
  if (e instanceof OpenAI.APIError) {
    const status = e.status ?? 0;
    // 408 and 429 pass; 5xx are the endpoint's own trouble. Any other 4xx (a wrong key, an unknown model) stays wrong.
    return { retry: status === 408 || status === 429 || status >= 500, error: `the model answered ${status || 'an error'}: ${e.message}` };
  }
  return { retry: true, error: `the model's answer could not be read: ${(e as Error)?.message ?? String(e)}` };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function createLlmEngine(options: LlmEngineOptions): LlmEngine {
  // Our own retries, not the package's: its backoff is not ours to shorten, and a retry must stop at the turn's deadline.
  const client = new OpenAI({ baseURL: options.baseUrl, apiKey: options.apiKey, timeout: options.timeoutMs, maxRetries: 0 });
  const tools = toolDefinitions();
  const turnTimeoutMs = options.turnTimeoutMs ?? TURN_TIMEOUT_MS;
  const backoff = options.backoffMs ?? defaultBackoff;

  async function complete(messages: Message[], signal: AbortSignal): Promise<OpenAI.Chat.Completions.ChatCompletion | Failure> {
    let last = '';
    for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
      if (attempt > 0) await sleep(backoff(attempt), signal);
      if (signal.aborted) return { kind: 'aborted', error: last };
      try {
        const response = await client.chat.completions.create({ model: options.model, messages, tools, tool_choice: 'auto' }, { signal });
        if (!response?.choices?.[0]?.message) throw new Error('no message in the response');
        return response;
      } catch (e) {
        if (signal.aborted) return { kind: 'aborted', error: last };
        const failure = describeFailure(e);
        last = failure.error;
        if (!failure.retry) break;
      }
    }
    return { kind: 'failed', error: last };
  }

  return {
    async runTurn(ctx, run, o = {}) {
      const deadline = AbortSignal.timeout(turnTimeoutMs);
      const signal = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
      const transcript: Message[] = [
        { role: 'system', content: systemPrompt(ctx, { maxRoundTrips: MAX_ROUND_TRIPS }) },
        { role: 'user', content: turnMessage(ctx) },
      ];
      const usage: LlmUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      let calls = 0;
      const end = (outcome: LlmTurn['outcome'], error?: string): LlmTurn => {
        if (o.signal?.aborted) throw o.signal.reason;
        return { outcome, usage, transcript, calls, ...(error ? { error } : {}) };
      };

      for (let roundTrip = 1; ; roundTrip++) {
        const response = await complete(transcript, signal);
        if ('kind' in response) {
          if (response.kind === 'aborted') {
            return end('time_limit', `the turn took longer than ${turnTimeoutMs} ms${response.error ? ` (the model was failing: ${response.error})` : ''}`);
          }
          return end('model_failed', response.error);
        }
        usage.promptTokens += response.usage?.prompt_tokens ?? 0;
        usage.completionTokens += response.usage?.completion_tokens ?? 0;
        usage.totalTokens += response.usage?.total_tokens ?? 0;

        const message = response.choices[0].message;
        const toolCalls = message.tool_calls ?? [];
        transcript.push({ role: 'assistant', content: message.content ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) });
        if (!toolCalls.length) return end('done');
        // The model could never read these calls' results, so none is carried out: the holding reply covers the lead.
        if (roundTrip === MAX_ROUND_TRIPS) return end('round_trip_limit', `the model still called tools after ${MAX_ROUND_TRIPS} round trips`);

        for (const toolCall of toolCalls) {
          // A call already started finishes (its side effects are the runner's), but none starts after the deadline.
          if (signal.aborted) return end('time_limit', `the turn took longer than ${turnTimeoutMs} ms`);
          const parsed = parseCall(toolCall);
          let content: string;
          if ('refusal' in parsed) {
            content = parsed.refusal;
          } else {
            calls++;
            const result = await run(parsed.call);
            content = result.ok ? result.result : `Refused: ${result.error}`;
          }
          transcript.push({ role: 'tool', tool_call_id: toolCall.id, content });
        }
      }
    },
  };
}

/** The platform's model (AI_BASE_URL, AI_API_KEY, AI_MODEL, AI_TIMEOUT_MS), or null when it has none. */
export function llmEngineOf(config: Pick<Config, 'aiBaseUrl' | 'aiApiKey' | 'aiModel' | 'aiTimeoutMs'>): LlmEngine | null {
  if (!config.aiBaseUrl || !config.aiModel) return null;
  // A local model (Ollama, llama.cpp) takes no key, but the client insists on one (and would read
  // OPENAI_API_KEY from the environment): it gets a placeholder, sent as a Bearer nobody checks.
  return createLlmEngine({ baseUrl: config.aiBaseUrl, apiKey: config.aiApiKey || 'no-key', model: config.aiModel, timeoutMs: config.aiTimeoutMs });
}
