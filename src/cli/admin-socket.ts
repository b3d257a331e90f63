import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

// While a server holds an embedded data directory, the `quoteleads` command cannot open the database
// itself (that would corrupt it), so it asks the server over a Unix socket inside the directory,
// readable by its owner only.

export const adminSocketPath = (dataDir: string) => path.join(path.resolve(dataDir), 'quoteleads.sock');

export type AdminAnswer = { ok: true; result: unknown } | { ok: false; error: string; exitCode: number };

export async function startAdminSocket(
  dataDir: string,
  handle: (request: unknown) => Promise<AdminAnswer>,
): Promise<{ close(): Promise<void> }> {
  const socketPath = adminSocketPath(dataDir);
  fs.rmSync(socketPath, { force: true }); // left by a process that died; we hold the lock now
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let answer: AdminAnswer;
    try {
      answer = await handle(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch (err) {
      answer = { ok: false, error: (err as Error).message, exitCode: 1 };
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        fs.rmSync(socketPath, { force: true });
      }),
  };
}

/** Sends a command to the server holding `dataDir`; waits for its socket while the server is starting. */
export async function sendAdminRequest(dataDir: string, request: unknown, waitMs = 30_000): Promise<AdminAnswer> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await sendOnce(dataDir, request);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function sendOnce(dataDir: string, request: unknown): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: adminSocketPath(dataDir), path: '/command', method: 'POST', headers: { 'content-type': 'application/json' } },
      async (res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdminAnswer);
        } catch (err) {
          reject(err);
        }
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(request));
  });
}
