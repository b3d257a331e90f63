import { randomBytes } from 'node:crypto';
import http from 'node:http';

/**
 * A local stand-in for an OpenAI-compatible Chat Completions endpoint, as documented: POST
 * /v1/chat/completions with a Bearer key and a JSON body (model, messages, tools…); 200 with a
 * `chat.completion` (an assistant message, with `tool_calls` whose `arguments` are JSON strings, and
 * `usage`); OpenAI's `{error: {message, type, param, code}}` body for a wrong key (401), a malformed
 * request (400) and an outage (500).
 *
 * Like the real API it refuses a conversation whose tool calls are not each answered by a
 * `role: "tool"` message with their `tool_call_id`, so a client that gets that wrong fails here too.
 * Answers are scripted per test: a queue (`reply`) or a function of the request (`respond`).
 */
export type ScriptedToolCall = {
  name: string;
  /** An object is sent as its JSON; a string is sent as it is (to script malformed arguments). */
  arguments: string | object;
  id?: string;
};

export type Usage = { prompt_tokens: number; completion_tokens: number };

export type ScriptedAnswer = (
  | { toolCalls: ScriptedToolCall[]; content?: string | null }
  | { content: string }
  | { status: number; message?: string }
) & {
  /** Wait this long before answering (to make the client time out). */
  delayMs?: number;
  usage?: Usage;
};

export type ChatRequest = {
  authorization: string | undefined;
  /** The openai package's retry counter header, when the client sends it. */
  retryCount: string | undefined;
  body: {
    model: string;
    messages: ChatMessage[];
    tools?: { type: string; function: { name: string; description?: string; parameters?: Record<string, unknown> } }[];
    tool_choice?: unknown;
    [key: string]: unknown;
  };
};

export type ChatMessage = {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
};

export type FakeOpenAI = {
  /** The base URL to give a client (ends in /v1). */
  url: string;
  apiKey: string;
  /** Every request to /v1/chat/completions, answered or not, in order. */
  requests: ChatRequest[];
  /** Queue answers, used one per request in order (after the queue, `respond`'s function answers). */
  reply(...answers: ScriptedAnswer[]): void;
  /** Answer every request the queue does not with a function of it. */
  respond(answerer: (request: ChatRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>): void;
  close(): Promise<void>;
};

const DEFAULT_USAGE: Usage = { prompt_tokens: 100, completion_tokens: 10 };

export async function startFakeOpenAI(o: { apiKey?: string } = {}): Promise<FakeOpenAI> {
  const apiKey = o.apiKey ?? 'sk-fake-' + randomBytes(12).toString('hex');
  const queue: ScriptedAnswer[] = [];
  let answerer: ((request: ChatRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>) | null = null;
  const timers = new Set<NodeJS.Timeout>();
  let callIds = 0;

  const fake: FakeOpenAI = {
    url: '',
    apiKey,
    requests: [],
    reply: (...answers) => {
      queue.push(...answers);
    },
    respond: (fn) => {
      answerer = fn;
    },
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const send = (res: http.ServerResponse, status: number, body: object) => {
    if (res.destroyed || res.writableEnded) return; // the client gave up (a timeout)
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, status: number, message: string, type: string, code: string | null, param: string | null = null) =>
    send(res, status, { error: { message, type, param, code } });

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      void handle(req, res, raw).catch((e: unknown) => error(res, 500, `fake-openai: ${String(e)}`, 'server_error', null));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string) {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      return error(res, 404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error', null);
    }
    let body: ChatRequest['body'];
    try {
      body = JSON.parse(raw);
    } catch {
      return error(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
    }
    const request: ChatRequest = {
      authorization: req.headers.authorization,
      retryCount: req.headers['x-stainless-retry-count'] as string | undefined,
      body,
    };
    const index = fake.requests.push(request) - 1;

    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      const given = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      return error(
        res,
        401,
        `Incorrect API key provided: ${given.slice(0, 3)}***${given.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      );
    }
    const problem = invalidRequest(body);
    if (problem) return error(res, 400, problem.message, 'invalid_request_error', null, problem.param);

    const answer = queue.shift() ?? (answerer ? await answerer(request, index) : null);
    if (!answer) return error(res, 500, 'fake-openai: no answer scripted for this request', 'server_error', null);
    if (answer.delayMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, answer.delayMs);
        timers.add(t);
      });
    }
    if ('status' in answer) {
      return error(res, answer.status, answer.message ?? 'The server had an error while processing your request. Sorry about that!', 'server_error', null);
    }
    const usage = answer.usage ?? DEFAULT_USAGE;
    const toolCalls =
      'toolCalls' in answer
        ? answer.toolCalls.map((c) => ({
            id: c.id ?? `call_${++callIds}`,
            type: 'function' as const,
            function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
          }))
        : [];
    send(res, 200, {
      id: 'chatcmpl-' + randomBytes(12).toString('hex'),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: answer.content ?? null,
            refusal: null,
            annotations: [],
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
        },
      ],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      system_fingerprint: 'fp_fake',
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
  return fake;
}

/** What the real API refuses with a 400: a missing model or messages, tools that are not functions, unanswered tool calls. */
function invalidRequest(body: ChatRequest['body']): { message: string; param: string | null } | null {
  if (typeof body?.model !== 'string' || !body.model) return { message: "Missing required parameter: 'model'.", param: 'model' };
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { message: "Invalid 'messages': empty array. Expected an array with minimum length 1.", param: 'messages' };
  }
  for (const [i, tool] of (body.tools ?? []).entries()) {
    if (tool.type !== 'function' || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.function?.name ?? '')) {
      return { message: `Invalid 'tools[${i}]'.`, param: `tools[${i}]` };
    }
  }
  let pending: string[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (m.role === 'tool') {
      if (!m.tool_call_id || !pending.includes(m.tool_call_id)) {
        return {
          message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${i}].role`,
        };
      }
      pending = pending.filter((id) => id !== m.tool_call_id);
      continue;
    }
    if (pending.length) {
      return {
        message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')}`,
        param: 'messages',
      };
    }
    if (m.role === 'assistant' && m.tool_calls) {
      if (m.tool_calls.length === 0) return { message: `Invalid 'messages[${i}].tool_calls': empty array.`, param: `messages[${i}].tool_calls` };
      pending = m.tool_calls.map((c) => c.id);
    }
  }
  if (pending.length) return { message: `The following tool_call_ids did not have response messages: ${pending.join(', ')}`, param: 'messages' };
  return null;
}
