import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { openDatabase, pgliteDirOf, type Database } from '../db/client.js';
import { acquireDataDirLock, type DataDirLock } from '../db/data-dir-lock.js';
import { restrictToOwner } from '../db/data-dir-modes.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { createRateLimiter } from '../http/limiters.js';
import { buildApp } from '../app.js';
import { startAdminSocket } from './admin-socket.js';
import { exitCodeOf, runDataCommand, type DataCommand } from './commands.js';
import { seedDemoIfEmpty } from './demo-seed.js';
import { startWorker, type RunningWorker } from '../jobs/task-loop.js';
import { createWorkerTasks } from '../worker/tasks.js';

/** Opens the configured database; on the embedded engine, first takes the data-directory lock. */
export async function openConfiguredDatabase(config: Config): Promise<{ database: Database; lock: DataDirLock | null }> {
  if (config.databaseUrl) {
    return { database: await openDatabase({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize }), lock: null };
  }
  const lock = acquireDataDirLock(config.dataDir);
  try {
    restrictToOwner(config.dataDir);
    const database = await openDatabase({ pgliteDir: pgliteDirOf(config.dataDir) });
    restrictToOwner(config.dataDir);
    const tightenAfter =
      <A extends unknown[]>(run: (...args: A) => Promise<void>) =>
      async (...args: A) => {
        try {
          await run(...args);
        } finally {
          restrictToOwner(config.dataDir);
        }
      };
    return { database: { ...database, migrate: tightenAfter(database.migrate), close: tightenAfter(database.close) }, lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}


export type RunningServer = { app: FastifyInstance; url: string; stop(): Promise<void> };

/**
 * `quoteleads serve`: database, migrations, first-run demo, HTTP, the admin socket, and (unless
 * `worker: false`, for deployments that run workers as their own processes) the background worker.
 */
export async function serve(
  config: Config,
  opts: { worker?: boolean } = {},
  clock: Clock = systemClock,
): Promise<RunningServer> {
  const { database, lock } = await openConfiguredDatabase(config);
  await database.migrate();
  // The limiter logs through the app's logger, which exists only once the app does.
  const log: Logger = { warn: (o, m) => app.log.warn(o, m), info: (o, m) => app.log.info(o, m) };
  const limiter = createRateLimiter(config, clock, log);
  const app: FastifyInstance = await buildApp({ config, database, limiter, clock });

  const admin =
    database.engine === 'pglite'
      ? await startAdminSocket(config.dataDir, async (request) => {
          try {
            return { ok: true, result: await runDataCommand({ db: database.db, clock, config, engine: database.engine }, request as DataCommand) };
          } catch (err) {
            if (err instanceof AppError) return { ok: false, error: err.message, exitCode: exitCodeOf(err) };
            throw err;
          }
        })
      : null;

  const address = await app.listen({ port: config.port, host: config.host });
  // Only once listening: a start that fails (a port in use) must not spend the one-time demo token.
  const demo = database.engine === 'pglite' ? await seedDemoIfEmpty(database.db, clock, config.publicUrl) : null;
  if (demo) printDemo(config, demo);
  const worker = opts.worker === false ? null : startWorker(createWorkerTasks({ config, database, clock, log }), log);
  return {
    app,
    url: address,
    stop: async () => {
      await admin?.close();
      await worker?.stop();
      await app.close();
      await limiter.close();
      await database.close();
      lock?.release();
    },
  };
}

export type RunningWorkerProcess = { stop(): Promise<void> };

/** `quoteleads worker`: only the background work, for as many processes as a deployment wants. */
export async function runWorkerProcess(config: Config, log: Logger, clock: Clock = systemClock): Promise<RunningWorkerProcess> {
  const { database, lock } = await openConfiguredDatabase(config);
  await database.migrate();
  const worker: RunningWorker = startWorker(createWorkerTasks({ config, database, clock, log }), log);
  log.info({}, 'worker started');
  return {
    stop: async () => {
      await worker.stop();
      await database.close();
      lock?.release();
    },
  };
}

function printDemo(
  config: Config,
  demo: {
    company: { name: string; id: string };
    token: string;
    leads: number;
    sampleQuoteUrl: string;
    login: { email: string; password: string };
    formUrl: string;
  },
) {
  const base = config.publicUrl;
  const lines = [
    '',
    `  First start: created the demo company "${demo.company.name}" (${demo.company.id}) with ${demo.leads} sample leads.`,
    `  The dashboard: ${base}/app/  (log in as ${demo.login.email} with the password ${demo.login.password}, shown only this once)`,
    `  Its full-scope API token, shown only this once:`,
    '',
    `    ${demo.token}`,
    '',
    `  Try it:  curl -H "Authorization: Bearer ${demo.token}" ${base}/v1/leads`,
    `  A quote as the customer sees it (open it on a phone; Accept and Decline work): ${demo.sampleQuoteUrl}`,
    `  API reference: ${base}/docs`,
    `  Its website form takes leads (dedupe on: the same phone again is recorded on its lead): curl -H "Origin: ${new URL(base).origin}" -d "name=Sam Sample&phone=0412 000 002&message=Leaking roof" ${demo.formUrl}`,
    `  The bell in the dashboard holds the sample leads' alerts; a new lead, a reply or an accepted quote rings it live${config.smtpUrl ? ', and emails the owner' : ' (set SMTP_URL to have them emailed too)'}.`,
    `  The lead agent is on: npx quoteleads agent try ${demo.company.id} --text "Hi, I need a roof quote"`,
    ...(config.smsProvider === 'console'
      ? [`  Text it as a customer (the answer is printed here): npx quoteleads sms receive --company ${demo.company.id} --from +61412000001 --text "Hi, I need a roof quote"`]
      : ['  To text it as a customer without Twilio, start with SMS_PROVIDER=console.']),
    '',
  ];
  fs.writeSync(1, lines.join('\n') + '\n');
}
