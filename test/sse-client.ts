import { Agent, fetch } from 'undici';

// A Server-Sent Events reader for tests, over fetch: what a browser's EventSource would see, frame by
// frame, with the comments (heartbeats) kept. Each stream has a connection pool of its own, closed
// with it: a shared pool may keep a spare connection open that a closing server then waits for.

export type SseFrame = { id?: string; event?: string; data?: string; comments: string[]; retry?: number };

export type SseStream = {
  status: number;
  headers: Headers;
  /** Every frame so far, in order. */
  frames: SseFrame[];
  /** The frames that carry an event (comments and `retry` alone left out). */
  events(): (SseFrame & { id: string; event: string; data: string })[];
  /** Resolves when `check` holds over the frames so far; rejects after `ms`. */
  until(check: (s: SseStream) => boolean, ms?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  body: string;
  close(): void;
};

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const dispatcher = new Agent({ connections: 1 });
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal, dispatcher });
  const frames: SseFrame[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  const stream: SseStream = {
    status: res.status,
    headers: res.headers,
    frames,
    events: () => frames.filter((f) => f.data !== undefined) as ReturnType<SseStream['events']>,
    until(check, ms = 5000) {
      if (check(stream)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`stream: condition not met within ${ms} ms; frames: ${JSON.stringify(frames)}`));
        }, ms);
        const look = () => {
          if (!check(stream)) return;
          clearTimeout(timer);
          waiters.delete(look);
          resolve();
        };
        waiters.add(look);
      });
    },
    ended: Promise.resolve(),
    body: '',
    close: () => {
      abort.abort();
      void dispatcher.destroy().catch(() => {});
    },
  };
  if (res.status !== 200 || !res.body) {
    stream.body = await res.text();
    await dispatcher.close();
    return stream;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  stream.ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          await dispatcher.close();
          return;
        }
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          frames.push(parse(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
        }
        for (const look of [...waiters]) look();
      }
    } catch {
      // closed by the test
    }
  })();
  return stream;
}

function parse(block: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const at = line.indexOf(':');
    const field = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === 'retry') frame.retry = Number(value);
  }
  return frame;
}
