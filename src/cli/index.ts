import { loadConfig, ConfigError, type Config } from '../config.js';
import { DataDirBusyError, dataDirHolder } from '../db/data-dir-lock.js';
import { AppError, UsageError } from '../lib/errors.js';
import { systemClock } from '../lib/clock.js';
import pino from 'pino';
import { openConfiguredDatabase, runWorkerProcess, serve } from './serve.js';
import { sendAdminRequest } from './admin-socket.js';
import { parseInvocation, type Invocation } from './args.js';
import { describeResult, exitCodeOf, runDataCommand, type DataCommand } from './commands.js';
import { runLeadsImport, type SendCommand } from './leads-import.js';

/** A command the server holding the data directory refused, with the exit code it chose. */
class RefusedByServer extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

function fail(message: string, code: number): never {
  process.stderr.write(`quoteleads: ${message.split('\n')[0]}\n`);
  process.exit(code);
}

function print(inv: Invocation, human: string, result: object) {
  process.stdout.write(inv.json ? JSON.stringify(result) + '\n' : human + '\n');
}

async function runServe(config: Config, worker: boolean) {
  const server = await serve(config, { worker });
  stopOnSignal((signal) => server.app.log.info({ signal }, 'shutting down'), server.stop);
}

async function runWorker(config: Config) {
  const log = pino({ level: config.logLevel });
  const worker = await runWorkerProcess(config, log);
  stopOnSignal((signal) => log.info({ signal }, 'shutting down'), worker.stop);
}

function stopOnSignal(announce: (signal: string) => void, stopAll: () => Promise<void>) {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    announce(signal);
    await stopAll();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function runLocally(config: Config, inv: Invocation) {
  const { database, lock } = await openConfiguredDatabase(config);
  try {
    await database.migrate();
    if (inv.command.kind === 'migrate') return print(inv, 'Migrations applied.', { migrated: true });
    const ctx = { db: database.db, clock: systemClock, config, engine: database.engine };
    await runCommand(inv, (command) => runDataCommand(ctx, command));
  } finally {
    await database.close();
    lock?.release();
  }
}

/** A data command, or the import that is a series of them, run through `send`. */
async function runCommand(inv: Invocation, send: SendCommand) {
  if (inv.command.kind === 'leads import') return runLeadsImport(inv.command, inv.json, send);
  const command = inv.command as DataCommand;
  const result = await send(command);
  print(inv, describeResult(command, result), result);
}

async function main() {
  let inv: Invocation;
  try {
    inv = parseInvocation(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      if (process.argv.length <= 2 || ['--help', 'help'].includes(process.argv[2])) {
        process.stdout.write(err.message + '\n');
        process.exit(process.argv.length <= 2 ? 2 : 0);
      }
      fail(err.message, 2);
    }
    throw err;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }

  try {
    if (inv.command.kind === 'serve') return await runServe(config, inv.command.worker);
    if (inv.command.kind === 'worker') return await runWorker(config);
    // Embedded database held by a running server: never open it twice; ask the server to do it.
    if (!config.databaseUrl && dataDirHolder(config.dataDir) !== null) {
      if (inv.command.kind === 'migrate') {
        return print(inv, 'A running server holds the data directory; it migrated at start.', { migrated: true });
      }
      return await runCommand(inv, async (command) => {
        const answer = await sendAdminRequest(config.dataDir, command);
        if (!answer.ok) throw new RefusedByServer(answer.error, answer.exitCode);
        return answer.result as Record<string, unknown>;
      });
    }
    await runLocally(config, inv);
  } catch (err) {
    if (err instanceof AppError) fail(err.message, exitCodeOf(err));
    if (err instanceof RefusedByServer) fail(err.message, err.exitCode);
    if (err instanceof DataDirBusyError) fail(err.message, 1);
    // Anything else (a database that does not answer, a port in use…): one line, not a stack trace.
    const e = err as NodeJS.ErrnoException;
    fail(e.code && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message || String(err), 1);
  }
}

await main();
