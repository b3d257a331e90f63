import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../lib/logger.js';

/**
 * One kind of background work (webhook delivery, instant replies…). `runOnce` claims and handles one
 * batch and says how many items it handled; the worker calls it again at once while there is work,
 * and waits `idleMs` (or as long as `waitForWork` says) when there was none.
 */
export type WorkerTask = {
  name: string;
  runOnce(): Promise<number>;
  idleMs?: number;
  /**
   * When a batch found nothing: resolves once there may be work, instead of the fixed `idleMs` wait
   * (a task that knows when its next item falls due, or hears of new ones). Must resolve when
   * `signal` aborts.
   */
  waitForWork?(signal: AbortSignal): Promise<void>;
  /** Called once the task's loop has ended: finish work it started in the background, release resources. */
  stop?(): Promise<void>;
};

export type RunningWorker = {
  /** Lets each task finish its current batch, then returns. */
  stop(): Promise<void>;
};

const DEFAULT_IDLE_MS = 250;
const MAX_ERROR_BACKOFF_MS = 10_000;

export function startWorker(tasks: WorkerTask[], log: Logger): RunningWorker {
  let stopping = false;
  // Aborted at stop: ends every idle wait.
  const stopped = new AbortController();

  async function loop(task: WorkerTask) {
    let failures = 0;
    while (!stopping) {
      let handled = 0;
      try {
        handled = await task.runOnce();
        failures = 0;
      } catch (err) {
        failures++;
        // A database that went away should not turn into a hot loop of errors.
        log.warn({ err, task: task.name, failures }, 'worker task failed; backing off');
        await pause(Math.min(MAX_ERROR_BACKOFF_MS, 100 * 2 ** failures));
        continue;
      }
      if (handled === 0 && !stopping) {
        if (task.waitForWork) await task.waitForWork(stopped.signal);
        else await pause(task.idleMs ?? DEFAULT_IDLE_MS);
      }
    }
  }

  async function pause(ms: number) {
    if (stopping) return;
    await sleep(ms, undefined, { signal: stopped.signal }).catch(() => undefined);
  }

  const loops = tasks.map((task) => loop(task));
  return {
    async stop() {
      stopping = true;
      stopped.abort();
      await Promise.all(loops);
      await Promise.all(tasks.map((task) => task.stop?.()));
    },
  };
}
